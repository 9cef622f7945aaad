package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// example loads an example product folder as an upload, with evidence
// keyed by base name as a browser sends it.
func example(t testing.TB, dir string) *Upload {
	t.Helper()
	up, err := FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byBase := map[string][]byte{}
	for k, v := range up.Evidence {
		byBase[filepath.Base(k)] = v
	}
	up.Evidence = byBase
	return up
}

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func TestProcessExamples(t *testing.T) {
	tests := []struct {
		dir      string
		verdicts string
	}{
		{"smart-plug", "cra=conforms,en303645=conforms,red-da=conforms,us-ctm=ready-for-testing"},
		{"home-router", "cra=conforms (readiness: does-not-conform),en303645=does-not-conform,red-da=does-not-conform,us-ctm=does-not-conform"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			r, err := Process(example(t, filepath.Join("..", "..", "..", "examples", tt.dir)), Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := Verdicts(r.Summary); got != tt.verdicts {
				t.Errorf("verdicts %s, want %s", got, tt.verdicts)
			}
			if len(r.SBOMDigest) != 64 || len(r.Assessment) == 0 {
				t.Errorf("digest %q, %d bytes of assessment", r.SBOMDigest, len(r.Assessment))
			}
			got, err := json.MarshalIndent(r.Record, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tt.dir+".record.json"), append(got, '\n'))
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	regtest.Golden(t, path, got, *update)
}

func TestProcessBadUploads(t *testing.T) {
	base := example(t, filepath.Join("..", "..", "..", "examples", "smart-plug"))
	tests := []struct {
		name  string
		edit  func(u *Upload)
		field string
		msg   string
	}{
		{"no dossier", func(u *Upload) { u.Dossier = nil }, "dossier", "missing"},
		{"not YAML", func(u *Upload) { u.Dossier = []byte("{{{{") }, "dossier", "dossier.yaml"},
		{"an SBOM as dossier", func(u *Upload) { u.Dossier, u.SBOM, u.Evidence = u.SBOM, nil, nil }, "dossier", "dossier.yaml"},
		{"no SBOM", func(u *Upload) { u.SBOM = nil }, "sbom", "sbom.cdx.json"},
		{"SBOM path escapes", func(u *Upload) {
			u.Dossier = bytes.Replace(u.Dossier, []byte("path: sbom.cdx.json"), []byte("path: ../../etc/passwd"), 1)
		}, "sbom", "leaves"},
		{"unknown evidence file", func(u *Upload) { u.Evidence["secret.txt"] = []byte("x") }, "evidence/secret.txt", "names no evidence"},
		{"SBOM is garbage", func(u *Upload) { u.SBOM = []byte("\x00\x01garbage") }, "dossier", "sbom"},
		{"evidence altered", func(u *Upload) { u.Evidence["cvd-policy.md"] = []byte("changed") }, "dossier", "evidence[5].sha256: digest does not match"},
		{"evidence missing", func(u *Upload) { delete(u.Evidence, "cvd-policy.md") }, "dossier", "evidence[5].path"},
		{"CBOM missing", func(u *Upload) { delete(u.Evidence, "cbom.cdx.json") }, "cbom", "cryptography.cbom.path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := clone(base)
			tt.edit(u)
			_, err := Process(u, Options{Now: now})
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *intake.Error", err, err)
			}
			if ie.Field != tt.field || !strings.Contains(strings.ToLower(ie.Error()), strings.ToLower(tt.msg)) {
				t.Errorf("error %q (field %s), want field %s mentioning %q", ie, ie.Field, tt.field, tt.msg)
			}
			if strings.Contains(ie.Error(), os.TempDir()) {
				t.Errorf("error leaks the server's temporary path: %s", ie)
			}
		})
	}
}

func clone(u *Upload) *Upload {
	c := &Upload{Dossier: u.Dossier, SBOM: u.SBOM, Evidence: map[string][]byte{}}
	for k, v := range u.Evidence {
		c.Evidence[k] = v
	}
	return c
}

func TestSummaryRoundTrip(t *testing.T) {
	r, err := Process(example(t, filepath.Join("..", "..", "..", "examples", "smart-plug")), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	data, err := SummaryJSON(r.Summary)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSummary(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Product.Digest() != r.Summary.Product.Digest() || back.SupportPeriodEnd != r.Summary.SupportPeriodEnd || Verdicts(back) != Verdicts(r.Summary) {
		t.Fatalf("round trip changed the summary: %+v", back)
	}
	if _, err := ParseSummary([]byte("{")); err == nil {
		t.Fatal("bad summary accepted")
	}
}

// FuzzProcess feeds arbitrary dossiers (with the smart plug's SBOM and
// evidence) to the intake: an *Error or a result, never a panic, never a file
// outside the work folder.
func FuzzProcess(f *testing.F) {
	for _, dir := range []string{"smart-plug", "home-router", "security-camera"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", dir, "dossier.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("sbom:\n  path: ../../x\n"))
	up := example(f, filepath.Join("..", "..", "..", "examples", "smart-plug"))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, dossierYAML []byte) {
		u := clone(up)
		u.Dossier = dossierYAML
		_, err := Process(u, Options{Now: now, TempDir: tmp})
		if err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("not an upload error: %v", err)
			}
		}
		left, _ := os.ReadDir(tmp)
		if len(left) != 0 {
			t.Fatalf("the work folder was not removed: %v", left)
		}
	})
}
