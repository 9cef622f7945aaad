package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSoak runs a load generator against the registry on loopback (SQLite,
// advisory database and monitor on) for $DUALMARK_SOAK (a Go duration, e.g.
// 10m; unset skips the test) at $DUALMARK_SOAK_RATE requests a second
// (default 20) from $DUALMARK_SOAK_CLIENTS clients (default 2): public
// pages, searches, log checkpoints, API reads, crisis queries and uploads
// (with a label for some). It samples the live heap (after a GC) every
// 10 s, fails on any error answer, and writes the samples as a table and
// an SVG plot to $DUALMARK_SOAK_OUT (default ../../docs/img/soak-heap.svg).
func TestSoak(t *testing.T) {
	d := os.Getenv("DUALMARK_SOAK")
	if d == "" {
		t.Skip("set DUALMARK_SOAK=10m to run the soak")
	}
	dur, err := time.ParseDuration(d)
	if err != nil {
		t.Fatalf("DUALMARK_SOAK=%q: %v", d, err)
	}
	rate, clients := envInt(t, "DUALMARK_SOAK_RATE", 20), envInt(t, "DUALMARK_SOAK_CLIENTS", 2)
	out := os.Getenv("DUALMARK_SOAK_OUT")
	if out == "" {
		out = filepath.Join("..", "..", "docs", "img", "soak-heap.svg")
	}
	adv := faultAdvisoryDB(t)
	e := newEnv(t, func(c *Config) { c.AdvisoryDB = adv })
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	cve := cveLines(t, "CVE-2024-1086")["CVE-2024-1086"]
	wantStatus(t, e.do("POST", "/api/v1/admin/advisories?name=CVE-2024-1086.json", e.admin, bytes.NewReader(cve), "application/octet-stream", nil), 200)
	ups := map[string][]byte{}
	cts := map[string]string{}
	for _, name := range []string{"smart-plug", "home-router", "security-camera"} {
		body, ct := multipartUpload(t, example(t, name))
		ups[name], _ = io.ReadAll(body)
		cts[name] = ct
	}
	var mu sync.Mutex
	var versions, labels []string
	for _, name := range []string{"smart-plug", "home-router", "security-camera"} {
		c := e.register(tok, example(t, name))
		var l IssuedLabel
		wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &l), 201)
		versions, labels = append(versions, c.Version.ID), append(labels, l.Label.ID)
	}

	type sample struct {
		at                time.Duration
		heap, sys         uint64
		goroutines, count int
	}
	var samples []sample
	var lat []time.Duration
	kinds := map[string]int{}
	var errs []string
	record := func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		samples = append(samples, sample{0, ms.HeapAlloc, ms.Sys, runtime.NumGoroutine(), len(lat)})
		mu.Unlock()
	}
	start := time.Now()
	record()
	samples[0].at = 0
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	work := make(chan int)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for n := range work {
				mu.Lock()
				v, l := versions[rnd.IntN(len(versions))], labels[rnd.IntN(len(labels))]
				mu.Unlock()
				method, path, token, ct, kind := "GET", "", "", "", ""
				var body []byte
				switch op := rnd.IntN(100); {
				case op < 30:
					path, kind = "/p/"+l, "public page"
				case op < 40:
					path, kind = "/search?q=voltic", "search"
				case op < 50:
					path, kind = "/log/checkpoint", "log checkpoint"
				case op < 70:
					path, token, kind = []string{"/api/v1/products", "/api/v1/versions/" + v, "/api/v1/versions/" + v + "/assessment"}[n%3], tok, "API read"
				case op < 85:
					path, token, kind = "/api/v1/vulnerabilities/CVE-2024-1086/affected", tok, "crisis query"
				case op < 97:
					path, kind = "/p/"+l+"/bundle.json", "bundle"
				default:
					name := []string{"smart-plug", "home-router", "security-camera"}[n%3]
					method, path, token, body, ct, kind = "POST", "/api/v1/products", tok, ups[name], cts[name], "upload"
				}
				req, _ := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				if ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				var data []byte
				if err == nil {
					data, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				el := time.Since(t0)
				mu.Lock()
				lat = append(lat, el)
				kinds[kind]++
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s %s: %v", method, path, err))
				} else if resp.StatusCode >= 400 {
					errs = append(errs, fmt.Sprintf("%s %s: %d %.200s", method, path, resp.StatusCode, data))
				} else if kind == "upload" && resp.StatusCode == 201 && strings.Contains(string(data), `"version"`) {
					if i := strings.Index(string(data), `"version":{"id":"`); i >= 0 {
						id := string(data[i+len(`"version":{"id":"`):])
						if j := strings.IndexByte(id, '"'); j > 0 && len(versions) < 200 {
							versions = append(versions, id[:j])
						}
					}
				}
				mu.Unlock()
			}
		}(w)
	}
	sampler := time.NewTicker(10 * time.Second)
	defer sampler.Stop()
	n := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-sampler.C:
			record()
			samples[len(samples)-1].at = time.Since(start)
		case <-tick.C:
			select {
			case work <- n:
				n++
			default: // the clients are behind: the rate is not kept, counted below
			}
		}
	}
	close(work)
	wg.Wait()
	record()
	samples[len(samples)-1].at = time.Since(start)
	elapsed := time.Since(start)

	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "| t (s) | live heap (MiB) | Sys (MiB) | goroutines | requests so far |\n|---:|---:|---:|---:|---:|\n")
	for _, s := range samples {
		fmt.Fprintf(&tbl, "| %.0f | %.1f | %.1f | %d | %d |\n", s.at.Seconds(), float64(s.heap)/(1<<20), float64(s.sys)/(1<<20), s.goroutines, s.count)
	}
	t.Logf("soak %v at %d/s from %d clients: %d requests (%.1f/s), %d errors, p50 %v, p99 %v, max %v; mix %v\n%s",
		elapsed.Round(time.Second), rate, clients, len(lat), float64(len(lat))/elapsed.Seconds(), len(errs), pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), kinds, tbl.String())
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, heapSVG(func(yield func(time.Duration, uint64) bool) {
		for _, s := range samples {
			if !yield(s.at, s.heap) {
				return
			}
		}
	}, fmt.Sprintf("registry soak: %v, %d requests, p99 %v, %d errors", elapsed.Round(time.Second), len(lat), pct(0.99).Round(time.Millisecond), len(errs))), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("%d errors, first: %s", len(errs), errs[0])
	}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// heapSVG plots live-heap samples as a small SVG line chart.
func heapSVG(samples func(func(time.Duration, uint64) bool), title string) []byte {
	type pt struct {
		x float64
		y float64
	}
	var pts []pt
	maxX, maxY := 1.0, 1.0
	for at, h := range samples {
		p := pt{at.Seconds(), float64(h) / (1 << 20)}
		pts = append(pts, p)
		maxX, maxY = max(maxX, p.x), max(maxY, p.y)
	}
	maxY *= 1.2
	const w, h, l, b = 640.0, 240.0, 50.0, 30.0
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", w, h)
	fmt.Fprintf(&s, `<text x="%.0f" y="14">%s</text>`+"\n", l, title)
	fmt.Fprintf(&s, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#000"/><line x1="%.0f" y1="20" x2="%.0f" y2="%.0f" stroke="#000"/>`+"\n", l, h-b, w-10, h-b, l, l, h-b)
	for i := 0; i <= 4; i++ {
		y := h - b - float64(i)/4*(h-b-20)
		fmt.Fprintf(&s, `<text x="4" y="%.0f">%.1f MiB</text>`+"\n", y+4, maxY*float64(i)/4)
	}
	fmt.Fprintf(&s, `<text x="%.0f" y="%.0f">0 s</text><text x="%.0f" y="%.0f" text-anchor="end">%.0f s (live heap after GC, every 10 s)</text>`+"\n", l, h-10, w-10, h-10, maxX)
	s.WriteString(`<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="`)
	for _, p := range pts {
		fmt.Fprintf(&s, "%.1f,%.1f ", l+p.x/maxX*(w-10-l), h-b-p.y/maxY*(h-b-20))
	}
	s.WriteString("\"/>\n</svg>\n")
	return []byte(s.String())
}
