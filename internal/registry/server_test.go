package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/tlog"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestLabelLifecycle registers the smart plug, issues its label, checks the
// public page, the downloads and the log, revokes the label and checks that
// the page, the JSON and an offline verification against the log agree.
func TestLabelLifecycle(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { labelLifecycle(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		labelLifecycle(t, newEnv(t, func(c *Config) { c.Database = dsn }))
	})
}

func labelLifecycle(t *testing.T, e *env) {
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := e.register(tok, example(t, "smart-plug"))
	if c.Version.Verdicts != "cra=conforms,en303645=conforms,red-da=conforms,us-ctm=ready-for-testing" || len(c.Version.SBOMDigest) != 64 {
		t.Fatalf("version %+v", c.Version)
	}

	// before a label: the product page says so
	resp := e.do("GET", "/p/"+c.Product.ID, "", nil, "", nil)
	wantStatus(t, resp, 200)
	body, _ := io.ReadAll(resp.Body)
	if !bytes.Contains(body, []byte("No label issued")) {
		t.Fatal("page without label does not say so")
	}

	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &issued), 201)
	id := issued.Label.ID
	if issued.URL != e.ts.URL+"/p/"+id || issued.Label.Status != store.StatusValid {
		t.Fatalf("issued %+v", issued)
	}

	// JSON page by label ID
	req, _ := http.NewRequest("GET", issued.URL, nil)
	req.Header.Set("Accept", "application/json")
	var pub Public
	r2, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(r2.Body).Decode(&pub)
	r2.Body.Close()
	if pub.Label == nil || pub.Label.Status != "valid" || pub.Record.SupportEnd != "2035-03-31" || pub.SupportEnded ||
		pub.Record.Manufacturer.Name != "Voltic Home Devices GmbH" || len(pub.Record.Registry) < 10 || pub.Record.CTA2120.ProductModel != "SP-210" {
		t.Fatalf("public JSON %+v", pub)
	}

	// HTML page, golden with run-specific values replaced
	resp = e.do("GET", "/p/"+id, "", nil, "", nil)
	wantStatus(t, resp, 200)
	page, _ := io.ReadAll(resp.Body)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("headers %v", resp.Header)
	}
	now := time.Now().UTC()
	golden(t, filepath.Join("testdata", "smart-plug.page.html"), []byte(normalise(string(page), id, "LABEL-ID", c.Product.ID, "PRODUCT-ID",
		e.ts.URL, "BASE", now.Format("2 January 2006"), "TODAY", now.Format("2006-01-02"), "TODAY")))

	// revalidation
	req, _ = http.NewRequest("GET", e.ts.URL+"/p/"+id, nil)
	req.Header.Set("If-None-Match", etag)
	r3, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r3.Body.Close()
	if r3.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: status %d", r3.StatusCode)
	}

	// downloads verify offline against the trust file
	resp = e.do("GET", "/trust.json", "", nil, "", nil)
	wantStatus(t, resp, 200)
	trustBytes, _ := io.ReadAll(resp.Body)
	trust, err := keys.ParseTrust(trustBytes, "trust.json")
	if err != nil {
		t.Fatal(err)
	}
	resp = e.do("GET", "/p/"+id+"/bundle.json", "", nil, "", nil)
	wantStatus(t, resp, 200)
	bundleBytes, _ := io.ReadAll(resp.Body)
	b, err := label.ParseBundle(bundleBytes, "bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := label.Verify(context.Background(), b, label.Policy{Trust: trust, Log: tlog.NewReader(e.srv.LogDir())})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Valid || res.Status != label.StatusActive || res.LabelID != id {
		t.Fatalf("verification %+v", res)
	}

	// the .tlog-proof
	resp = e.do("GET", "/p/"+id+"/proof.tlog-proof", "", nil, "", nil)
	wantStatus(t, resp, 200)
	proof, _ := io.ReadAll(resp.Body)
	if !bytes.HasPrefix(proof, []byte(fmt.Sprintf("c2sp.org/tlog-proof@v1\nindex %d\n", b.Log.LogIndex))) || !bytes.HasSuffix(proof, []byte(b.Log.Checkpoint)) {
		t.Fatalf("proof:\n%s", proof)
	}
	if _, err := tlog.OpenCheckpoint([]byte(b.Log.Checkpoint), trust, false); err != nil {
		t.Fatal(err)
	}

	// the log over HTTP: the checkpoint and a tile
	resp = e.do("GET", "/log/checkpoint", "", nil, "", nil)
	wantStatus(t, resp, 200)
	cp, _ := io.ReadAll(resp.Body)
	if _, err := tlog.OpenCheckpoint(cp, trust, false); err != nil || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("checkpoint %v, cache %q", err, resp.Header.Get("Cache-Control"))
	}

	// a tile, and nothing outside the tlog-tiles layout
	resp = e.do("GET", "/log/tile/0/000.p/1", "", nil, "", nil)
	wantStatus(t, resp, 200)
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("tile Cache-Control %q", cc)
	}
	wantStatus(t, e.do("GET", "/log/.state/version", "", nil, "", nil), 404)

	// QR code
	resp = e.do("GET", "/p/"+id+"/qr.svg", "", nil, "", nil)
	wantStatus(t, resp, 200)
	if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Fatalf("QR content type %q", ct)
	}

	// revoke: the page, the JSON and the log agree
	var revoked store.Label
	wantStatus(t, e.json("POST", "/api/v1/labels/"+id+"/revoke", tok, RevokeRequest{Reason: "CVE-2026-0001 unpatched"}, &revoked), 200)
	if revoked.Status != store.StatusRevoked {
		t.Fatalf("revoked %+v", revoked)
	}
	wantStatus(t, e.json("POST", "/api/v1/labels/"+id+"/revoke", tok, RevokeRequest{Reason: "again"}, nil), 409)
	resp = e.do("GET", "/p/"+id, "", nil, "", nil)
	page, _ = io.ReadAll(resp.Body)
	if !bytes.Contains(page, []byte("<strong>Revoked.</strong>")) || !bytes.Contains(page, []byte("CVE-2026-0001 unpatched")) || resp.Header.Get("ETag") == etag {
		t.Fatal("the page does not show the revocation")
	}
	res, err = label.Verify(context.Background(), b, label.Policy{Trust: trust, Log: tlog.NewReader(e.srv.LogDir())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || res.Status != label.StatusRevoked {
		t.Fatalf("after revocation the log says %s (valid %v)", res.Status, res.Valid)
	}

	// a second label for the same version supersedes nothing revoked, and is valid
	var again IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &again), 201)
	var third IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &third), 201)
	l2, err := e.srv.Store().Label(context.Background(), again.Label.ID)
	if err != nil || l2.Status != store.StatusSuperseded {
		t.Fatalf("second label %+v %v, want superseded by the third", l2, err)
	}

	// search
	for _, q := range []string{"voltic", "SP-210"} {
		var sr struct{ Results []SearchResult }
		req, _ := http.NewRequest("GET", e.ts.URL+"/search?q="+q, nil)
		req.Header.Set("Accept", "application/json")
		r, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(r.Body).Decode(&sr)
		r.Body.Close()
		if len(sr.Results) != 1 || sr.Results[0].ID != c.Product.ID {
			t.Errorf("search %q: %+v", q, sr.Results)
		}
	}
	client := *e.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r4, err := client.Get(e.ts.URL + "/search?q=" + strings.ToUpper(third.Label.ID))
	if err != nil {
		t.Fatal(err)
	}
	r4.Body.Close()
	if r4.StatusCode != http.StatusSeeOther || r4.Header.Get("Location") != "/p/"+third.Label.ID {
		t.Fatalf("label-ID search: %d %s", r4.StatusCode, r4.Header.Get("Location"))
	}

	// the audit log saw every write
	var audit List[store.AuditEntry]
	wantStatus(t, e.json("GET", "/api/v1/audit", tok, nil, &audit), 200)
	var actions []string
	for _, a := range audit.Items {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, " "); got != "product.create version.create label.issue label.revoke label.issue label.issue" {
		t.Fatalf("audit of the manufacturer: %s", got)
	}
}

func TestSupportEndedWarning(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	up := example(t, "smart-plug")
	up.Dossier = bytes.Replace(up.Dossier, []byte("end: 2035-03-31"), []byte("end: 2026-06-30"), 1)
	c := e.register(tok, up)
	resp := e.do("GET", "/p/"+c.Product.ID, "", nil, "", nil)
	page, _ := io.ReadAll(resp.Body)
	if !bytes.Contains(page, []byte("Warning: security updates ended on 2026-06-30")) {
		t.Fatal("no warning for a support period that has ended")
	}
}

func TestMarkupIsEscaped(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	up := example(t, "smart-plug")
	up.Dossier = bytes.Replace(up.Dossier, []byte("name: Voltic SP-210 Smart Plug"), []byte(`name: "<script>alert(1)</script><img src=x onerror=alert(2)>"`), 1)
	c := e.register(tok, up)
	for _, path := range []string{"/p/" + c.Product.ID, "/search?q=script"} {
		resp := e.do("GET", path, "", nil, "", nil)
		page, _ := io.ReadAll(resp.Body)
		if bytes.Contains(page, []byte("<script>")) || bytes.Contains(page, []byte("<img src=x")) || !bytes.Contains(page, []byte("&lt;script&gt;")) {
			t.Errorf("%s: markup from the dossier is not escaped", path)
		}
	}
}

func TestUploadFailures(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxUpload = 200 << 10 })
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	good := example(t, "smart-plug")
	big := example(t, "smart-plug")
	big.Evidence["evidence/cvd-policy.md"] = bytes.Repeat([]byte("x"), 300<<10)
	noSBOM := example(t, "smart-plug")
	noSBOM.SBOM = nil
	tests := []struct {
		name   string
		body   func() (io.Reader, string)
		status int
		field  string
	}{
		{"too large", func() (io.Reader, string) { return multipartUpload(t, big) }, 413, ""},
		{"no SBOM", func() (io.Reader, string) { return multipartUpload(t, noSBOM) }, 422, "sbom"},
		{"not a form", func() (io.Reader, string) { return strings.NewReader("hello"), "text/plain" }, 422, "Content-Type"},
		{"broken multipart", func() (io.Reader, string) {
			return strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"dossier\"\r\n\r\nabc"), "multipart/form-data; boundary=x"
		}, 422, "body"},
		{"unknown JSON field", func() (io.Reader, string) { return strings.NewReader(`{"dossier":"a","x":1}`), "application/json" }, 422, "body"},
		{"JSON dossier that is not one", func() (io.Reader, string) { return strings.NewReader(`{"dossier":"just: text"}`), "application/json" }, 422, "dossier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := tt.body()
			var p Problem
			resp := e.do("POST", "/api/v1/products", tok, body, ct, &p)
			wantStatus(t, resp, tt.status)
			if resp.Header.Get("Content-Type") != "application/problem+json" || p.Status != tt.status || p.Detail == "" || (tt.field != "" && p.Field != tt.field) {
				t.Fatalf("problem %+v", p)
			}
			if tt.status == 413 && !strings.Contains(p.Detail, "204800 bytes") {
				t.Fatalf("413 detail %q does not name the limit", p.Detail)
			}
		})
	}
	n, err := e.srv.Store().CountProducts(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("%d products stored after failed uploads (%v)", n, err)
	}
	// JSON upload of the same product works
	ev := map[string][]byte{}
	for k, v := range good.Evidence {
		ev[k] = v
	}
	var c Created
	wantStatus(t, e.json("POST", "/api/v1/products", tok, map[string]any{"dossier": string(good.Dossier), "sbom": string(good.SBOM), "evidence": ev}, &c), 201)
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	up := example(t, "smart-plug")
	send := func(key string, u *intake.Upload) (*http.Response, Created) {
		if u == nil {
			u = up
		}
		body, ct := multipartUpload(t, u)
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/products", body)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Idempotency-Key", key)
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c Created
		json.NewDecoder(resp.Body).Decode(&c)
		return resp, c
	}
	r1, c1 := send("k-1", nil)
	r2, c2 := send("k-1", nil)
	if r1.StatusCode != 201 || r2.StatusCode != 200 || r2.Header.Get("Idempotent-Replayed") != "true" || c1.Product.ID != c2.Product.ID || c1.Version.ID != c2.Version.ID {
		t.Fatalf("replay: %d %d %+v %+v", r1.StatusCode, r2.StatusCode, c1.Version, c2.Version)
	}
	other := example(t, "home-router")
	r3, _ := send("k-1", other)
	if r3.StatusCode != 422 {
		t.Fatalf("same key, other body: %d", r3.StatusCode)
	}
	n, _ := e.srv.Store().CountProducts(context.Background())
	if n != 1 {
		t.Fatalf("%d products after a replay and a refused reuse", n)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	orgA, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	var ro NewToken
	wantStatus(t, e.json("POST", "/api/v1/tokens", tok, TokenRequest{Name: "read only", Scopes: []string{"read"}}, &ro), 201)
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"no token", "GET", "/api/v1/products", "", 401},
		{"garbage token", "GET", "/api/v1/products", "dmr_notatoken", 401},
		{"unknown token", "GET", "/api/v1/products", "dmr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401},
		{"read token lists", "GET", "/api/v1/products", ro.Secret, 200},
		{"read token cannot upload", "POST", "/api/v1/products", ro.Secret, 403},
		{"read token cannot make tokens", "POST", "/api/v1/tokens", ro.Secret, 403},
		{"manufacturer is not the operator", "GET", "/api/v1/orgs", tok, 403},
		{"operator lists orgs", "GET", "/api/v1/orgs", e.admin, 200},
		{"operator cannot upload", "POST", "/api/v1/products", e.admin, 403},
		{"openapi is public", "GET", "/api/v1/openapi.json", "", 200},
		{"whoami needs a token", "GET", "/api/v1/whoami", "", 401},
		{"whoami answers any scope", "GET", "/api/v1/whoami", ro.Secret, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.json(tt.method, tt.path, tt.token, nil, nil), tt.status)
		})
	}
	// a revoked token stops working at once
	wantStatus(t, e.json("DELETE", "/api/v1/tokens/"+ro.Token.ID, tok, nil, nil), 204)
	wantStatus(t, e.json("GET", "/api/v1/products", ro.Secret, nil, nil), 401)
	// a manufacturer cannot grant more than it has: a read+write token cannot make an admin one
	var rw NewToken
	wantStatus(t, e.json("POST", "/api/v1/orgs/"+orgA+"/tokens", e.admin, TokenRequest{Name: "rw", Scopes: []string{"read", "write"}}, &rw), 201)
	wantStatus(t, e.json("POST", "/api/v1/tokens", rw.Secret, TokenRequest{Name: "x", Scopes: []string{"admin"}}, nil), 403)
	// tokens are stored hashed
	list, err := e.srv.Store().ListTokens(context.Background(), orgA)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range list {
		if strings.Contains(tk.Hash, "dmr_") || len(tk.Hash) != 64 {
			t.Fatalf("stored token %q", tk.Hash)
		}
	}
}

// TestTenantIsolation tries every API route that takes an ID with another
// manufacturer's IDs: each answers 404 and no data. Routes for the operator
// only answer 403 to anyone else whatever the ID.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	_, tokB := e.manufacturer("Other Corp", "bob@other.example")
	c := e.register(tokA, example(t, "smart-plug"))
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &issued), 201)
	var tkA NewToken
	wantStatus(t, e.json("POST", "/api/v1/tokens", tokA, TokenRequest{Name: "a2", Scopes: []string{"read"}}, &tkA), 201)
	labID, tokLab := e.org("Nordlicht Prüflabor GmbH", "lab", "read", "write")
	wantStatus(t, e.json("POST", "/api/v1/products/"+c.Product.ID+"/shares", tokA, ShareRequest{Org: labID}, nil), 201)
	var rep AttachedReport
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/reports", tokLab, testReport(), &rep), 201)
	idOf := map[string]string{
		"/api/v1/products/{id}":               c.Product.ID,
		"/api/v1/products/{id}/versions":      c.Product.ID,
		"/api/v1/versions/{id}":               c.Version.ID,
		"/api/v1/versions/{id}/assessment":    c.Version.ID,
		"/api/v1/versions/{id}/reassessments": c.Version.ID,
		"/api/v1/versions/{id}/label":         c.Version.ID,
		"/api/v1/labels/{id}/revoke":          issued.Label.ID,
		"/api/v1/tokens/{id}":                 tkA.Token.ID,
		"/api/v1/orgs/{id}/users":             orgA,
		"/api/v1/orgs/{id}/tokens":            orgA,
		"/api/v1/products/{id}/shares":        c.Product.ID,
		"/api/v1/products/{id}/shares/{org}":  c.Product.ID,
		"/api/v1/versions/{id}/reports":       c.Version.ID,
		"/api/v1/reports/{id}/content":        rep.ID,
		// monitoring: a vulnerability id; another manufacturer's view of it is empty
		"/api/v1/vulnerabilities/{id}/affected": "CVE-2024-1086",
		"/api/v1/vulnerabilities/{id}/report":   "CVE-2024-1086",
	}
	for path, id := range notifyIsolationIDs(e, tokA) { // notify_web_test.go
		idOf[path] = id
	}
	for path, id := range art14IsolationIDs(e, tokA, c.Product.ID, c.Version.ID) { // art14_test.go
		idOf[path] = id
	}
	for path, id := range csafIsolationIDs(e, tokA, c.Version.ID, idOf["/api/v1/cases/{id}"]) { // csafprov_test.go
		idOf[path] = id
	}
	bodies := map[string]any{"/api/v1/labels/{id}/revoke": RevokeRequest{Reason: "x"}, "/api/v1/products/{id}/shares": ShareRequest{Org: labID}, "/api/v1/orgs/{id}/users": UserRequest{Email: "x@y.z", Password: "long enough password"},
		"/api/v1/orgs/{id}/tokens": TokenRequest{Name: "x", Scopes: []string{"read"}}}
	tested := 0
	for _, rt := range e.srv.routes {
		if !rt.api || !strings.Contains(rt.path, "{id}") {
			continue
		}
		id, ok := idOf[rt.path]
		if !ok {
			t.Errorf("%s %s takes an ID but the isolation test has none for it: add one", rt.method, rt.path)
			continue
		}
		want := 404
		if strings.HasPrefix(rt.path, "/api/v1/orgs/") || (rt.method == "POST" && rt.path == "/api/v1/versions/{id}/reports") {
			want = 403 // the operator's routes, and the labs' (B is a manufacturer)
		}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			var body io.Reader = strings.NewReader("{}")
			ct := "application/json"
			if b, ok := bodies[rt.path]; ok {
				j, _ := json.Marshal(b)
				body = bytes.NewReader(j)
			}
			if rt.path == "/api/v1/products/{id}/versions" && rt.method == "POST" {
				body, ct = multipartUpload(t, example(t, "smart-plug"))
			}
			resp := e.do(rt.method, strings.NewReplacer("{id}", id, "{org}", labID).Replace(rt.path), tokB, body, ct, nil)
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, got)
			}
			for _, secret := range []string{"Voltic", c.Version.SBOMDigest, "SP-210"} {
				if bytes.Contains(got, []byte(secret)) {
					t.Fatalf("answer leaks %q: %s", secret, got)
				}
			}
		})
		tested++
	}
	if tested < len(idOf) {
		t.Errorf("tested %d routes with IDs, expected %d", tested, len(idOf))
	}
	// lists and the audit log of B show nothing of A
	for _, path := range []string{"/api/v1/products", "/api/v1/audit", "/api/v1/tokens", "/api/v1/products?q=voltic"} {
		resp := e.do("GET", path, tokB, nil, "", nil)
		got, _ := io.ReadAll(resp.Body)
		if bytes.Contains(got, []byte(c.Product.ID)) || bytes.Contains(got, []byte("SP-210")) || bytes.Contains(got, []byte(tkA.Token.ID)) {
			t.Errorf("%s leaks A's data to B: %s", path, got)
		}
	}
	// an authority reads A's product and version; it cannot write
	var auth struct{ ID string }
	wantStatus(t, e.json("POST", "/api/v1/orgs", e.admin, OrgRequest{Name: "CSIRT Example", Kind: "authority"}, &auth), 201)
	var authTok NewToken
	wantStatus(t, e.json("POST", "/api/v1/orgs/"+auth.ID+"/tokens", e.admin, TokenRequest{Name: "duty", Scopes: []string{"read", "write", "label"}}, &authTok), 201)
	wantStatus(t, e.json("GET", "/api/v1/products/"+c.Product.ID, authTok.Secret, nil, nil), 200)
	wantStatus(t, e.json("GET", "/api/v1/versions/"+c.Version.ID+"/assessment", authTok.Secret, nil, nil), 200)
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", authTok.Secret, nil, nil), 403)
	wantStatus(t, e.json("POST", "/api/v1/labels/"+issued.Label.ID+"/revoke", authTok.Secret, RevokeRequest{Reason: "x"}, nil), 403)

	// A's label is still valid and A's version still has one label
	l, err := e.srv.Store().Label(context.Background(), issued.Label.ID)
	if err != nil || l.Status != store.StatusValid {
		t.Fatalf("A's label after B's attempts: %+v %v", l, err)
	}
}

// TestOpenAPICoversRoutes checks the OpenAPI document lists exactly the API
// routes, and every route's declared status codes include the ones the
// handler can answer that the tests saw.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	wantStatus(t, e.json("GET", "/api/v1/openapi.json", "", nil, &doc), 200)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	seen := map[string]bool{}
	for _, rt := range e.srv.routes {
		if !rt.api {
			continue
		}
		key := strings.ToLower(rt.method) + " " + rt.path
		seen[key] = true
		if _, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s is not in openapi.json", key)
		}
	}
	for path, ops := range doc.Paths {
		for m := range ops {
			if !seen[m+" "+path] {
				t.Errorf("openapi.json lists %s %s, which the server does not serve", m, path)
			}
		}
	}
}

func TestOperations(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		path, want string
	}{{"/healthz", "ok"}, {"/readyz", "ready"}, {"/metrics", "dualmark_http_requests_total{route=\"GET /healthz\",code=\"200\"} 1"}} {
		resp := e.do("GET", c.path, "", nil, "", nil)
		wantStatus(t, resp, 200)
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %s", c.path, b)
		}
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(resp.Header.Get("X-Request-Id")) {
			t.Errorf("%s: request id %q", c.path, resp.Header.Get("X-Request-Id"))
		}
	}
	for _, path := range []string{"/p/nope", "/p/" + strings.Repeat("a", 64), "/log/../registry.db", "/log/keys", "/static/../server.go", "/nothing-here"} {
		resp := e.do("GET", path, "", nil, "", nil)
		if resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	if _, err := os.Stat(filepath.Join(e.srv.cfg.Data, "registry.db")); err != nil {
		t.Fatal(err)
	}
}

// TestNotReadyWhenClosing checks /readyz answers 503 once Close has begun,
// so a load balancer stops sending requests during a graceful shutdown.
func TestNotReadyWhenClosing(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.do("GET", "/readyz", "", nil, "", nil), 200)
	e.srv.ready.Store(false) // what Close does first
	wantStatus(t, e.do("GET", "/readyz", "", nil, "", nil), 503)
	e.srv.ready.Store(true)
}
