package registry

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is an HTTP client with a cookie jar that reads forms' CSRF tokens.
type browser struct {
	t *testing.T
	c *http.Client
	e *env
}

func newBrowser(e *env) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: e.t, c: c, e: e}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.e.ts.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.e.ts.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

func (b *browser) login(email, password string) *http.Response {
	b.t.Helper()
	_, page := b.get("/login")
	resp, _ := b.post("/login", url.Values{"csrf": {csrfOf(b.t, page)}, "email": {email}, "password": {password}})
	return resp
}

func TestWebUI(t *testing.T) {
	e := newEnv(t)
	e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	b := newBrowser(e)

	// the dashboard needs a login
	resp, _ := b.get("/dashboard")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("dashboard without login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// login without the form's token fails
	resp, _ = b.post("/login", url.Values{"email": {"anna@voltic.example"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d", resp.StatusCode)
	}
	resp = b.login("anna@voltic.example", "wrong password")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp = b.login("anna@voltic.example", "correct horse battery")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", session)
	}
	_, page := b.get("/dashboard")
	if !strings.Contains(page, "Voltic Home Devices GmbH") || !strings.Contains(page, "No products yet") {
		t.Fatalf("dashboard:\n%s", page)
	}
	csrf := csrfOf(t, page)

	// upload through the form: the CSRF token travels in the action URL
	body, ct := multipartUpload(t, example(t, "smart-plug"))
	req, _ := http.NewRequest("POST", e.ts.URL+"/dashboard/upload?csrf=wrong", body)
	req.Header.Set("Content-Type", ct)
	r, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("upload with a wrong CSRF token: %d", r.StatusCode)
	}
	// a failed upload says why and stores nothing
	bad := example(t, "smart-plug")
	bad.SBOM = nil
	body, ct = multipartUpload(t, bad)
	req, _ = http.NewRequest("POST", e.ts.URL+"/dashboard/upload?csrf="+url.QueryEscape(csrf), body)
	req.Header.Set("Content-Type", ct)
	r, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	failed, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(failed), "sbom: missing") || !strings.Contains(string(failed), "Nothing was stored") {
		t.Fatalf("failed upload: %d\n%s", r.StatusCode, failed)
	}
	body, ct = multipartUpload(t, example(t, "smart-plug"))
	req, _ = http.NewRequest("POST", e.ts.URL+"/dashboard/upload?csrf="+url.QueryEscape(csrf), body)
	req.Header.Set("Content-Type", ct)
	r, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/products/") {
		t.Fatalf("upload: %d %s", r.StatusCode, loc)
	}
	_, page = b.get(loc)
	if !strings.Contains(page, "cra=conforms,en303645=conforms,red-da=conforms,us-ctm=ready-for-testing") || !strings.Contains(page, "Issue label") {
		t.Fatalf("product page:\n%s", page)
	}
	issue := regexp.MustCompile(`action="(/dashboard/versions/[^/]+/label)"`).FindStringSubmatch(page)
	if issue == nil {
		t.Fatal("no issue form")
	}
	resp, _ = b.post(issue[1], url.Values{})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("issue without CSRF: %d", resp.StatusCode)
	}
	resp, _ = b.post(issue[1], url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("issue: %d", resp.StatusCode)
	}
	_, page = b.get(resp.Header.Get("Location"))
	revoke := regexp.MustCompile(`action="(/dashboard/labels/([0-9a-f]{64})/revoke)"`).FindStringSubmatch(page)
	if revoke == nil || !strings.Contains(page, "Issued label") {
		t.Fatalf("after issuing:\n%s", page)
	}
	resp, _ = b.post(revoke[1], url.Values{"csrf": {csrf}, "reason": {""}})
	_, page = b.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "a reason of 1 to 500 characters is required") {
		t.Fatal("empty revocation reason accepted")
	}
	resp, _ = b.post(revoke[1], url.Values{"csrf": {csrf}, "reason": {"test revocation"}})
	_, page = b.get(resp.Header.Get("Location"))
	if !strings.Contains(page, "Revoked label") || !strings.Contains(page, ">revoked</a> (test revocation)") {
		t.Fatalf("after revoking:\n%s", page)
	}
	_, page = b.get("/p/" + revoke[2])
	if !strings.Contains(page, "<strong>Revoked.</strong>") {
		t.Fatal("the public page does not show the revocation")
	}
	// a request from another origin is refused even with the token
	req, _ = http.NewRequest("POST", e.ts.URL+"/logout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	r, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", r.StatusCode)
	}
	// logout ends the session
	resp, _ = b.post("/logout", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	resp, _ = b.get("/dashboard")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dashboard after logout: %d", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	b := newBrowser(e)
	for i := 0; i < 5; i++ {
		if resp := b.login("anna@voltic.example", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := b.login("anna@voltic.example", "correct horse battery")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// an unknown address is limited the same way and answers the same
	resp = newBrowser(e).login("nobody@example.com", "guess")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("unknown address from the same client: %d", resp.StatusCode)
	}
}
