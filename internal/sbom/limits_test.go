package sbom

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/sbomtest"
	"github.com/dualmark/dualmark/internal/testdata"
)

const cdxHead = `{"bomFormat":"CycloneDX","specVersion":"1.6",`

// nestedCDX is a CycloneDX JSON document with components nested n deep.
func nestedCDX(n int) []byte {
	var b bytes.Buffer
	b.WriteString(cdxHead + `"components":`)
	for i := range n {
		fmt.Fprintf(&b, `[{"type":"library","name":"c%d","components":`, i)
	}
	b.WriteString("[]")
	b.WriteString(strings.Repeat("}]", n))
	b.WriteString("}")
	return b.Bytes()
}

// nestedXML is the same in CycloneDX XML.
func nestedXML(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>`)
	for i := range n {
		fmt.Fprintf(&b, `<component type="library"><name a="x/>y">c%d</name><!-- <x> --><components>`, i)
	}
	b.WriteString(strings.Repeat("</components></component>", n))
	b.WriteString("</components></bom>")
	return b.Bytes()
}

// cycleCDX is a CycloneDX JSON document whose n components form one
// dependency cycle of n edges.
func cycleCDX(n int) []byte {
	var b bytes.Buffer
	b.WriteString(cdxHead + `"components":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"library","bom-ref":"c%d","name":"c%d","version":"1"}`, i, i)
	}
	b.WriteString(`],"dependencies":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"ref":"c%d","dependsOn":["c%d"]}`, i, (i+1)%n)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestWorkLimits: every work limit refuses what exceeds it with an error
// naming the limit and the place, and accepts what stays within it; each
// ends quickly (the deep and cyclic cases ran past 2 minutes before).
func TestWorkLimits(t *testing.T) {
	long := strings.Repeat("a", 2<<20)
	cases := []struct {
		name    string
		input   []byte
		opts    Options
		errWant []string // fragments of the error; nil = must parse
	}{
		{"100,000 nested components", nestedCDX(100_000), Options{}, []string{"line 1, column", "nesting depth exceeds 256", "--max-depth"}},
		{"nesting within the limit", nestedCDX(100), Options{}, nil},
		{"nesting over a lowered limit", nestedCDX(10), Options{MaxDepth: 8}, []string{"nesting depth exceeds 8"}},
		{"no depth limit", nestedCDX(200), Options{MaxDepth: -1}, nil},
		{"100,000 nested XML components", nestedXML(100_000), Options{}, []string{"nesting depth exceeds 256"}},
		{"nested XML within the limit", nestedXML(100), Options{}, nil},
		{"2 MiB name", []byte(cdxHead + `"components":[{"type":"library","name":"` + long + `"}]}`), Options{},
			[]string{"/components/0", "name is 2097152 bytes long", "--max-string"}},
		{"2 MiB purl", []byte(cdxHead + `"components":[{"type":"library","name":"a","purl":"pkg:npm/` + long + `@1"}]}`), Options{},
			[]string{"/components/0", "purl", "--max-string"}},
		{"2 MiB dependency ref", []byte(cdxHead + `"components":[{"bom-ref":"a","name":"a"}],"dependencies":[{"ref":"a","dependsOn":["` + long + `"]}]}`), Options{},
			[]string{"/dependencies/0", "--max-string"}},
		{"2 MiB tag-value name", []byte("SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: " + long + "\nSPDXID: SPDXRef-a\n"), Options{},
			[]string{"name is 2097152 bytes", "--max-string"}},
		{"long string allowed by a raised limit", []byte(cdxHead + `"components":[{"type":"library","name":"` + long + `"}]}`), Options{MaxStringBytes: 4 << 20}, nil},
		{"200,000-edge cycle", cycleCDX(200_000), Options{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			doc, err := Parse(bytes.NewReader(c.input), "in", c.opts)
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			if c.errWant == nil {
				if err != nil {
					t.Fatalf("want a document, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parsed (%d components), want an error", len(doc.Components))
			}
			if !errors.Is(err, ErrLimit) {
				t.Errorf("error %q does not wrap ErrLimit", err)
			}
			for _, w := range append(c.errWant, "in: ") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestCycleMessage: a long cycle is named by its ends, in a short message.
func TestCycleMessage(t *testing.T) {
	doc, err := Parse(bytes.NewReader(cycleCDX(200_000)), "in", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	for _, w := range doc.Warnings {
		if strings.HasPrefix(w.Message, "dependency cycle: ") {
			msg = w.Message
		}
	}
	want := "dependency cycle: c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> c8 -> c9 -> ... (199980 more) ... -> c199990"
	if !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "c199999 -> c0") || len(msg) > 400 {
		t.Errorf("cycle warning %q, want %q ... c199999 -> c0", msg, want)
	}
	short, _ := Parse(bytes.NewReader(cycleCDX(3)), "in", Options{})
	if got := short.Warnings[0].Message; got != "dependency cycle: c0 -> c1 -> c2 -> c0" {
		t.Errorf("short cycle: %q", got)
	}
}

// TestSizeCheckedFirst: a file over the size limit is refused from its
// size, before its bytes are held: a sparse file of 2 GiB costs nothing.
// Streams and gzip are cut off at the limit by a reader that errors.
func TestSizeCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	sparse := filepath.Join(dir, "sparse.json")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(cdxHead)
	if err := f.Truncate(2 << 30); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(cdxHead + `"components":[`))
	zero := make([]byte, 1<<20)
	for range 64 { // 64 MiB of NULs inflate from about 64 kB
		zw.Write(zero)
	}
	zw.Close()
	bomb := filepath.Join(dir, "bomb.json.gz")
	if err := os.WriteFile(bomb, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		parse func() error
		want  string
	}{
		{"sparse 2 GiB file", func() error { _, err := ParseFile(sparse, Options{}); return err }, "the file has 2147483648"},
		{"gzip bomb file, 1 MiB limit", func() error { _, err := ParseFile(bomb, Options{MaxBytes: 1 << 20}); return err }, "of 1048576 bytes"},
		{"stream over the limit", func() error {
			_, err := Parse(bytes.NewReader(make([]byte, 3<<20)), "stdin", Options{MaxBytes: 1 << 20})
			return err
		}, "stdin: SBOM exceeds the size limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stop := sbomtest.SampleHeap()
			err := c.parse()
			grew := stop()
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrTooLarge with %q", err, c.want)
			}
			if grew > 16<<20 {
				t.Errorf("the refusal cost %d MB of heap", grew>>20)
			}
		})
	}
	// exactly at the limit is fine
	doc := []byte(cdxHead + `"components":[]}`)
	if _, err := Parse(bytes.NewReader(doc), "in", Options{MaxBytes: int64(len(doc))}); err != nil {
		t.Errorf("document of exactly the limit: %v", err)
	}
}

// TestNotARegularFile: a FIFO (which would block the open until a writer
// comes) and a device are refused with a clear error, at once.
func TestNotARegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "sbom.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "named pipe (FIFO)"},
		{"/dev/zero", "is a device"},
		{t.TempDir(), "is a directory"},
	} {
		done := make(chan error, 1)
		go func() { _, err := ParseFile(c.path, Options{}); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.path, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ParseFile blocks", c.path)
		}
	}
}

// jsonTooDeepLoop is the byte loop jsonTooDeep replaced, the reference it
// must agree with.
func jsonTooDeepLoop(data []byte, limit int) int {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > limit {
				return i
			}
		case '}', ']':
			depth--
		}
	}
	return -1
}

// TestJSONTooDeepAgrees compares jsonTooDeep with the byte loop on escapes
// and runs of backslashes before quotes, unterminated strings, and the
// CycloneDX JSON files of the shared data at several limits.
func TestJSONTooDeepAgrees(t *testing.T) {
	docs := []string{
		`{"a":"\"[[[","b":[[[1]]]}`, `{"a":"\\","b":[[[1]]]}`, `{"a":"\\\"[[","b":[[1]]}`, `{"a":"\\\\"}[[[[`,
		`["unterminated [[[`, `["x\`, `[[["\\\\\"]]]"]]]]`, `"`, ``, `[[[[[[`,
	}
	files, _ := filepath.Glob(filepath.Join(testdata.Path(t, "sbom/cyclonedx-bom-examples/SBOM"), "*", "bom.json"))
	if len(files) < 3 {
		t.Fatalf("only %d example SBOMs", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for i, d := range docs {
		for _, limit := range []int{0, 1, 2, 3, 5, 8, 256} {
			if got, want := jsonTooDeep([]byte(d), limit), jsonTooDeepLoop([]byte(d), limit); got != want {
				t.Errorf("document %d, limit %d: %d, want %d", i, limit, got, want)
			}
		}
	}
}
