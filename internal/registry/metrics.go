package registry

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"
)

// buckets are the upper bounds (seconds) of the request-duration histogram.
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics counts requests per route and status and keeps one duration
// histogram per route, written in the Prometheus text format.
type metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status code
	hist     map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]uint64{}, hist: map[string]*histogram{}}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[route] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

// write renders the metrics; gauges are extra single-value metrics.
func (m *metrics) write(w io.Writer, gauges map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP dualmark_http_requests_total HTTP requests by route pattern and status code.")
	fmt.Fprintln(w, "# TYPE dualmark_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "dualmark_http_requests_total{route=%s,code=%q} %d\n", strconv.Quote(k[0]), k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP dualmark_http_request_duration_seconds HTTP request duration by route pattern.")
	fmt.Fprintln(w, "# TYPE dualmark_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "dualmark_http_request_duration_seconds_bucket{route=%s,le=\"%g\"} %d\n", strconv.Quote(r), b, cum)
		}
		fmt.Fprintf(w, "dualmark_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", strconv.Quote(r), h.n)
		fmt.Fprintf(w, "dualmark_http_request_duration_seconds_sum{route=%s} %g\n", strconv.Quote(r), h.sum)
		fmt.Fprintf(w, "dualmark_http_request_duration_seconds_count{route=%s} %d\n", strconv.Quote(r), h.n)
	}
	names := make([]string, 0, len(gauges))
	for n := range gauges {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# TYPE %s gauge\n%s %g\n", n, n, gauges[n])
	}
}
