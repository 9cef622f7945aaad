package client

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAnswersThatAreNotTheAPIs checks what the client makes of answers a
// registry (or a proxy in front of it) may send: a problem document, an
// HTML error page, JSON of another shape, an endless body, no server.
func TestAnswersThatAreNotTheAPIs(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/problem/api/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(422)
		w.Write([]byte(`{"type":"https://dualmark.dev/problems/invalid-upload","title":"The upload cannot be registered","status":422,"detail":"sbom: missing","field":"sbom","requestId":"abc"}`))
	})
	mux.HandleFunc("/proxy/api/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		w.Write([]byte("<html><body>Bad gateway</body></html>"))
	})
	mux.HandleFunc("/shape/api/v1/whoami", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`["not", "an", "object"]`)) })
	mux.HandleFunc("/huge/api/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for i := 0; i < maxAnswer>>20+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	for _, c := range []struct {
		base, want string
		status     int
		kind       string
	}{
		{"/problem", "registry answered 422 The upload cannot be registered: sbom: missing (field sbom) [request abc]", 422, "invalid-upload"},
		{"/proxy", "registry answered 502 Bad Gateway", 502, ""},
		{"/shape", "not the JSON expected", 0, ""},
		{"/huge", "larger than", 0, ""},
	} {
		cl, err := New(ts.URL+c.base, "dmr_x", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.WhoAmI(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) || StatusOf(err) != c.status {
			t.Errorf("%s: %v (status %d), want %q (status %d)", c.base, err, StatusOf(err), c.want, c.status)
		}
		if e, ok := err.(*Error); ok && e.Kind() != c.kind {
			t.Errorf("%s: kind %q, want %q", c.base, e.Kind(), c.kind)
		}
	}
	cl, _ := New("http://127.0.0.1:1", "", nil)
	if _, err := cl.Public(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("no server: %v", err)
	}
	for _, bad := range []string{"", "ftp://x", "http://", "registry.example"} {
		if _, err := New(bad, "", nil); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
