package registry

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"github.com/dualmark/dualmark/internal/art14"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// attackFixture is a registry with manufacturer A's product, label,
// subscription and a lab report, and the IDs every route needs.
type attackFixture struct {
	e                 *env
	orgA, tokA, labID string
	c                 *Created
	label             string
	ids               map[string]string // route path → an ID of A's for it
}

func newAttackFixture(t *testing.T) *attackFixture {
	e := newEnv(t)
	f := &attackFixture{e: e}
	f.orgA, f.tokA = e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	f.c = e.register(f.tokA, example(t, "smart-plug"))
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+f.c.Version.ID+"/label", f.tokA, nil, &issued), 201)
	f.label = issued.Label.ID
	var tkA NewToken
	wantStatus(t, e.json("POST", "/api/v1/tokens", f.tokA, TokenRequest{Name: "a2", Scopes: []string{"read"}}, &tkA), 201)
	var tokLab string
	f.labID, tokLab = e.org("Nordlicht Prüflabor GmbH", "lab", "read", "write")
	wantStatus(t, e.json("POST", "/api/v1/products/"+f.c.Product.ID+"/shares", f.tokA, ShareRequest{Org: f.labID}, nil), 201)
	var rep AttachedReport
	wantStatus(t, e.json("POST", "/api/v1/versions/"+f.c.Version.ID+"/reports", tokLab, testReport(), &rep), 201)
	f.ids = map[string]string{
		"/api/v1/products/{id}": f.c.Product.ID, "/api/v1/products/{id}/versions": f.c.Product.ID,
		"/api/v1/versions/{id}": f.c.Version.ID, "/api/v1/versions/{id}/assessment": f.c.Version.ID, "/api/v1/versions/{id}/reassessments": f.c.Version.ID,
		"/api/v1/versions/{id}/label": f.c.Version.ID, "/api/v1/labels/{id}/revoke": f.label,
		"/api/v1/tokens/{id}": tkA.Token.ID, "/api/v1/orgs/{id}/users": f.orgA, "/api/v1/orgs/{id}/tokens": f.orgA,
		"/api/v1/products/{id}/shares": f.c.Product.ID, "/api/v1/products/{id}/shares/{org}": f.c.Product.ID,
		"/api/v1/versions/{id}/reports": f.c.Version.ID, "/api/v1/reports/{id}/content": rep.ID,
		"/api/v1/vulnerabilities/{id}/affected": "CVE-2024-1086", "/api/v1/vulnerabilities/{id}/report": "CVE-2024-1086",
		"/dashboard/products/{id}": f.c.Product.ID, "/dashboard/versions/{id}/label": f.c.Version.ID, "/dashboard/labels/{id}/revoke": f.label,
		"/p/{id}": f.label, "/p/{id}/bundle.json": f.label, "/p/{id}/proof.tlog-proof": f.label, "/p/{id}/qr.svg": f.label,
		"/static/{file}": "style.css",
	}
	for path, id := range notifyIsolationIDs(e, f.tokA) {
		f.ids[path] = id
	}
	for path, id := range art14IsolationIDs(e, f.tokA, f.c.Product.ID, f.c.Version.ID) { // art14_test.go
		f.ids[path] = id
	}
	for path, id := range csafIsolationIDs(e, f.tokA, f.c.Version.ID, f.ids["/api/v1/cases/{id}"]) { // csafprov_test.go
		f.ids[path] = id
	}
	return f
}

func (f *attackFixture) path(rt route) string {
	return strings.NewReplacer("{id}", f.ids[rt.path], "{org}", f.labID, "{stage}", string(art14.StageEarlyWarning)).Replace(rt.path)
}

// TestEveryAPIRouteRefusesBadTokens sends every API route that needs a
// token a revoked token (401), a garbage one (401), one of another
// manufacturer whose token was made for a single unrelated scope (403, or
// 404 where the route hides the ID) and the same requests with the token in
// a query parameter instead of the header (401: only the header counts).
// The answers never carry A's data. API tokens do not expire (REGISTRY.md),
// so "expired" is covered for sessions (TestWebRoutesRefuseBadSessions).
func TestEveryAPIRouteRefusesBadTokens(t *testing.T) {
	f := newAttackFixture(t)
	e := f.e
	var revoked NewToken
	wantStatus(t, e.json("POST", "/api/v1/tokens", f.tokA, TokenRequest{Name: "gone", Scopes: []string{"read", "write", "label", "admin"}}, &revoked), 201)
	wantStatus(t, e.json("DELETE", "/api/v1/tokens/"+revoked.Token.ID, f.tokA, nil, nil), 204)
	orgB, _ := e.manufacturer("Other Corp", "bob@other.example")
	var labelOnly NewToken // B's token for one scope: writes need write, lists need read
	wantStatus(t, e.json("POST", "/api/v1/orgs/"+orgB+"/tokens", e.admin, TokenRequest{Name: "label only", Scopes: []string{"label"}}, &labelOnly), 201)
	public := map[string]bool{"GET /api/v1/openapi.json": true}
	anyScope := map[string]bool{"GET /api/v1/whoami": true}
	n := 0
	for _, rt := range e.srv.routes {
		pattern := rt.method + " " + rt.path
		if !rt.api || public[pattern] {
			continue
		}
		n++
		t.Run(pattern, func(t *testing.T) {
			for _, c := range []struct {
				name, token, query string
				want               []int
			}{
				{"revoked token", revoked.Secret, "", []int{401}},
				{"garbage token", "dmr_" + strings.Repeat("A", 43), "", []int{401}},
				{"token in the query", "", "?access_token=" + url.QueryEscape(f.tokA), []int{401}},
				{"other organisation, one scope", labelOnly.Secret, "", []int{403, 404}},
			} {
				if c.name == "other organisation, one scope" && anyScope[pattern] {
					continue
				}
				body := "{}"
				if strings.HasSuffix(rt.path, "/revoke") {
					body = `{"reason":"x"}`
				}
				resp := e.do(rt.method, f.path(rt)+c.query, c.token, strings.NewReader(body), "application/json", nil)
				got, _ := io.ReadAll(resp.Body)
				ok := false
				for _, w := range c.want {
					ok = ok || resp.StatusCode == w
				}
				if !ok {
					t.Errorf("%s: status %d, want %v: %.300s", c.name, resp.StatusCode, c.want, got)
				}
				for _, secret := range []string{"SP-210", "Voltic", f.c.Version.SBOMDigest} { // IDs come back only in the problem's instance, the path sent
					if bytes.Contains(got, []byte(secret)) {
						t.Errorf("%s: the answer leaks %q", c.name, secret)
					}
				}
			}
		})
	}
	if n < 30 {
		t.Fatalf("only %d API routes tried", n)
	}
	if l, err := e.srv.Store().Label(t.Context(), f.label); err != nil || l.Status != store.StatusValid {
		t.Fatalf("A's label after the attempts: %+v %v", l, err)
	}
}

// sessionFor forges the session cookie the server would set for user in org
// expiring at exp, signed with the server's key (what an expired or stolen
// session looks like).
func sessionFor(s *Server, user, org string, exp time.Time) *http.Cookie {
	body := base64.RawURLEncoding.EncodeToString([]byte(user + "|" + org + "|" + fmt.Sprint(exp.Unix())))
	return &http.Cookie{Name: sessionCookie, Value: body + "." + s.sign("session|"+body)}
}

// TestWebRoutesRefuseBadSessions tries every members' page and form with
// no session, an expired one, one with a wrong signature, and B's session
// with A's IDs; then every form (every non-API POST) with B's own valid
// session but no CSRF token, a wrong one, and the right one from another
// Origin: each is refused (redirect to the login, 403 or 404), and A's
// label stays valid.
func TestWebRoutesRefuseBadSessions(t *testing.T) {
	f := newAttackFixture(t)
	e := f.e
	e.manufacturer("Other Corp", "bob@other.example")
	bob := newBrowser(e)
	if resp := bob.login("bob@other.example", "correct horse battery"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, dash := bob.get("/dashboard")
	csrf := csrfOf(t, dash)
	u, _ := url.Parse(e.ts.URL)
	var bobSession *http.Cookie
	for _, c := range bob.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			bobSession = c
		}
	}
	anna := newBrowser(e)
	anna.login("anna@voltic.example", "correct horse battery")
	var annaSession string
	for _, c := range anna.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			annaSession = c.Value
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(annaSession, ".")[0])
	parts := strings.Split(string(raw), "|")
	if err != nil || len(parts) != 3 {
		t.Fatalf("session cookie %q: %v", annaSession, err)
	}
	expired := sessionFor(e.srv, parts[0], parts[1], time.Now().Add(-time.Minute))
	valid := sessionFor(e.srv, parts[0], parts[1], time.Now().Add(time.Hour))
	badSig := &http.Cookie{Name: sessionCookie, Value: strings.Split(valid.Value, ".")[0] + ".AAAA"}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, cookie *http.Cookie, form url.Values, origin string) (int, string) {
		req, _ := http.NewRequest(method, e.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != nil {
			req.AddCookie(cookie)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if code, _ := send("GET", "/dashboard", valid, nil, ""); code != 200 {
		t.Fatalf("the forged valid session does not work (%d): the test would test nothing", code)
	}
	forms := 0
	for _, rt := range e.srv.routes {
		if rt.api || !(strings.HasPrefix(rt.path, "/dashboard") || rt.path == "/logout") {
			continue
		}
		path := f.path(rt)
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			for _, c := range []struct {
				name   string
				cookie *http.Cookie
			}{{"no session", nil}, {"expired session", expired}, {"wrong signature", badSig}} {
				if code, _ := send(rt.method, path, c.cookie, url.Values{"csrf": {csrf}, "reason": {"x"}}, ""); code != http.StatusSeeOther {
					t.Errorf("%s: status %d, want 303 to the login", c.name, code)
				}
			}
			if strings.Contains(rt.path, "{id}") { // B's session with A's IDs
				code, body := send(rt.method, path+"?csrf="+url.QueryEscape(csrf), bobSession, url.Values{"csrf": {csrf}, "reason": {"x"}}, "")
				if code != 404 && code != 403 {
					t.Errorf("B's session: status %d, want 404: %.300s", code, body)
				}
				if strings.Contains(body, "SP-210") {
					t.Errorf("B's session: the page shows A's product")
				}
			}
			if rt.method != "POST" {
				return
			}
			forms++
			for _, c := range []struct {
				name, csrf, origin string
			}{{"no CSRF token", "", ""}, {"wrong CSRF token", "AAAA" + csrf[4:], ""}, {"right token, other origin", csrf, "https://evil.example"}} {
				form := url.Values{"reason": {"x"}}
				q := ""
				if c.csrf != "" {
					form.Set("csrf", c.csrf)
					q = "?csrf=" + url.QueryEscape(c.csrf)
				}
				if code, _ := send("POST", path+q, bobSession, form, c.origin); code != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", c.name, code)
				}
			}
		})
	}
	if forms < 4 {
		t.Errorf("only %d forms tried", forms)
	}
	// the login form: no token, a wrong one, another origin
	_, page := newBrowser(e).get("/login")
	for _, c := range []struct{ csrf, origin string }{{"", ""}, {"wrong", ""}, {csrfOf(t, page), "https://evil.example"}} {
		if code, _ := send("POST", "/login", nil, url.Values{"csrf": {c.csrf}, "email": {"bob@other.example"}, "password": {"correct horse battery"}}, c.origin); code != http.StatusForbidden {
			t.Errorf("login with csrf %q origin %q: %d, want 403", c.csrf, c.origin, code)
		}
	}
	if l, err := e.srv.Store().Label(t.Context(), f.label); err != nil || l.Status != store.StatusValid {
		t.Fatalf("A's label after the attempts: %+v %v", l, err)
	}
}

// TestTraversalInFileNames uploads evidence whose part file names climb
// out of the data directory, and imports advisories under such a name: no
// file appears outside the data directory's tmp folder, and nothing stays
// in it.
func TestTraversalInFileNames(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "a", "b", "data")
	e := newEnv(t, func(c *Config) { c.Data = data })
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	up := example(t, "smart-plug")
	for i, name := range []string{"../../x-pwned", `..\..\x-pwned`, "/tmp/x-pwned-abs", "evidence/../../../x-pwned", "..", "./.", "a\x00b"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("dossier", "../../x-pwned-dossier")
		fw.Write(up.Dossier)
		fw, _ = mw.CreateFormFile("sbom", "../x-pwned-sbom")
		fw.Write(up.SBOM)
		fw, _ = mw.CreateFormFile("evidence", name)
		fw.Write([]byte("evidence " + fmt.Sprint(i)))
		mw.Close()
		resp := e.do("POST", "/api/v1/products", tok, &buf, mw.FormDataContentType(), nil)
		if resp.StatusCode != 201 && resp.StatusCode != 422 {
			body, _ := io.ReadAll(resp.Body)
			t.Errorf("evidence named %q: status %d: %s", name, resp.StatusCode, body)
		}
	}
	for _, name := range []string{"../../x-pwned.json", "..%2F..%2Fx-pwned.json", "/etc/x-pwned.json"} {
		e.do("POST", "/api/v1/admin/advisories?name="+name, e.admin, strings.NewReader("{}"), "application/octet-stream", nil)
	}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(fi.Name(), "pwned") {
			t.Errorf("a file named by the client was written: %s", p)
		}
		return nil
	})
	if _, err := os.Stat("/tmp/x-pwned-abs"); err == nil {
		t.Error("/tmp/x-pwned-abs was written")
	}
	left, _ := os.ReadDir(filepath.Join(data, "tmp"))
	if len(left) != 0 {
		t.Errorf("left in the data directory's tmp: %v", left)
	}
}

// TestMarkupEscapedEverywhere puts HTML and script into every field a page
// displays — organisation name, product name, brand, manufacturer, hardware
// and firmware version — and into a lab's name and a report's name and
// title (no page shows reports yet; they are set so a future page is
// covered), and checks every HTML page shows it escaped.
func TestMarkupEscapedEverywhere(t *testing.T) {
	e := newEnv(t)
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	orgA, tokA := e.manufacturer(`Voltic `+evil, "anna@voltic.example")
	up := example(t, "smart-plug")
	d := string(up.Dossier)
	for _, field := range []string{"  name: Voltic SP-210 Smart Plug", "  brand: Voltic", "  hardwareVersion: rev. C", "  firmwareVersion: 2.3.1", "  name: Voltic Home Devices GmbH"} {
		if !strings.Contains(d, field+"\n") {
			t.Fatalf("the example dossier has no %q", field)
		}
		key, val, _ := strings.Cut(field, ": ")
		d = strings.Replace(d, field+"\n", key+`: "`+val+" "+evil+`"`+"\n", 1)
	}
	up.Dossier = []byte(d)
	c := e.register(tokA, up)
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &issued), 201)
	labID, tokLab := e.org("Lab "+evil, "lab", "read", "write")
	wantStatus(t, e.json("POST", "/api/v1/products/"+c.Product.ID+"/shares", tokA, ShareRequest{Org: labID}, nil), 201)
	rep := testReport()
	rep.Name = "report <img src=x onerror=alert(2)>.pdf" // a file name has no slash
	rep.Title = "Title " + evil
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/reports", tokLab, rep, nil), 201)
	_ = orgA
	b := newBrowser(e)
	b.login("anna@voltic.example", "correct horse battery")
	pages := []string{"/", "/search?q=voltic", "/search?q=" + url.QueryEscape(evil), "/p/" + c.Product.ID, "/p/" + issued.Label.ID,
		"/dashboard", "/dashboard/products/" + c.Product.ID, "/dashboard/events", "/login", "/no-such-page-" + url.PathEscape(evil)}
	for _, p := range pages {
		resp, body := b.get(p)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s (%d): markup from a field is not escaped", p, resp.StatusCode)
		}
	}
	_, body := b.get("/p/" + issued.Label.ID)
	if !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("the product page does not show the escaped name at all: the test tests nothing")
	}
	_, body = b.get("/dashboard")
	if !strings.Contains(body, "Voltic &lt;script&gt;") {
		t.Errorf("the dashboard does not show the escaped organisation name")
	}

}
