//go:build unix

package registry

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/registry/store"
)

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCSAFProviderFile measures, in CPU time (user + system, the
// machine being shared), what one request for a file of a manufacturer's
// provider directory costs the registry's handler (SQLite): served from
// the built site (the store asked for the documents' sums only), and the
// first request after a change, which rebuilds the site (documents
// checked against the schema and the mandatory tests, signed, feeds and
// sums made). One organisation with one document: the security camera's
// CSAF VEX (internal/csaf's golden file, 23 vulnerabilities, 21 kB).
//
//	go test ./internal/registry/ -run '^$' -bench CSAFProviderFile -benchtime 2000x
func BenchmarkCSAFProviderFile(b *testing.B) {
	srv, err := Open(b.Context(), Config{Data: b.TempDir(), BaseURL: "https://registry.example", Passwords: &cheap})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close(context.Background())
	org := &store.Org{Name: "Lumora Vision", Kind: store.KindManufacturer}
	if err := srv.store.CreateOrg(b.Context(), store.Actor{UserID: "bench"}, org); err != nil {
		b.Fatal(err)
	}
	orgA := org.ID
	// the security camera's CSAF VEX (internal/csaf's golden file) as the organisation's document
	data, err := os.ReadFile(filepath.Join("..", "csaf", "testdata", "security-camera.csaf-vex.json"))
	if err != nil {
		b.Fatal(err)
	}
	var a csaf.Advisory
	if err := json.Unmarshal(data, &a); err != nil {
		b.Fatal(err)
	}
	a.Document.Publisher = srv.csafPublisher(org)
	data, _ = json.MarshalIndent(&a, "", "  ")
	at, _ := time.Parse(time.RFC3339, a.Document.Tracking.InitialReleaseDate)
	d := &store.CSAFDocument{OrgID: orgA, TrackingID: a.Document.Tracking.ID, TLP: "WHITE", Source: store.CSAFFromVersion, SourceID: "bench",
		Title: a.Document.Title, Initial: at, Current: at, Revision: 1, Content: data}
	if err := srv.cases().PutCSAFDocument(b.Context(), store.Actor{OrgID: orgA, UserID: "bench"}, d); err != nil {
		b.Fatal(err)
	}
	e := struct{ srv *Server }{srv}
	h := e.srv.Handler()
	req := func(path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	pmd := "/.well-known/csaf/" + orgA + "/provider-metadata.json"
	// the build: drop the cached site before each of a few requests
	const builds = 5
	c0 := processCPU()
	for i := 0; i < builds; i++ {
		ks := e.srv.csafKeys()
		ks.mu.Lock()
		delete(ks.sites, orgA)
		ks.mu.Unlock()
		req(pmd)
	}
	build := (processCPU() - c0) / builds
	req(pmd)
	n := max(b.N, 500)
	b.ResetTimer()
	c0 = processCPU()
	for i := 0; i < n; i++ {
		req(pmd)
	}
	serve := (processCPU() - c0) / time.Duration(n)
	b.StopTimer()
	b.ReportMetric(float64(serve.Microseconds()), "serve-cpu-us")
	b.ReportMetric(float64(build.Milliseconds()), "build-cpu-ms")
	b.Logf("provider-metadata.json: %s CPU per request from the built site, %s CPU for a rebuild (%d requests)", serve, build, n)
	if serve > 5*time.Millisecond {
		b.Errorf("serving a provider file takes %s CPU, want <= 5 ms", serve)
	}
	if build > 3*time.Second {
		b.Errorf("rebuilding the provider directory takes %s CPU, want <= 3 s", build)
	}
}
