package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/tlog"
)

// replicaOf opens a replica that is not the log appender next to a: the same
// PostgreSQL database, a's session key, forwarding to a's URL.
func replicaOf(t *testing.T, a *env, appender string) *env {
	t.Helper()
	data := t.TempDir()
	key, err := os.ReadFile(filepath.Join(a.srv.cfg.Data, "session.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "session.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	s, err := Open(context.Background(), Config{Data: data, Database: a.srv.cfg.Database, BaseURL: a.srv.cfg.BaseURL,
		Passwords: &cheap, InsecureCookies: true, Appender: appender})
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
	return &env{t: t, srv: s, ts: ts, admin: a.admin}
}

// fromAddr returns an HTTP client whose connections come from ip (another
// loopback address), so a test can tell the client from the replica.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 30 * time.Second}
}

func getBody(t *testing.T, url string, hdr ...string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// TestTwoReplicasOneAppender runs two registries on loopback sharing one
// PostgreSQL schema: A appends to the log, B forwards to it. A product
// registered on A gets its label issued and revoked through B; both public
// pages show the same live status, both serve the same log and trust file,
// the bundle verifies against B's /log/, and A's audit log names the client,
// not replica B.
func TestTwoReplicasOneAppender(t *testing.T) {
	pg := regtest.PostgresSchema(t)
	a := newEnv(t, func(c *Config) { c.Database = pg })
	b := replicaOf(t, a, a.ts.URL)
	if !a.srv.Appends() || b.srv.Appends() {
		t.Fatalf("appends: A %v, B %v", a.srv.Appends(), b.srv.Appends())
	}
	_, tok := a.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := a.register(tok, example(t, "smart-plug"))

	// issue on B, from another loopback address than B's own
	req, _ := http.NewRequest("POST", b.ts.URL+"/api/v1/versions/"+c.Version.ID+"/label", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := fromAddr("127.0.0.2").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("issue on B: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Appender-Request-Id") == "" || len(resp.Header.Values("X-Request-Id")) != 1 {
		t.Fatalf("request ids: %v", resp.Header)
	}
	var issued IssuedLabel
	if err := json.Unmarshal(body, &issued); err != nil {
		t.Fatal(err)
	}
	id := issued.Label.ID
	audit, err := a.srv.Store().ListAudit(context.Background(), "", store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range audit {
		if strings.Contains(e.Action, "label") && e.Target == id {
			found = true
			if e.Remote != "127.0.0.2" {
				t.Errorf("audit of the forwarded issuance names %q, want the client 127.0.0.2", e.Remote)
			}
		}
	}
	if !found {
		t.Fatalf("no audit entry for label %s in %+v", id, audit)
	}

	public := func(e *env) *Public {
		var p Public
		if err := json.Unmarshal(getBody(t, e.ts.URL+"/p/"+id, "Accept", "application/json"), &p); err != nil {
			t.Fatal(err)
		}
		return &p
	}
	for _, e := range []*env{a, b} {
		if p := public(e); p.Label == nil || p.Label.Status != store.StatusValid {
			t.Fatalf("%s: public page %+v", e.ts.URL, p.Label)
		}
	}
	cpA, cpB := getBody(t, a.ts.URL+"/log/checkpoint"), getBody(t, b.ts.URL+"/log/checkpoint")
	if !bytes.Equal(cpA, cpB) {
		t.Fatalf("the replicas serve different checkpoints:\n%s\n%s", cpA, cpB)
	}
	trustB := getBody(t, b.ts.URL+"/trust.json")
	if !bytes.Equal(trustB, a.srv.Trust()) {
		t.Fatal("B's trust file is not A's")
	}
	verify := func() *label.Result {
		bundle, err := label.ParseBundle(getBody(t, b.ts.URL+"/p/"+id+"/bundle.json"), "bundle")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := keys.ParseTrust(trustB, "trust.json")
		if err != nil {
			t.Fatal(err)
		}
		lr, err := tlog.NewHTTPReader(b.ts.URL+"/log/", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := label.Verify(context.Background(), bundle, label.Policy{Trust: tr, Log: lr})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := verify(); !res.Valid || res.Status != label.StatusActive {
		t.Fatalf("verify against B's log: %+v", res)
	}

	// the page on B is cached; a revocation through B shows on both at once
	public(b)
	var revoked store.Label
	wantStatus(t, b.json("POST", "/api/v1/labels/"+id+"/revoke", tok, RevokeRequest{Reason: "CVE-2026-0001 unpatched"}, &revoked), 200)
	for _, e := range []*env{a, b} {
		if p := public(e); p.Label == nil || p.Label.Status != store.StatusRevoked || p.Label.Reason != "CVE-2026-0001 unpatched" {
			t.Fatalf("%s after the revocation: %+v", e.ts.URL, p.Label)
		}
	}
	if res := verify(); res.Valid || res.Status != label.StatusRevoked {
		t.Fatalf("verify after the revocation: valid %v status %s", res.Valid, res.Status)
	}
	if cpA, cpB := getBody(t, a.ts.URL+"/log/checkpoint"), getBody(t, b.ts.URL+"/log/checkpoint"); !bytes.Equal(cpA, cpB) {
		t.Fatal("checkpoints differ after the revocation")
	}
	// a member's dashboard form through B (a browser sends Origin): issue a
	// second label for the version, forwarded with the session cookie
	wb := newBrowser(b)
	wb.login("anna@voltic.example", "correct horse battery")
	_, page := wb.get("/dashboard/products/" + c.Product.ID)
	form := url.Values{"csrf": {csrfOf(t, page)}}
	req, _ = http.NewRequest("POST", b.ts.URL+"/dashboard/versions/"+c.Version.ID+"/label", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.ts.URL)
	resp, err = wb.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "Issued+label") {
		t.Fatalf("dashboard issue through B: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// a lab's test report through B: the appender signs its attestation
	labID, tokLab := a.org("Pacific Cyber Test Labs LLC", "lab", "read", "write")
	wantStatus(t, b.json("POST", "/api/v1/products/"+c.Product.ID+"/shares", tok, ShareRequest{Org: labID}, nil), 201)
	var rep AttachedReport
	wantStatus(t, b.json("POST", "/api/v1/versions/"+c.Version.ID+"/reports", tokLab, testReport(), &rep), 201)
	checkAttestation(t, a, rep)
	// B forwards authentication too: another manufacturer's token gets 404 through B
	_, tokOther := a.manufacturer("Other Corp", "bob@other.example")
	wantStatus(t, b.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokOther, nil, nil), 404)
	wantStatus(t, b.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", "", nil, nil), 401)
	n := 0
	if err := tlog.NewReader(a.srv.LogDir()).Entries(context.Background(), 0, 3, func(uint64, []byte) bool { n++; return true }); err != nil || n != 3 {
		t.Fatalf("A's log: %d entries, %v", n, err)
	}
}

// TestReplicaWithoutAppender checks what a forwarding replica answers when
// the appender is down (a 503 problem, nothing changed), and the
// configurations Open refuses.
func TestReplicaWithoutAppender(t *testing.T) {
	pg := regtest.PostgresSchema(t)
	a := newEnv(t, func(c *Config) { c.Database = pg })
	b := replicaOf(t, a, "http://127.0.0.1:1")
	_, tok := a.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := a.register(tok, example(t, "smart-plug"))
	var p Problem
	resp := b.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &p)
	wantStatus(t, resp, 503)
	if !strings.HasSuffix(p.Type, "/appender-unavailable") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("problem %+v", p)
	}
	if v, _ := a.srv.Store().Version(context.Background(), "", c.Version.ID); v.Label != nil {
		t.Fatal("a label was stored although the appender was down")
	}
	wantStatus(t, b.do("GET", "/log/checkpoint", "", nil, "", nil), 503)

	withKey := t.TempDir()
	os.WriteFile(filepath.Join(withKey, "session.key"), bytes.Repeat([]byte{1}, 32), 0o600)
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"SQLite", Config{Data: withKey, Appender: a.ts.URL}, "must share the appender's PostgreSQL database"},
		{"bad URL", Config{Data: withKey, Appender: "appender:8080", Database: pg}, "appender URL"},
		{"no session key", Config{Data: t.TempDir(), Appender: a.ts.URL, Database: pg}, "needs the log appender's session.key"},
		{"witnesses", Config{Data: withKey, Appender: a.ts.URL, Database: pg, Witnesses: []string{"http://w"}, WitnessTrust: "x"}, "witnesses are the log appender's"},
	} {
		if _, err := Open(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestForwardedClientHeader checks the appender takes the client address
// only from a header MAC'd with the shared session key, for this method
// and path, within a minute.
func TestForwardedClientHeader(t *testing.T) {
	e := newEnv(t)
	s := e.srv
	now := time.Now()
	good := func(ip, method, path string, at time.Time) string {
		return ip + ";" + strconv.FormatInt(at.Unix(), 10) + ";" + s.forwardMAC(ip, method, path, at.Unix())
	}
	for _, c := range []struct {
		name, header, want string
	}{
		{"valid", good("192.0.2.7", "POST", "/api/v1/labels/x/revoke", now), "192.0.2.7"},
		{"none", "", ""},
		{"other path", good("192.0.2.7", "POST", "/api/v1/labels/y/revoke", now), ""},
		{"other method", good("192.0.2.7", "GET", "/api/v1/labels/x/revoke", now), ""},
		{"stale", good("192.0.2.7", "POST", "/api/v1/labels/x/revoke", now.Add(-2*time.Minute)), ""},
		{"forged MAC", "192.0.2.7;" + strconv.FormatInt(now.Unix(), 10) + ";" + strings.Repeat("0", 64), ""},
		{"not an IP", "evil;1;2", ""},
	} {
		r := httptest.NewRequest("POST", "/api/v1/labels/x/revoke", nil)
		if c.header != "" {
			r.Header.Set(forwardHeader, c.header)
		}
		if got := s.forwardedClient(r, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		s.acceptForwarded(r)
		if r.Header.Get(forwardHeader) != "" {
			t.Errorf("%s: header kept", c.name)
		}
	}
}
