package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/registry/auth"
	"github.com/dualmark/dualmark/internal/registry/intake"
)

var cheap = auth.Params{Memory: 1024, Time: 1, Threads: 1}

// env is a registry on a loopback httptest server with an operator token.
type env struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	admin string
}

func newEnv(t *testing.T, edit ...func(*Config)) *env {
	t.Helper()
	return startEnv(t, false, edit...)
}

// newTLSEnv is newEnv served over TLS (httptest's certificate), as a CSAF
// provider must be (requirement 3).
func newTLSEnv(t *testing.T, edit ...func(*Config)) *env {
	t.Helper()
	return startEnv(t, true, edit...)
}

// startEnv opens a registry with the configuration edited and serves it
// on a loopback httptest server, over TLS when tls is set.
func startEnv(t *testing.T, tls bool, edit ...func(*Config)) *env {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	cfg := Config{Data: t.TempDir(), BaseURL: scheme + ts.Listener.Addr().String(), Passwords: &cheap, InsecureCookies: true}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s.Handler()
	if tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	admin, err := s.InitAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: s, ts: ts, admin: admin}
}

// advisoryDB writes a small real advisory database into a temporary
// folder and returns its path: the CVE JSON 5 records given (as one JSON
// lines file) and the files named (KEV catalogues, EPSS scores, OSV
// folders).
func advisoryDB(t testing.TB, records [][]byte, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	if len(records) > 0 {
		var lines []byte
		for _, rec := range records {
			lines = append(append(lines, rec...), '\n')
		}
		files = append([]string{tempFile(t, "base.cve5.jsonl", lines)}, files...)
	}
	im := advisory.NewImporter()
	for _, p := range files {
		if err := im.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "db")
	if _, err := im.Write(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// tempFile writes data to a file of that name in a temporary folder (the
// importers read a file's kind from its name) and returns its path.
func tempFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (e *env) do(method, path, token string, body io.Reader, ctype string, out any) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp
}

func (e *env) json(method, path, token string, in, out any) *http.Response {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	return e.do(method, path, token, body, "application/json", out)
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, b)
	}
}

// manufacturer creates a manufacturer organisation with a member and a
// token holding every scope, and returns the organisation ID and the token.
func (e *env) manufacturer(name, email string) (string, string) {
	e.t.Helper()
	var o struct{ ID string }
	wantStatus(e.t, e.json("POST", "/api/v1/orgs", e.admin, OrgRequest{Name: name, Kind: "manufacturer"}, &o), 201)
	wantStatus(e.t, e.json("POST", "/api/v1/orgs/"+o.ID+"/users", e.admin, UserRequest{Email: email, Password: "correct horse battery"}, nil), 201)
	var tk NewToken
	wantStatus(e.t, e.json("POST", "/api/v1/orgs/"+o.ID+"/tokens", e.admin, TokenRequest{Name: "ci", Scopes: []string{"read", "write", "label", "admin"}}, &tk), 201)
	return o.ID, tk.Secret
}

// multipartUpload encodes an upload as a browser would.
func multipartUpload(t testing.TB, up *intake.Upload) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	add := func(field, name string, data []byte) {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	add("dossier", "dossier.yaml", up.Dossier)
	if up.SBOM != nil {
		add("sbom", "sbom.cdx.json", up.SBOM)
	}
	names := make([]string, 0, len(up.Evidence))
	for n := range up.Evidence {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add("evidence", filepath.Base(n), up.Evidence[n])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func example(t *testing.T, name string) *intake.Upload {
	t.Helper()
	up, err := loadExample(name)
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func loadExample(name string) (*intake.Upload, error) {
	return intake.FromDir(filepath.Join("..", "..", "examples", name))
}

// register uploads an example product and returns the answer.
func (e *env) register(token string, up *intake.Upload) *Created {
	e.t.Helper()
	body, ct := multipartUpload(e.t, up)
	var c Created
	wantStatus(e.t, e.do("POST", "/api/v1/products", token, body, ct, &c), 201)
	return &c
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	regtest.Golden(t, path, got, *update)
}

// normalise replaces what changes between runs (IDs, times, hosts) with
// placeholders, for golden files.
func normalise(s string, pairs ...string) string {
	return strings.NewReplacer(pairs...).Replace(s)
}

// org creates an organisation of kind with a token holding scopes and
// returns the organisation ID and the token.
func (e *env) org(name, kind string, scopes ...string) (string, string) {
	e.t.Helper()
	var o struct{ ID string }
	wantStatus(e.t, e.json("POST", "/api/v1/orgs", e.admin, OrgRequest{Name: name, Kind: kind}, &o), 201)
	var tk NewToken
	wantStatus(e.t, e.json("POST", "/api/v1/orgs/"+o.ID+"/tokens", e.admin, TokenRequest{Name: "ci", Scopes: scopes}, &tk), 201)
	return o.ID, tk.Secret
}
