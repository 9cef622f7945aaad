package paperwork

import (
	"bytes"
	"fmt"
	"html/template"
)

// indexMarkdown lists the documents of a bundle with their gap counts.
func indexMarkdown(product string, docs []*Document) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Paperwork for %s\n\n| Document | Basis | Gaps | Files |\n|---|---|---|---|\n", mdEscape(product))
	for _, d := range docs {
		fmt.Fprintf(&b, "| %s | %s | %d | [Markdown](%s.md) · [HTML](%s.html) · [JSON](%s.json) |\n",
			mdCell(d.Title), mdCell(d.Basis), len(d.Gaps), d.ID, d.ID, d.ID)
	}
	fmt.Fprintf(&b, "\nUS label data in the CTA-2120 shape: [%s](%s).\n", LabelFile, LabelFile)
	return b.Bytes()
}

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Paperwork for {{.Product}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.35rem .5rem;text-align:left}
th{background:#eee}.gap{color:#a00;font-weight:600}
</style>
</head>
<body>
<h1>Paperwork for {{.Product}}</h1>
<table><thead><tr><th>Document</th><th>Basis</th><th>Gaps</th><th>Files</th></tr></thead><tbody>
{{range .Docs}}<tr><td><a href="{{.ID}}.html">{{.Title}}</a></td><td>{{.Basis}}</td>{{if .Gaps}}<td class="gap">{{len .Gaps}}</td>{{else}}<td>0</td>{{end}}<td><a href="{{.ID}}.md">Markdown</a> · <a href="{{.ID}}.json">JSON</a></td></tr>
{{end}}</tbody></table>
<p>US label data in the CTA-2120 shape: <a href="{{.Label}}">{{.Label}}</a></p>
</body>
</html>
`))

// indexHTML is the bundle's printable entry page.
func indexHTML(product string, docs []*Document) ([]byte, error) {
	var b bytes.Buffer
	err := indexTmpl.Execute(&b, map[string]any{"Product": product, "Docs": docs, "Label": LabelFile})
	if err != nil {
		return nil, fmt.Errorf("paperwork index: %w", err)
	}
	return b.Bytes(), nil
}
