package registry

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// chartDays is how many days of portfolio counts the dashboard draws.
const chartDays = 90

// metricNames are the portfolio metrics the chart draws, in order, with
// their legend; metrics not listed (finding counts, when the findings table
// adds them) follow in name order under their own name.
var metricNames = []struct{ metric, name, colour string }{
	{store.MetricProducts, "products", "#1f5fa8"},
	{store.MetricLabelsValid, "valid labels", "#2e7d32"},
	{store.MetricLabelsRevoked, "revoked labels", "#c62828"},
	{store.MetricSupportEnded, "past support end", "#ef6c00"},
}

var extraColours = []string{"#6a1b9a", "#00838f", "#5d4037", "#455a64"}

// Chart is the portfolio chart of the dashboard: an SVG (server-rendered,
// no script) and the latest day's figures as a table.
type Chart struct {
	SVG    template.HTML
	Day    string
	Latest []ChartValue
	Whole  bool // the whole registry (authorities, operator), not one organisation
}

// ChartValue is one metric's latest figure.
type ChartValue struct {
	Name  string
	Value int64
}

// portfolioChart draws the last chartDays of p's portfolio counts (the
// whole registry's for authorities and the operator); nil when none are
// stored yet.
func (s *Server) portfolioChart(ctx context.Context, p *principal) (*Chart, error) {
	org := p.readOrg()
	from := s.cfg.Notify.Now().UTC().AddDate(0, 0, -chartDays).Format(time.DateOnly)
	counts, err := s.outbox.Portfolio(ctx, org, from)
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	c := drawChart(counts)
	c.Whole = org == ""
	return c, nil
}

// series is one metric over the days.
type series struct {
	name, colour string
	values       map[string]int64
}

// drawChart turns daily counts into the chart.
func drawChart(counts []store.PortfolioCount) *Chart {
	var days []string
	byMetric := map[string]map[string]int64{}
	for _, c := range counts {
		if len(days) == 0 || days[len(days)-1] != c.Day {
			days = append(days, c.Day)
		}
		if byMetric[c.Metric] == nil {
			byMetric[c.Metric] = map[string]int64{}
		}
		byMetric[c.Metric][c.Day] = c.Value
	}
	var lines []series
	for _, m := range metricNames {
		if v, ok := byMetric[m.metric]; ok {
			lines = append(lines, series{m.name, m.colour, v})
		}
	}
	var extra []string
	for m := range byMetric {
		if !slices.ContainsFunc(metricNames, func(n struct{ metric, name, colour string }) bool { return n.metric == m }) && m != store.MetricVersions && m != store.MetricLabelsSuperseded {
			extra = append(extra, m)
		}
	}
	sort.Strings(extra)
	for i, m := range extra {
		lines = append(lines, series{m, extraColours[i%len(extraColours)], byMetric[m]})
	}
	last := days[len(days)-1]
	chart := &Chart{Day: last}
	for _, l := range lines {
		chart.Latest = append(chart.Latest, ChartValue{l.name, l.values[last]})
	}
	chart.SVG = template.HTML(svgChart(days, lines))
	return chart
}

// svgChart draws the lines over the days. Every text in it is a metric
// name or a number, escaped all the same.
func svgChart(days []string, lines []series) string {
	const w, h, left, right, top, bottom = 640, 260, 52, 16, 16, 64
	var max int64 = 1
	for _, l := range lines {
		for _, v := range l.values {
			max = maxInt(max, v)
		}
	}
	top10 := niceCeil(max)
	x := func(i int) float64 {
		if len(days) == 1 {
			return left + float64(w-left-right)/2
		}
		return left + float64(i)*float64(w-left-right)/float64(len(days)-1)
	}
	y := func(v int64) float64 { return top + float64(h-top-bottom)*(1-float64(v)/float64(top10)) }
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="chart-title" class="chart">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">Portfolio counts per day, %s to %s</title>`, esc(days[0]), esc(days[len(days)-1]))
	prev := int64(-1)
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		v := int64(f * float64(top10))
		if v == prev { // small scales: no tick twice
			continue
		}
		prev = v
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#444">%d</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	if len(days) == 1 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#444">%s</text>`, x(0), h-bottom+16, esc(days[0]))
	} else {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="start" fill="#444">%s</text>`, x(0), h-bottom+16, esc(days[0]))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="end" fill="#444">%s</text>`, x(len(days)-1), h-bottom+16, esc(days[len(days)-1]))
	}
	for _, l := range lines {
		var pts []string
		for i, d := range days {
			if v, ok := l.values[d]; ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
			}
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`, l.colour, strings.Join(pts, " "), esc(l.name))
		}
		for _, pt := range pts {
			xy := strings.SplitN(pt, ",", 2)
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, xy[0], xy[1], l.colour)
		}
	}
	for i, l := range lines {
		lx, ly := left+(i%3)*190, h-bottom+34+(i/3)*16
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" font-size="12" fill="#222">%s</text>`, lx, ly-4, l.colour, lx+18, ly, esc(l.name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten, for the axis.
func niceCeil(v int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
	}
}
