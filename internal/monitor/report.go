package monitor

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats of the crisis list and the situation report.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatCSV      = "csv"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// Formats lists the formats WriteAffected writes.
var Formats = []string{FormatTable, FormatJSON, FormatCSV, FormatMarkdown, FormatHTML}

// Count is one bar of the situation report.
type Count struct {
	Key string `json:"key"`
	N   int    `json:"n"`
}

// Point is one day of the situation report's time series: how many
// versions were affected (open) and how many resolved by that day.
type Point struct {
	Day      string `json:"day"`
	Affected int    `json:"affected"`
	Resolved int    `json:"resolved"`
}

// Situation is the situation report of a vulnerability: counts by
// manufacturer, CRA class, market and status, the list with contact points,
// and the time series from the findings history.
type Situation struct {
	Query          string            `json:"query"`
	IDs            []string          `json:"ids"`
	Generated      time.Time         `json:"generated"`
	Versions       int               `json:"versions"`
	Products       int               `json:"products"`
	Manufacturers  int               `json:"manufacturers"`
	Affected       int               `json:"affected"`
	Resolved       int               `json:"resolved"`
	KEV            bool              `json:"kev"`
	ByManufacturer []Count           `json:"byManufacturer"`
	ByClass        []Count           `json:"byClass"`
	ByMarket       []Count           `json:"byMarket"`
	ByStatus       []Count           `json:"byStatus"`
	Series         []Point           `json:"series"`
	List           []AffectedVersion `json:"list"`
	// Filter is the situation query reported on (nil for a vulnerability's
	// report); Query then describes it and IDs are the vulnerabilities
	// found.
	Filter *SituationQuery `json:"filter,omitempty"`
}

func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// BuildSituation summarises an Affected answer (resolved versions
// included) as of now.
func BuildSituation(a *Affected, now time.Time) *Situation {
	s := &Situation{Query: a.Query, IDs: a.IDs, Generated: a.Generated, List: a.Versions, Series: []Point{}, Filter: a.Filter}
	man, class, market, status := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	products, orgs := map[string]bool{}, map[string]bool{}
	var first time.Time
	for _, v := range a.Versions {
		s.Versions++
		products[v.ProductID], orgs[v.OrgID] = true, true
		man[v.Manufacturer]++
		c := v.CRAClass
		if c == "" {
			c = "not stated"
		}
		class[c]++
		if len(v.Markets) == 0 {
			market["not stated"]++
		}
		for _, mk := range v.Markets {
			market[mk]++
		}
		st := v.Status
		if v.Status == StatusAffected && v.FixedIn != "" {
			st = "affected, fixed in a newer version"
		}
		status[st]++
		if v.Status == StatusAffected {
			s.Affected++
		} else {
			s.Resolved++
		}
		s.KEV = s.KEV || v.KEV
		if first.IsZero() || v.FirstSeen.Before(first) {
			first = v.FirstSeen
		}
	}
	s.Products, s.Manufacturers = len(products), len(orgs)
	s.ByManufacturer, s.ByClass, s.ByMarket, s.ByStatus = counts(man), counts(class), counts(market), counts(status)
	if !first.IsZero() {
		day := first.UTC().Truncate(24 * time.Hour)
		end := now.UTC().Truncate(24 * time.Hour)
		if end.Sub(day) > 365*24*time.Hour {
			day = end.Add(-365 * 24 * time.Hour)
		}
		for ; !day.After(end); day = day.Add(24 * time.Hour) {
			next := day.Add(24 * time.Hour)
			p := Point{Day: day.Format("2006-01-02")}
			for _, v := range a.Versions {
				if !v.FirstSeen.Before(next) {
					continue
				}
				if v.Resolved != nil && v.Resolved.Before(next) {
					p.Resolved++
				} else {
					p.Affected++
				}
			}
			s.Series = append(s.Series, p)
		}
	}
	return s
}

func epssText(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.4f", *p)
}

func labelText(l *LabelState) string {
	if l == nil {
		return "none"
	}
	return l.Status
}

func statusText(v *AffectedVersion) string {
	s := v.Status
	if v.Reason != "" {
		s += " (" + v.Reason + ")"
	}
	if v.FixedIn != "" {
		s += ", fixed in " + v.FixedIn
	}
	return s
}

func componentsText(v *AffectedVersion, sep string) string {
	parts := make([]string, 0, len(v.Components))
	for _, c := range v.Components {
		p := c.Name + " " + c.Version
		if c.Path != "" {
			p += " via " + c.Path
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, sep)
}

// csvHeader is the column row of the CSV list.
var csvHeader = []string{"manufacturer", "contact", "product", "model", "version", "version_id", "cra_class", "markets", "vulnerabilities",
	"severity", "kev", "epss", "fixed_versions", "vex_status", "status", "reason", "fixed_in", "component", "component_version", "purl", "path", "label", "first_seen", "resolved"}

// csvCell guards a spreadsheet against formulas in data (CWE-1236).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(w io.Writer, vs []AffectedVersion) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for i := range vs {
		v := &vs[i]
		comps := v.Components
		if len(comps) == 0 {
			comps = []AffectedComponent{{}}
		}
		for _, c := range comps {
			res := ""
			if v.Resolved != nil {
				res = v.Resolved.UTC().Format(time.RFC3339)
			}
			row := []string{v.Manufacturer, v.Contact, v.Product, v.Model, v.Version, v.VersionID, v.CRAClass, strings.Join(v.Markets, " "),
				strings.Join(v.Vulnerabilities, " "), v.Severity, fmt.Sprint(v.KEV), epssText(v.EPSS), strings.Join(v.Fixed, " "), v.VEXStatus,
				v.Status, v.Reason, v.FixedIn, c.Name, c.Version, c.PURL, c.Path, labelText(v.Label), v.FirstSeen.UTC().Format(time.RFC3339), res}
			for j := range row {
				row[j] = csvCell(row[j])
			}
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// WriteAffected writes the crisis list in a format (Formats): table,
// JSON, CSV, Markdown, or the HTML situation report.
func WriteAffected(w io.Writer, a *Affected, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	case FormatCSV:
		return writeCSV(w, a.Versions)
	case FormatHTML:
		return WriteSituation(w, BuildSituation(a, time.Now()), FormatHTML)
	case FormatMarkdown:
		if a.Filter != nil {
			fmt.Fprintf(w, "# Products with %s\n\n%d vulnerabilities: %s. %d product version(s).\n\n", mdCell(a.Query), len(a.IDs), mdCell(idsText(a.IDs)), len(a.Versions))
		} else {
			fmt.Fprintf(w, "# Products affected by %s\n\nKnown as: %s. %d product version(s).\n\n", mdCell(a.Query), mdCell(strings.Join(a.IDs, ", ")), len(a.Versions))
		}
		fmt.Fprintln(w, "| manufacturer | product | version | CRA class | markets | KEV | EPSS | status | components (path) | label | contact |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
		for i := range a.Versions {
			v := &a.Versions[i]
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %t | %s | %s | %s | %s | %s |\n", mdCell(v.Manufacturer), mdCell(v.Product), mdCell(v.Version),
				mdCell(v.CRAClass), mdCell(strings.Join(v.Markets, " ")), v.KEV, epssText(v.EPSS), mdCell(statusText(v)), mdCell(componentsText(v, "; ")),
				labelText(v.Label), mdCell(v.Contact))
		}
		return nil
	case FormatTable, "":
		if a.Filter != nil {
			fmt.Fprintf(w, "%s (%d vulnerabilities: %s): %d product version(s)\n\n", a.Query, len(a.IDs), oneLine(idsText(a.IDs)), len(a.Versions))
		} else {
			fmt.Fprintf(w, "%s (known as %s): %d product version(s)\n\n", a.Query, strings.Join(a.IDs, ", "), len(a.Versions))
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MANUFACTURER\tPRODUCT\tVERSION\tCLASS\tKEV\tEPSS\tSTATUS\tLABEL\tCOMPONENT (PATH)")
		for i := range a.Versions {
			v := &a.Versions[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\t%s\t%s\t%s\n", oneLine(v.Manufacturer), oneLine(v.Product), oneLine(v.Version), v.CRAClass, v.KEV,
				epssText(v.EPSS), statusText(v), labelText(v.Label), oneLine(componentsText(v, "; ")))
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown format %q (one of %s)", format, strings.Join(Formats, ", "))
}

// idsText lists vulnerability ids, the first 20 of more.
func idsText(ids []string) string {
	if len(ids) > 20 {
		return strings.Join(ids[:20], ", ") + fmt.Sprintf(" and %d more", len(ids)-20)
	}
	return strings.Join(ids, ", ")
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// WriteSituation writes the situation report as HTML (printable, the
// charts as server-rendered SVG, no script), CSV (the list) or JSON.
func WriteSituation(w io.Writer, s *Situation, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	case FormatCSV:
		return writeCSV(w, s.List)
	case FormatHTML, "":
		return situationPage.Execute(w, s)
	}
	return fmt.Errorf("unknown format %q (one of html, csv, json)", format)
}

// bar is one bar of a horizontal SVG bar chart.
type bar struct {
	Label    string
	Short    string // Label cut to fit the label column
	N        int
	Y, Width int
}

type chart struct {
	Title  string
	Bars   []bar
	Height int
}

const barMax = 360

func barChart(title string, cs []Count) chart {
	max := 1
	for _, c := range cs {
		if c.N > max {
			max = c.N
		}
	}
	if len(cs) > 12 {
		cs = cs[:12]
	}
	ch := chart{Title: title, Height: 24*len(cs) + 8}
	for i, c := range cs {
		short := c.Key
		if r := []rune(short); len(r) > 30 {
			short = string(r[:29]) + "…"
		}
		ch.Bars = append(ch.Bars, bar{Label: c.Key, Short: short, N: c.N, Y: 4 + 24*i, Width: max1(c.N * barMax / max)})
	}
	return ch
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// seriesChart is the time series as columns: affected over resolved.
type column struct {
	X, YA, HA, YR, HR int
	Day               string
	Affected          int
	Resolved          int
}

func seriesColumns(ps []Point) ([]column, int) {
	max := 1
	for _, p := range ps {
		if p.Affected+p.Resolved > max {
			max = p.Affected + p.Resolved
		}
	}
	const h = 120
	width := 6
	if len(ps) > 90 {
		width = 2
	}
	out := make([]column, 0, len(ps))
	for i, p := range ps {
		ha, hr := p.Affected*h/max, p.Resolved*h/max
		out = append(out, column{X: i * (width + 1), YA: h - ha - hr, HA: ha, YR: h - hr, HR: hr, Day: p.Day, Affected: p.Affected, Resolved: p.Resolved})
	}
	return out, width
}

var situationPage = template.Must(template.New("situation").Funcs(template.FuncMap{
	"chart":   barChart,
	"columns": func(ps []Point) []column { c, _ := seriesColumns(ps); return c },
	"colw":    func(ps []Point) int { _, w := seriesColumns(ps); return w },
	"seriesw": func(ps []Point) int { _, w := seriesColumns(ps); return len(ps)*(w+1) + 2 },
	"join":    strings.Join,
	"epss":    epssText,
	"status":  func(v AffectedVersion) string { return statusText(&v) },
	"label":   labelText,
	"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"list":    func(cs ...chart) []chart { return cs },
	"ids":     idsText,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Situation report: {{.Query}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111;max-width:70rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.facts{display:flex;gap:1.5rem;flex-wrap:wrap;margin:1rem 0}.facts div{border:1px solid #ccc;padding:.5rem .8rem;border-radius:4px}
.facts b{display:block;font-size:1.4rem}.kev{color:#a00;font-weight:bold}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#eee}caption{text-align:left;font-weight:bold;padding:.3rem 0}
svg text{font:12px system-ui,sans-serif}figure{margin:0}
@media print{body{margin:0;max-width:none}.charts{grid-template-columns:1fr 1fr}tr{break-inside:avoid}}
</style></head>
<body><main>
<h1>Situation report: {{.Query}}</h1>
{{if .Filter}}<p>Product versions with {{.Query}}: {{len .IDs}} vulnerabilities{{if .IDs}} ({{ids .IDs}}){{end}}. Generated {{date .Generated}} from the registry's open findings; each row summarises the findings that match.</p>
{{else}}<p>Known as {{join .IDs ", "}}. Generated {{date .Generated}} from the registry's findings.{{if .KEV}} <span class="kev">Listed in CISA's KEV catalogue.</span>{{end}}</p>{{end}}
<div class="facts">
<div><b>{{.Affected}}</b>versions affected</div><div><b>{{.Resolved}}</b>versions resolved</div>
<div><b>{{.Products}}</b>products</div><div><b>{{.Manufacturers}}</b>manufacturers</div></div>
<div class="charts">
{{range $c := (list (chart "By manufacturer" .ByManufacturer) (chart "By CRA class" .ByClass) (chart "By market" .ByMarket) (chart "By status" .ByStatus))}}
<figure><figcaption><b>{{$c.Title}}</b></figcaption>
<svg role="img" aria-label="{{$c.Title}}" width="100%" viewBox="0 0 600 {{$c.Height}}" style="max-width:600px">
{{range $c.Bars}}<text x="0" y="{{.Y}}" dy="14"><title>{{.Label}}</title>{{.Short}}</text><rect x="200" y="{{.Y}}" width="{{.Width}}" height="18" fill="#3a6ea5"></rect><text x="{{.Width}}" dx="206" y="{{.Y}}" dy="14">{{.N}}</text>
{{end}}</svg></figure>
{{end}}
</div>
{{if .Series}}<h2>Affected and resolved versions per day</h2>
<svg role="img" aria-label="affected (dark) and resolved (light) versions per day from {{(index .Series 0).Day}}" width="{{seriesw .Series}}" height="130" viewBox="0 0 {{seriesw .Series}} 130">
{{$w := colw .Series}}{{range columns .Series}}<g><title>{{.Day}}: {{.Affected}} affected, {{.Resolved}} resolved</title><rect x="{{.X}}" y="{{.YA}}" width="{{$w}}" height="{{.HA}}" fill="#a33"></rect><rect x="{{.X}}" y="{{.YR}}" width="{{$w}}" height="{{.HR}}" fill="#9c9"></rect></g>
{{end}}</svg>
<p>From {{(index .Series 0).Day}}: dark red affected, light green resolved.</p>{{end}}
<table><caption>Affected product versions and contact points</caption>
<thead><tr><th>Manufacturer</th><th>Contact</th><th>Product</th><th>Version</th>{{if $.Filter}}<th>Vulnerabilities</th>{{end}}<th>CRA class</th><th>Markets</th><th>KEV</th><th>EPSS</th><th>Fixed versions</th><th>Status</th><th>Components (dependency path)</th><th>Label</th></tr></thead>
<tbody>{{range .List}}<tr><td>{{.Manufacturer}}</td><td>{{.Contact}}</td><td>{{.Product}}{{if .Model}} ({{.Model}}){{end}}</td><td>{{.Version}}</td>{{if $.Filter}}<td>{{join .Vulnerabilities " "}}</td>{{end}}<td>{{.CRAClass}}</td><td>{{join .Markets " "}}</td><td>{{if .KEV}}yes{{else}}no{{end}}</td><td>{{epss .EPSS}}</td><td>{{join .Fixed ", "}}</td><td>{{status .}}</td><td>{{range .Components}}{{.Name}} {{.Version}}{{if .Path}} <small>via {{.Path}}</small>{{end}}<br>{{end}}</td><td>{{label .Label}}</td></tr>
{{end}}</tbody></table>
<p><small>Markets are read from the dossier (an EU placing date or CRA class: EU; US Cyber Trust Mark facts: US); the dossier format names no member states.</small></p>
</main></body></html>
`))
