package report

import (
	"html/template"
	"io"
	"strings"

	"github.com/dualmark/dualmark/internal/assess"
)

// HTML writes one self-contained, printable page: inline CSS, no scripts or
// external assets; the summary first, then each regime's table, then the
// gaps with what to do next.
func HTML(w io.Writer, a *assess.Assessment) error {
	return htmlTmpl.Execute(w, map[string]any{
		"A": a, "Product": productLine(a), "Class": classLine(a), "SBOM": sbomLine(a), "Scan": scanLine(a),
		"Regimes": regimes(a), "Gaps": Gaps(a), "Blocking": blockingLines(a), "SBOMFailed": sbomFailures(a),
		"Header": headerLines(a), "Findings": findingRows(a),
		"Facts": productFactLines(a), "AI": aiLines(a),
	})
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"percent": percent, "route": routeLine, "reused": reused, "reuseNote": reuseNote,
	"join": strings.Join, "idLabel": idLabel, "reuseLine": reuseLine, "status": statusLabel, "readiness": readinessLine,
	"dateLines": dateLines,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Assessment: {{.A.Product.Name}}</title>
<style>
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#111;margin:2em auto;max-width:60em;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #bbb;padding:.25em .45em;text-align:left;vertical-align:top}td{overflow-wrap:anywhere}
th{background:#eee}td.n{text-align:right}.meta{color:#444}
.met{background:#e3f4e3}.not-met{background:#fbe0e0}.not-applicable{background:#eef}.unknown{background:#fff6d6}
.conforms{color:#14621b;font-weight:bold}.does-not-conform{color:#a10d0d;font-weight:bold}.incomplete{color:#8a5a00;font-weight:bold}.ready-for-testing,.tested{color:#1d4f91;font-weight:bold}
.reuse{font-size:.9em;color:#333;font-style:italic}ul{margin:.2em 0;padding-left:1.2em}
.head{border-bottom:2px solid #333;padding-bottom:.3em;margin:0 0 .8em;color:#333;font-size:.95em}
.blocks{color:#a10d0d;font-weight:bold}
@media print{@page{margin:15mm}body{margin:0;max-width:none;font-size:9.5pt;color:#000}h2{break-after:avoid}tr,li{break-inside:avoid}thead{display:table-header-group}
.met,.not-met,.not-applicable,.unknown,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}
td,th{border-color:#666}a{color:#000;text-decoration:none}}
</style>
</head>
<body>
<header class="head">{{range $i, $l := .Header}}{{if $i}}<br>{{end}}{{$l}}{{end}}</header>
<h1>Assessment: {{.A.Product.Name}}</h1>
<p class="meta">{{.Product}}<br>CRA class: {{.Class}}{{range dateLines .A}}<br>{{.}}{{end}}{{range .Facts}}<br>{{.}}{{end}}{{if .SBOM}}<br>SBOM: {{.SBOM}}{{end}}{{if .Scan}}<br>Scan: {{.Scan}}{{end}}</p>
{{if .Blocking}}<p><b>Findings that block CRA-I.2.a:</b></p><ul>{{range .Blocking}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Findings}}<h2>Findings ({{len .Findings}}, blocking first)</h2>
<table>
<thead><tr><th>Advisory</th><th>Component</th><th>Severity</th><th>KEV</th><th>Fixed in</th><th>Blocks CRA-I.2.a</th></tr></thead>
{{range .Findings}}<tr><td>{{.Advisory}}{{if .Aliases}} ({{join .Aliases ", "}}){{end}}</td><td>{{.Component}} {{.Version}}</td><td>{{.Severity}}</td><td>{{if .KEV}}yes{{else}}no{{end}}</td><td>{{join .Fixed ", "}}</td><td>{{if .Blocks}}<span class="blocks">yes</span>: {{.Why}}{{else}}no: {{.Why}}{{end}}</td></tr>
{{end}}</table>
{{end}}{{if .SBOMFailed}}<p><b>SBOM quality rules failed:</b></p><ul>{{range .SBOMFailed}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .AI}}<h2>AI components</h2><ul>{{range .AI}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Summary</h2>
<table>
<tr><th>Regime</th><th>Verdict</th><th>Met</th><th>Not met</th><th>N/A</th><th>Unknown</th><th>Settled by reuse</th></tr>
{{range .Regimes}}<tr><td>{{.Title}}</td><td class="{{.Verdict}}">{{.Verdict}}</td><td class="n">{{.Counts.Met}}</td><td class="n">{{.Counts.NotMet}}</td><td class="n">{{.Counts.NotApplicable}}</td><td class="n">{{.Counts.Unknown}}</td><td class="n">{{.Reuse.Settled}} ({{percent .Reuse.Share}})</td></tr>
{{end}}</table>
{{range .Regimes}}<p><b>{{.Title}}:</b> <span class="{{.Verdict}}">{{.Verdict}}</span> — {{.VerdictReason}}</p>
{{with readiness .}}<p class="meta">Readiness: {{.}}</p>{{end}}
{{if .Route}}<p><b>CRA conformity-assessment route</b> ({{.Route.Class}}{{if .Route.Annex}}, {{.Route.Annex}}{{end}}): {{route .Route}}</p>
{{end}}{{end}}
{{range .Regimes}}<h2>{{.Title}}: <span class="{{.Verdict}}">{{.Verdict}}</span></h2>
{{if .Versions}}<p class="meta">Assessed against: {{join .Versions "; "}}</p>{{end}}
{{with reuseLine .}}<p class="reuse">Reuse: {{.}}</p>{{end}}
<table>
<tr><th>ID</th><th>Requirement</th><th>Obligation</th><th>Status</th><th>Reasons</th><th>Evidence</th></tr>
{{range .Requirements}}<tr class="{{.Status}}"><td>{{idLabel .}}</td><td>{{.Title}}</td><td>{{.Obligation}}</td><td>{{status .}}</td><td>{{if reused .}}<span class="reuse">reused from {{reuseNote .}}</span><br>{{end}}{{if eq (len .Reasons) 1}}{{index .Reasons 0}}{{else}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}</td><td>{{join .Evidence ", "}}</td></tr>
{{end}}</table>
{{end}}
<p class="meta">[U] = the catalog could not confirm the requirement's wording against the official text.</p>
<h2>Gaps and what to do next</h2>
{{if .Gaps}}<table>
<tr><th>Regime</th><th>ID</th><th>Requirement</th><th>Status</th><th>What to do next</th></tr>
{{range .Gaps}}<tr class="{{.Status}}"><td>{{.Regime}}</td><td>{{.ID}}</td><td>{{.Title}}</td><td>{{.Status}}</td><td>{{.Next}}</td></tr>
{{end}}</table>
{{else}}<p>None: every mandatory requirement of the selected regimes is met or justified as not applicable.</p>
{{end}}</body>
</html>
`))
