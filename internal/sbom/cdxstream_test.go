package sbom

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/testdata"
)

// streamCase reads path both ways, streamed (ParseFile with every file
// streamed) and whole (Parse of its bytes), and fails unless the documents,
// or the errors, are the same. It reports whether the file was streamed.
func streamCase(t *testing.T, path string, opts Options) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole, werr := Parse(bytes.NewReader(data), path, opts)
	got, gerr := ParseFile(path, opts)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Errorf("%s: streamed error %v, whole %v", path, gerr, werr)
		return false
	}
	if werr == nil && !reflect.DeepEqual(got, whole) {
		t.Errorf("%s: the streamed document differs from the whole one", path)
		for i := range min(len(got.Components), len(whole.Components)) {
			if !reflect.DeepEqual(got.Components[i], whole.Components[i]) {
				t.Logf("first difference, component %d:\n%+v\n%+v", i, got.Components[i], whole.Components[i])
				break
			}
		}
		t.Logf("components %d/%d, dependencies %d/%d, warnings %d/%d", len(got.Components), len(whole.Components),
			len(got.Dependencies), len(whole.Dependencies), len(got.Warnings), len(whole.Warnings))
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, serr := parseCycloneDXJSONStream(f, int64(len(data)), opts.maxDepth())
	return serr == nil
}

func streamAll(t *testing.T, window int) {
	t.Helper()
	m, w := streamMinBytes, streamWindow
	t.Cleanup(func() { streamMinBytes, streamWindow = m, w })
	streamMinBytes, streamWindow = 0, window
}

// TestStreamMatchesWhole reads every CycloneDX JSON file of the shared
// data, streamed and whole, in 1 MB windows and in windows of 7 bytes (so
// that keys, strings, escapes and numbers span two windows; the files up to
// 256 KB, as a read per 7 bytes is slow): documents and errors must be the
// same.
func TestStreamMatchesWhole(t *testing.T) {
	var files []string
	filepath.WalkDir(testdata.Path(t, "sbom"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".json") {
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(`"bomFormat"`)) {
				files = append(files, p)
			}
		}
		return nil
	})
	files = append(files, testdata.Path(t, "bench/synth-1000.cdx.json"))
	for _, c := range []struct {
		name   string
		window int
		min    int   // files that must have been streamed
		upTo   int64 // the largest file read
	}{{"1MB", 1 << 20, 500, 1 << 40}, {"7B", 7, 400, 256 << 10}} {
		t.Run(c.name, func(t *testing.T) {
			streamAll(t, c.window)
			streamed := 0
			for _, p := range files {
				if st, err := os.Stat(p); err != nil || st.Size() > c.upTo {
					continue
				}
				if streamCase(t, p, Options{}) {
					streamed++
				}
			}
			t.Logf("%d of %d CycloneDX JSON files streamed", streamed, len(files))
			if streamed < c.min {
				t.Errorf("only %d of %d files streamed, want %d", streamed, len(files), c.min)
			}
		})
	}
}

// TestStreamShapes covers what the corpus may lack: members in any order,
// nested and null components, null and repeated members, escapes, white
// space, errors left to the whole reader, and the depth limit.
func TestStreamShapes(t *testing.T) {
	comp := `{"type":"library","bom-ref":"a","name":"a\"b","version":"1","purl":"pkg:npm/a@1","scope":"weird"}`
	for _, c := range []struct {
		name, doc string
		opts      Options
		streamed  bool
	}{
		{"metadata last", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + comp + `],"dependencies":[{"ref":"a","dependsOn":["r"]}],"metadata":{"component":{"bom-ref":"r","name":"fw"}}}`, Options{}, true},
		{"nested", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"p","bom-ref":"p","components":[` + comp + `,null,{"name":"q","components":[{"name":"r"}]}]},null]}`, Options{}, true},
		{"white space", " \n{ \"bomFormat\" : \"CycloneDX\" ,\r\n\t\"specVersion\":\"1.4\", \"components\" : [ " + comp + " , " + comp + " ] , \"dependencies\" : null }\n ", Options{}, true},
		{"empty arrays", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[],"dependencies":[]}`, Options{}, true},
		{"repeated", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"x"}],"dependencies":[{"ref":"x"}],"components":[` + comp + `],"dependencies":null}`, Options{}, true},
		{"numbers and others", `{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"x":[1,2.5e3,true,null,{"a":[]}],"components":[` + comp + `]}`, Options{}, true},
		{"escaped key", `{"bomFormat":"CycloneDX","specVersion":"1.4","comp\u006fnents":[` + comp + `]}`, Options{}, false},
		{"components not an array", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":{}}`, Options{}, false},
		{"a component not an object", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[1]}`, Options{}, false},
		{"missing comma", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[` + comp + comp + `]}`, Options{}, false},
		{"truncated", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[` + comp, Options{}, false},
		{"trailing bytes", `{"bomFormat":"CycloneDX","specVersion":"1.4"} x`, Options{}, false},
		{"bad format", `{"bomFormat":"SPDX","specVersion":"1.4"}`, Options{}, false},
		{"dependency ref a number", `{"bomFormat":"CycloneDX","specVersion":"1.4","dependencies":[{"ref":1}]}`, Options{}, false},
		{"too deep", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"a","components":[{"name":"b"}]}]}`, Options{MaxDepth: 4}, false},
		{"deep enough", `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"a","components":[{"name":"b"}]}]}`, Options{MaxDepth: 5}, true},
		{"SPDX marker first", `{"spdxVersion":"x","bomFormat":"CycloneDX","specVersion":"1.4"}`, Options{}, false},
	} {
		for _, window := range []int{1 << 20, 1, 5} {
			t.Run(c.name, func(t *testing.T) {
				streamAll(t, window)
				p := filepath.Join(t.TempDir(), "bom.json")
				if err := os.WriteFile(p, []byte(c.doc), 0o600); err != nil {
					t.Fatal(err)
				}
				if got := streamCase(t, p, c.opts); got != c.streamed {
					t.Errorf("window %d: streamed %v, want %v", window, got, c.streamed)
				}
			})
		}
	}
}

// changingReader serves before until the reader, having read to the end,
// goes back in the file (the streamed reader's second pass), then after: a
// file changed between the two passes.
type changingReader struct {
	before, after []byte
	far           int64
	changed       bool
}

func (r *changingReader) ReadAt(p []byte, off int64) (int, error) {
	if off < r.far && r.far >= int64(len(r.before)) {
		r.changed = true
	}
	r.far = max(r.far, off+int64(len(p)))
	src := r.before
	if r.changed {
		src = r.after
	}
	if off >= int64(len(src)) {
		return 0, io.EOF
	}
	n := copy(p, src[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestStreamFileChangedBetweenPasses: a file changed between the streamed
// reader's passes (a component's version, a dependency's ref, bytes that
// break the JSON) is left to the whole reader, which reads one snapshot,
// instead of a document made of bytes the first pass never validated.
func TestStreamFileChangedBetweenPasses(t *testing.T) {
	streamAll(t, 4096) // small windows: the second pass reads the file again
	data, err := os.ReadFile(testdata.Path(t, "bench/synth-1000.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	change := func(old, new string) []byte {
		i := bytes.LastIndex(data, []byte(old))
		if i < 0 || len(old) != len(new) {
			t.Fatalf("no %q to change", old)
		}
		return append(append(append([]byte(nil), data[:i]...), new...), data[i+len(old):]...)
	}
	for _, c := range []struct {
		name  string
		after []byte
	}{
		{"unchanged", data},
		{"a version", change(`"version": "1.0.0"`, `"version": "9.0.0"`)},
		{"a dependency ref", change(`"ref": "c999"`, `"ref": "c998"`)},
		{"broken JSON", change(`},`, `}}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &changingReader{before: data, after: c.after}
			doc, err := parseCycloneDXJSONStream(r, int64(len(data)), -1)
			if !r.changed {
				t.Fatal("the second pass did not read the file again")
			}
			if c.name == "unchanged" {
				if err != nil || len(doc.Components) == 0 {
					t.Fatalf("unchanged file: %v", err)
				}
				return
			}
			if err != errNoStream {
				t.Fatalf("changed between the passes: got %v, want errNoStream", err)
			}
		})
	}
}
