package advisory

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// osvSchema compiles the OSV JSON schema of the staged osv-schema checkout.
func osvSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(testdata.Path(t, "advisories/osv-schema/schema.json"))
	if err != nil {
		t.Fatalf("compile OSV schema: %v", err)
	}
	return sch
}

// schemaValid validates a JSON document against the OSV schema.
func schemaValid(t *testing.T, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// stagedSamples returns up to perFile JSON documents from every staged OSV
// feed: the samples (YAML converted) and the first lines of each JSON lines
// file, keyed by "file:line".
func stagedSamples(t *testing.T, perFile int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, rel := range []string{"advisories/osv", "advisories/osv-derived", "advisories/osv-dev-testdata"} {
		root := testdata.Path(t, rel)
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch {
			case strings.HasSuffix(p, ".jsonl.gz"):
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				zr, err := gzip.NewReader(f)
				if err != nil {
					return err
				}
				sc := bufio.NewScanner(zr)
				sc.Buffer(nil, 64<<20)
				for n := 1; n <= perFile && sc.Scan(); n++ {
					out[p+":"+itoa(n)] = append([]byte(nil), sc.Bytes()...)
				}
			case strings.HasSuffix(p, ".json"):
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				out[p] = data
			case strings.HasSuffix(p, ".yaml"):
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				js, err := yamlToJSON(data)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					return nil
				}
				out[p] = js
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func itoa(n int) string { return jsonNumber(n) }

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }

// importOne runs one JSON document through the importer.
func importOne(data []byte, name string) (*Importer, *Record) {
	im := NewImporter()
	im.addJSONRecord(data, name, 0)
	for _, p := range im.recs {
		r, _ := decodeRecord(p.enc)
		return im, r
	}
	return im, nil
}

// TestStagedRecordsAgainstSchema checks the importer against the OSV
// schema on real records: it never rejects a schema-valid record, and a
// record it keeps still validates after the trip through the database
// encoding and back to JSON.
func TestStagedRecordsAgainstSchema(t *testing.T) {
	sch := osvSchema(t)
	docs := stagedSamples(t, 150)
	valid, invalid, kept := 0, 0, 0
	for name, doc := range docs {
		schemaErr := schemaValid(t, sch, doc)
		im, rec := importOne(doc, name)
		if schemaErr == nil {
			valid++
			if rec == nil {
				t.Errorf("%s: schema-valid record rejected: %v", name, im.Issues)
				continue
			}
			back, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaValid(t, sch, back); err != nil {
				t.Errorf("%s: record no longer schema-valid after the database round trip: %v", name, err)
			}
		} else {
			invalid++
			if rec != nil {
				kept++
			}
		}
	}
	t.Logf("%d documents: %d schema-valid, %d schema-invalid (%d of those kept: schema rules matching does not need)", len(docs), valid, invalid, kept)
	if valid < 1000 {
		t.Errorf("only %d schema-valid documents checked; staged data missing?", valid)
	}
}

// TestLinterRecords pins the importer's verdict on the osv-schema linter
// test records, including the deliberately broken variants.
func TestLinterRecords(t *testing.T) {
	sch := osvSchema(t)
	tests := []struct {
		file   string
		keep   bool
		reason string // substring of the issue when skipped
	}{
		{"CVE-2018-5407.json", true, ""},
		{"CVE-2023-41045.json", true, ""},
		{"GHSA-9v2f-6vcg-3hgv.json", true, ""},
		{"GO-2020-0001.json", true, ""},
		{"GO-2024-2963.json", true, ""},
		{"MAL-2024-10238.json", true, ""},
		{"PYSEC-2023-74.json", true, ""},
		{"RHSA-2022_0216.json", true, ""},
		{"SUSE-FU-2022_0444-1.json", true, ""},
		{"nointroduced-CVE-2023-41045.json", false, "no introduced event"},
		{"nondistinct-CVE-2018-5407.json", true, ""},
		{"nopackage-GHSA-9v2f-6vcg-3hgv.json", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := testdata.Path(t, "advisories/osv-schema/linter-testdata/"+tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			im, rec := importOne(data, path)
			if (rec != nil) != tt.keep {
				t.Fatalf("kept = %v, want %v (issues %v)", rec != nil, tt.keep, im.Issues)
			}
			if !tt.keep {
				if len(im.Issues) != 1 || !strings.Contains(im.Issues[0].Reason, tt.reason) || im.Issues[0].ID == "" || im.Issues[0].File != path {
					t.Errorf("issue = %+v, want file, id and a reason containing %q", im.Issues, tt.reason)
				}
				if schemaValid(t, sch, data) == nil {
					t.Errorf("the importer rejects a record the OSV schema accepts")
				}
			}
		})
	}
}
