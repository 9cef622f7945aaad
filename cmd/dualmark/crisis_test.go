package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestCrisisCommand: a portfolio seeded from the home router (whose kernel
// CVE-2024-1086 affects), re-matched offline with 'serve rematch', answers
// 'dualmark crisis CVE-2024-1086' with every seeded version and the
// kernel's dependency path, in every format.
func TestCrisisCommand(t *testing.T) {
	dir := t.TempDir()
	// the record alone, read up to its line (stagedCVEs), not the whole file
	recPath := filepath.Join(stagedCVEs(t, "CVE-2024-1086"), "CVE-2024-1086.json")
	dbDir := filepath.Join(dir, "db")
	im := advisory.NewImporter()
	for _, p := range []string{recPath, testdata.Path(t, "kev/known_exploited_vulnerabilities.json")} {
		if err := im.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Write(dbDir); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "reg")
	steps := []struct {
		args []string
		want int
	}{
		{[]string{"serve", "seed", "--data", data, "--count", "4", "--example", "../../examples/home-router", "--advisories", dbDir}, 0},
		{[]string{"serve", "rematch", "--data", data}, 2},
		{[]string{"serve", "rematch", "--data", data, "--advisories", dbDir}, 0},
		{[]string{"serve", "rematch", "--data", data, "--advisories", dbDir, "--all", "--json"}, 0},
		{[]string{"serve", "--data", data, "--update-every", "1h"}, 2},
		{[]string{"crisis", "CVE-2024-1086"}, 2},
		{[]string{"crisis", "CVE-2024-1086", "--server", "http://127.0.0.1:1", "--token", "dmr_x", "--format", "pdf"}, 2},
	}
	for _, s := range steps {
		if got := run(s.args); got != s.want {
			t.Fatalf("dualmark %s = exit %d, want %d", strings.Join(s.args, " "), got, s.want)
		}
	}
	s, err := registry.Open(context.Background(), registry.Config{Data: data, AdvisoryDB: dbDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	admin, err := s.InitAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for _, format := range monitor.Formats {
		out := filepath.Join(dir, "crisis."+format)
		if got := run([]string{"crisis", "CVE-2024-1086", "--server", ts.URL, "--token", admin, "--format", format, "--out", out}); got != 0 {
			t.Fatalf("crisis --format %s: exit %d", format, got)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("linux-kernel")) || !bytes.Contains(b, []byte("kestrel-ax3000-firmware")) {
			t.Errorf("%s output lacks the kernel's path:\n%s", format, b)
		}
		if format == monitor.FormatJSON {
			var a monitor.Affected
			if err := json.Unmarshal(b, &a); err != nil || len(a.Versions) != 4 {
				t.Errorf("JSON: %d versions, %v", len(a.Versions), err)
			}
		}
	}
	if got := run([]string{"crisis", "CVE-2024-1086", "--server", ts.URL, "--token", "dmr_" + strings.Repeat("a", 43)}); got != 2 {
		t.Errorf("an unknown token: exit %d, want 2", got)
	}
	// the query form: every seeded version has the KEV-listed kernel CVE;
	// none is critical (Annex IV)
	for _, q := range []struct {
		query, format string
		versions      int
	}{{"kev=true", monitor.FormatJSON, 4}, {"kev=true&class=annex-iv", monitor.FormatJSON, 0}, {"kev=true&severity=high", monitor.FormatHTML, 4}, {"kev", monitor.FormatTable, 4}} {
		out := filepath.Join(dir, "query."+q.format)
		if got := run([]string{"crisis", "--query", q.query, "--server", ts.URL, "--token", admin, "--format", q.format, "--out", out}); got != 0 {
			t.Fatalf("crisis --query %s: exit %d", q.query, got)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		switch q.format {
		case monitor.FormatJSON:
			var sit monitor.Situation
			if err := json.Unmarshal(b, &sit); err != nil || len(sit.List) != q.versions || sit.Filter == nil || !sit.Filter.KEV {
				t.Errorf("--query %s: %d versions (want %d), filter %+v, %v", q.query, len(sit.List), q.versions, sit.Filter, err)
			}
		default:
			if !bytes.Contains(b, []byte("CVE-2024-1086")) || !bytes.Contains(b, []byte("open findings (KEV-listed")) {
				t.Errorf("--query %s --format %s lacks the query or the CVE:\n%.2000s", q.query, q.format, b)
			}
		}
	}
	for _, args := range [][]string{
		{"crisis", "--query", "vendor=x"},
		{"crisis", "CVE-2024-1086", "--query", "kev=true"},
		{"crisis", "--query", "kev=true", "--resolved"},
		{"crisis"},
	} {
		if got := run(append(args, "--server", ts.URL, "--token", admin)); got != 2 {
			t.Errorf("dualmark %s: exit %d, want 2", strings.Join(args, " "), got)
		}
	}
}
