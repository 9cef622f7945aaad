package registry

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed web/templates/*.html web/static/* web/i18n/*.json
var webFS embed.FS

// templateFuncs are the functions the pages' templates call.
var templateFuncs = template.FuncMap{
	"deref": func(b *bool) bool { return b != nil && *b },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"isURL": func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
	"passwordText": func(lang, p string) template.HTML {
		switch p {
		case "none", "unique-per-device", "user-set-at-setup", "universal":
			return translate(lang, "password."+p)
		case "":
			return translate(lang, "password.unstated")
		}
		return template.HTML(template.HTMLEscapeString(p))
	},
	"t":    translate,
	"ta":   translateText,
	"date": longDate,
	"lang": langOf,
	"changed": func(lang, key string, at *time.Time) template.HTML {
		if at == nil {
			return ""
		}
		return translate(lang, key, longDate(lang, *at))
	},
	"fccLabel": func(lang, item, label string) template.HTML {
		key := "fcc." + item
		if item == "REG-11" {
			key += "." + label
		}
		return translateOr(lang, key, label)
	},
}

// templates are the pages' templates, parsed on first use: parsed at
// package init they cost every dualmark command, a scan included, about
// 2 ms of its start (GODEBUG=inittrace=1).
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(templateFuncs).ParseFS(webFS, "web/templates/*.html"))
})

// render executes a named template into memory, so that a failing template
// never leaves half a page.
func (s *Server) render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	data, err := fs.ReadFile(webFS, path.Join("web/static", path.Base(name)))
	if err != nil || name != path.Base(name) {
		notFound(w, r)
		return
	}
	ctype := "application/octet-stream"
	if strings.HasSuffix(name, ".css") {
		ctype = "text/css; charset=utf-8"
	}
	serveTagged(w, r, ctype, data, "public, max-age=86400")
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	serveTagged(w, r, "application/json", openapiDoc, "public, max-age=300")
}
