package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/auth"
)

// testRegistry is an in-process registry on a loopback port with an
// operator token.
type testRegistry struct {
	t     *testing.T
	srv   *registry.Server
	ts    *httptest.Server
	admin string
}

func newTestRegistry(t *testing.T, edit ...func(*registry.Config)) *testRegistry {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	cfg := registry.Config{Data: t.TempDir(), BaseURL: "http://" + ts.Listener.Addr().String(),
		Passwords: &auth.Params{Memory: 1024, Time: 1, Threads: 1}}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := registry.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s.Handler()
	ts.Start()
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
	return &testRegistry{t: t, srv: s, ts: ts, admin: admin}
}

// post sends JSON with a token and decodes the answer, failing on another status.
func (r *testRegistry) post(path, token string, in, out any, want int) {
	r.t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", r.ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.ts.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		r.t.Fatalf("POST %s: %d, want %d", path, resp.StatusCode, want)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			r.t.Fatal(err)
		}
	}
}

// org creates an organisation and a token for it with the scopes.
func (r *testRegistry) org(name, kind string, scopes ...string) string {
	r.t.Helper()
	var o struct{ ID string }
	r.post("/api/v1/orgs", r.admin, registry.OrgRequest{Name: name, Kind: kind}, &o, 201)
	var tk registry.NewToken
	r.post("/api/v1/orgs/"+o.ID+"/tokens", r.admin, registry.TokenRequest{Name: "cli", Scopes: scopes}, &tk, 201)
	return tk.Secret
}

// copyDir copies an example folder so a test may change it.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), filepath.Base(from))
	if out, err := exec.Command("cp", "-r", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return to
}

// TestRegistryClientEndToEnd drives dualmark registry against an in-process
// registry: login, upload (and its idempotent replay), products, label
// issue/show/revoke, verifying the downloaded bundle offline, and the
// message and exit code of each kind of refusal.
func TestRegistryClientEndToEnd(t *testing.T) {
	conf := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", conf)
	t.Setenv("DUALMARK_TOKEN", "")
	t.Setenv("DUALMARK_SERVER", "")
	reg := newTestRegistry(t)
	tok := reg.org("Voltic Home Devices GmbH", "manufacturer", "read", "write", "label")
	readOnly := reg.org("Read Only GmbH", "manufacturer", "read")
	dir := t.TempDir()
	trust := filepath.Join(dir, "trust.json")
	if err := os.WriteFile(trust, reg.srv.Trust(), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "plug.label.json")
	broken := copyDir(t, "../../examples/smart-plug")
	if err := os.WriteFile(filepath.Join(broken, "evidence", "pentest-report.md"), []byte("not the report the dossier pins\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var versionID, labelID string
	steps := []struct {
		name string
		args func() []string
		want int
		out  []string // in stdout
		err  []string // in stderr
	}{
		{"help", func() []string { return []string{"registry", "--help"} }, 0, []string{"registry login --server"}, nil},
		{"no registry", func() []string { return []string{"registry", "products"} }, 2, nil, []string{"no registry given", "hint: pass --server URL"}},
		{"no token", func() []string { return []string{"registry", "products", "--server", reg.ts.URL} }, 2, nil, []string{"no API token for " + reg.ts.URL, "registry login --server " + reg.ts.URL}},
		{"login without server", func() []string { return []string{"registry", "login", "--token", tok} }, 2, nil, []string{"--server URL is required"}},
		{"login with unknown token", func() []string {
			return []string{"registry", "login", "--server", reg.ts.URL, "--token", "dmr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
		}, 2, nil, []string{"registry answered 401 Unauthorized: the token is unknown or revoked", "[request ", "hint: log in with"}},
		{"unreachable", func() []string {
			return []string{"registry", "login", "--server", "http://127.0.0.1:1", "--token", tok}
		}, 2, nil, []string{"registry 127.0.0.1:1 does not answer"}},
		{"bad URL", func() []string { return []string{"registry", "login", "--server", "ftp://x", "--token", tok} }, 2, nil, []string{`registry URL "ftp://x": want http://HOST`}},
		{"login", func() []string { return []string{"registry", "login", "--server", reg.ts.URL + "/", "--token", tok} }, 0,
			[]string{"logged in to " + reg.ts.URL + " as Voltic Home Devices GmbH (manufacturer), scopes read, write, label"}, nil},
		{"products empty", func() []string { return []string{"registry", "products"} }, 0, []string{"ID  MANUFACTURER"}, nil},
		{"upload missing dir", func() []string { return []string{"registry", "upload", filepath.Join(dir, "none")} }, 2, nil, []string{"reading the dossier folder"}},
		{"upload broken evidence", func() []string { return []string{"registry", "upload", broken} }, 2, nil,
			[]string{"registry answered 422", "pentest-report.md", "nothing was stored", "hint: nothing was stored; check the dossier folder locally with: dualmark assess DIR"}},
		{"upload", func() []string { return []string{"registry", "upload", "../../examples/smart-plug"} }, 0,
			[]string{"registered Voltic Home Devices GmbH Voltic SP-210 Smart Plug version", "verdicts cra="}, nil},
		{"upload again replays", func() []string { return []string{"registry", "upload", "../../examples/smart-plug"} }, 0,
			[]string{"already registered (same files, same idempotency key)"}, nil},
		{"key reused for other files", func() []string {
			return []string{"registry", "upload", "../../examples/home-router", "--idempotency-key", "release-1"}
		}, 0, nil, nil},
		{"key reused", func() []string {
			return []string{"registry", "upload", "../../examples/smart-plug", "--idempotency-key", "release-1"}
		}, 2, nil, []string{"registry answered 422", "field Idempotency-Key", "hint: the key was used for other files"}},
		{"read-only token cannot upload", func() []string {
			return []string{"registry", "upload", "../../examples/smart-plug", "--token", readOnly}
		}, 2, nil, []string{"registry answered 403 Forbidden", `lacks the "write" scope`, "hint: this token or its organisation may not do this"}},
		{"products", func() []string { return []string{"registry", "products", "--search", "SP-210"} }, 0, []string{"Voltic SP-210 Smart Plug"}, nil},
		{"issue unknown version", func() []string { return []string{"registry", "label", "issue", "nope"} }, 2, nil,
			[]string{"registry answered 404 Not Found", "hint: check the ID"}},
		{"issue", func() []string { return []string{"registry", "label", "issue", versionID, "--bundle", bundle} }, 0, []string{"issued label ", "public page " + reg.ts.URL + "/p/", "wrote " + bundle}, nil},
		{"verify the downloaded bundle offline", func() []string { return []string{"label", "verify", bundle, "--trust", trust} }, 0, []string{"VALID"}, nil},
		{"verify against the registry's log over HTTP", func() []string {
			return []string{"label", "verify", bundle, "--trust", trust, "--log", reg.ts.URL + "/log/"}
		}, 0,
			[]string{": VALID, status active", "not revoked or superseded in 1 log entries"}, nil},
		{"verify against a URL that is no log", func() []string {
			return []string{"label", "verify", bundle, "--trust", trust, "--log", reg.ts.URL + "/nolog/"}
		}, 2, nil,
			[]string{"no checkpoint: not a dualmark log"}},
		{"issue never overwrites", func() []string { return []string{"registry", "label", "issue", versionID, "--bundle", bundle} }, 2, nil, []string{"exists: choose a new file"}},
		{"show", func() []string { return []string{"registry", "label", "show", labelID, "--token", ""} }, 0, []string{"label {label}: valid", "security updates until 2035-03-31"}, nil},
		{"revoke needs a reason", func() []string { return []string{"registry", "label", "revoke", labelID} }, 2, nil, []string{"--reason TEXT is required"}},
		{"revoke", func() []string {
			return []string{"registry", "label", "revoke", labelID, "--reason", "CVE-2026-0001 unpatched"}
		}, 0, []string{"revoked label {label}: CVE-2026-0001 unpatched"}, nil},
		{"revoke twice", func() []string { return []string{"registry", "label", "revoke", labelID, "--reason", "again"} }, 2, nil, []string{"registry answered 409", "hint: the label was revoked already"}},
		{"verify over HTTP sees the revocation", func() []string {
			return []string{"label", "verify", bundle, "--trust", trust, "--log", reg.ts.URL + "/log"}
		}, 1,
			[]string{": INVALID, status revoked", "CVE-2026-0001 unpatched"}, nil},
		{"show revoked", func() []string { return []string{"registry", "label", "show", labelID} }, 1, []string{"label {label}: revoked (CVE-2026-0001 unpatched)"}, nil},
		{"show unknown", func() []string { return []string{"registry", "label", "show", strings.Repeat("a", 64)} }, 2, nil, []string{"registry answered 404"}},
		{"logout", func() []string { return []string{"registry", "logout"} }, 0, []string{"forgot the token of " + reg.ts.URL}, nil},
		{"logged out", func() []string { return []string{"registry", "products", "--server", reg.ts.URL} }, 2, nil, []string{"no API token"}},
		{"env token", func() []string {
			t.Setenv("DUALMARK_TOKEN", tok)
			return []string{"registry", "products", "--server", reg.ts.URL}
		}, 0, []string{"Voltic SP-210"}, nil},
	}
	for _, s := range steps {
		args := s.args()
		code, out, errOut := runCaptured(args...)
		if code != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d\nstdout: %s\nstderr: %s", s.name, strings.Join(args, " "), code, s.want, out, errOut)
		}
		for _, w := range s.out {
			w = strings.ReplaceAll(w, "{label}", labelID)
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", s.name, w, out)
			}
		}
		for _, w := range s.err {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", s.name, w, errOut)
			}
		}
		switch s.name {
		case "login":
			path := filepath.Join(conf, "dualmark", "registry.json")
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s has mode %v, want 0600", path, fi.Mode().Perm())
			}
			if b, _ := os.ReadFile(path); !strings.Contains(string(b), tok) {
				t.Fatalf("%s lacks the token", path)
			}
		case "upload":
			code, out, _ := runCaptured("registry", "upload", "../../examples/smart-plug", "--json")
			var c registry.Created
			if code != 0 || json.Unmarshal([]byte(out), &c) != nil || !c.Replayed || c.Version == nil {
				t.Fatalf("upload --json replay: exit %d %s", code, out)
			}
			versionID = c.Version.ID
			if n, _ := reg.srv.Store().CountProducts(context.Background()); n != 1 {
				t.Fatalf("%d products after an upload, its replay and a broken upload", n)
			}
		case "issue":
			code, out, _ := runCaptured("registry", "label", "show", mustProduct(t, reg), "--json")
			var p registry.Public
			if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Label == nil {
				t.Fatalf("label show --json: exit %d %s", code, out)
			}
			labelID = p.Label.ID
		}
	}
}

// mustProduct returns the ID of the only product whose name has SP-210.
func mustProduct(t *testing.T, reg *testRegistry) string {
	t.Helper()
	code, out, errOut := runCaptured("registry", "products", "--search", "SP-210", "--json")
	var l struct{ Items []struct{ ID string } }
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil || len(l.Items) != 1 {
		t.Fatalf("products --json: exit %d %s %s", code, out, errOut)
	}
	return l.Items[0].ID
}

// TestRegistryUploadTooLarge checks a registry's 413 problem reaches the user
// with the limit and a hint.
func TestRegistryUploadTooLarge(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	reg := newTestRegistry(t, func(c *registry.Config) { c.MaxUpload = 4096 })
	tok := reg.org("Voltic Home Devices GmbH", "manufacturer", "read", "write")
	code, _, errOut := runCaptured("registry", "upload", "../../examples/smart-plug", "--server", reg.ts.URL, "--token", tok)
	if code != 2 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"registry answered 413 Upload too large", "limit of 4096 bytes", "hint: the registry's upload limit"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

// TestRegistryLabCommands drives share, queue and report against an
// in-process registry with a manufacturer's and a lab's token.
func TestRegistryLabCommands(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("DUALMARK_TOKEN", "")
	reg := newTestRegistry(t)
	tok := reg.org("Voltic Home Devices GmbH", "manufacturer", "read", "write", "label")
	var lab struct{ ID string }
	reg.post("/api/v1/orgs", reg.admin, registry.OrgRequest{Name: "Pacific Cyber Test Labs LLC", Kind: "lab"}, &lab, 201)
	var labTok registry.NewToken
	reg.post("/api/v1/orgs/"+lab.ID+"/tokens", reg.admin, registry.TokenRequest{Name: "cli", Scopes: []string{"read", "write"}}, &labTok, 201)
	code, out, errOut := runCaptured("registry", "upload", "../../examples/smart-plug", "--server", reg.ts.URL, "--token", tok, "--json")
	var c registry.Created
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("upload: %d %s %s", code, out, errOut)
	}
	report := "../../examples/smart-plug/evidence/ctm-test-report.md"
	as := func(token string, args ...string) []string {
		return append(args, "--server", reg.ts.URL, "--token", token)
	}
	for _, s := range []struct {
		name string
		args []string
		want int
		out  string
		err  string
	}{
		{"share needs --lab", as(tok, "registry", "share", c.Product.ID), 2, "", "--lab LAB_ORG_ID is required"},
		{"queue empty", as(labTok.Secret, "registry", "queue"), 0, "ID  MANUFACTURER", ""},
		{"share with no lab", as(tok, "registry", "share", c.Product.ID, "--lab", "nope"), 2, "", "hint: fix the request's org"},
		{"share", as(tok, "registry", "share", c.Product.ID, "--lab", lab.ID), 0, "shared with Pacific Cyber Test Labs LLC", ""},
		{"share twice", as(tok, "registry", "share", c.Product.ID, "--lab", lab.ID), 2, "", "registry answered 409"},
		{"queue", as(labTok.Secret, "registry", "queue"), 0, c.Product.ID, ""},
		{"a manufacturer has no queue", as(tok, "registry", "queue"), 2, "", "registry answered 403"},
		{"attach needs a title", as(labTok.Secret, "registry", "report", "attach", c.Version.ID, report), 2, "", "--title TEXT and --accreditation TEXT are required"},
		{"attach", as(labTok.Secret, "registry", "report", "attach", c.Version.ID, report, "--title", "CTM test report", "--accreditation", "ISO/IEC 17025 (fictional)"), 0,
			"sha256 a7f07069119115c05a9ef6c8a018ecced01daf42697a25f25fd6df1d10134d7c) by Pacific Cyber Test Labs LLC", ""},
		{"list", as(tok, "registry", "report", "list", c.Version.ID), 0, "Pacific Cyber Test Labs LLC  ctm-test-report.md", ""},
		{"unshare", as(tok, "registry", "share", c.Product.ID, "--lab", lab.ID, "--remove"), 0, "no longer shared", ""},
		{"lab after unsharing", as(labTok.Secret, "registry", "report", "list", c.Version.ID), 2, "", "registry answered 404"},
	} {
		code, out, errOut := runCaptured(s.args...)
		if code != s.want || !strings.Contains(out, s.out) || !strings.Contains(errOut, s.err) {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", s.name, code, s.want, out, errOut)
		}
	}
}
