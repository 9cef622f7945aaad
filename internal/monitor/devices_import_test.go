package monitor

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/testdata"
)

// TestImportCSAFWarningsCorpus: the 2,383 real CISA ICS advisories as JSON
// lines, checked, are all stored, and the optional tests (6.2) they fail
// are warnings naming file:line, test id and pointer, counted by test: the
// counts the optional tests gave on the corpus (docs/CSAF.md), among them
// 2,291 documents without identification helpers (6.2.16) and 1,784 with
// ranges that are not vers (6.2.18). With MaxWarnings the list is cut, the
// counts are not; without schemas no optional test runs.
func TestImportCSAFWarningsCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,383 documents")
	}
	schemas := csaf.NewSchemas("")
	if _, err := schemas.Get(csaf.CSAFSchemaURL); err != nil {
		t.Skipf("no CSAF schemas: %v", err)
	}
	src := testdata.Path(t, "csaf/cisa-ics-csaf/cisa-csaf-all.jsonl.gz")
	want := map[string]int{"6.2.1": 1, "6.2.3": 2, "6.2.5": 1, "6.2.8": 1, "6.2.12": 4, "6.2.16": 2291, "6.2.18": 1784}
	for _, c := range []struct {
		name    string
		opts    CSAFOptions
		listed  int // -1: all
		checked bool
	}{
		{"all listed", CSAFOptions{Schemas: schemas}, -1, true},
		{"at most 100 listed", CSAFOptions{Schemas: schemas, MaxWarnings: 100}, 100, true},
		{"unchecked", CSAFOptions{}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, m, _ := csafStore(t, "2.0.9")
			res, err := m.ImportCSAF(context.Background(), nil, c.opts, src)
			if err != nil {
				t.Fatal(err)
			}
			if res.Documents != 2383 || res.Skipped != 0 {
				t.Fatalf("%d documents, %d skipped (%.3v)", res.Documents, res.Skipped, res.Issues)
			}
			if !c.checked {
				if res.WarningCount != 0 || len(res.Warnings) != 0 || res.WarnedDocuments != 0 {
					t.Fatalf("unchecked import warns: %d", res.WarningCount)
				}
				return
			}
			if !maps.Equal(res.WarningTests, want) {
				t.Errorf("documents by optional test %v, want %v", res.WarningTests, want)
			}
			listed := c.listed
			if listed < 0 {
				listed = res.WarningCount
			}
			if len(res.Warnings) != listed || res.WarnedDocuments < want["6.2.16"] || res.WarnedDocuments > res.Documents {
				t.Errorf("%d warnings listed of %d, %d documents warned", len(res.Warnings), res.WarningCount, res.WarnedDocuments)
			}
			docs := map[string]bool{}
			for _, w := range res.Warnings {
				if !strings.HasPrefix(w.Document, src+":") || !strings.HasPrefix(w.Test, "6.2.") || w.Pointer == "" && w.Test != "6.2.13" || w.Message == "" {
					t.Fatalf("warning %+v", w)
				}
				docs[w.Document] = true
			}
			if c.listed < 0 && len(docs) != res.WarnedDocuments {
				t.Errorf("%d documents in the list, %d counted", len(docs), res.WarnedDocuments)
			}
			t.Logf("%d warnings in %d documents: %v", res.WarningCount, res.WarnedDocuments, res.WarningTests)
		})
	}
}
