package registry

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed web/templates/*.html web/static/*
var webFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"deref": func(b *bool) bool { return b != nil && *b },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"isURL": func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
	"passwordText": func(p string) string {
		switch p {
		case "none":
			return "The product has no password."
		case "unique-per-device":
			return "Each device has its own password (printed on it); change it when you set it up."
		case "user-set-at-setup":
			return "You choose the password when you set the product up."
		case "universal":
			return "All devices share one default password: change it before connecting the product."
		case "":
			return "Not stated."
		}
		return p
	},
}).ParseFS(webFS, "web/templates/*.html"))

// render executes a named template into memory, so that a failing template
// never leaves half a page.
func (s *Server) render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
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
