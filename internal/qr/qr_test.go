package qr

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; inspect and run go test ./internal/qr -update", name)
	}
}

var sample = Label{
	URL:          "https://registry.example.com/labels/3f5a0c9e2b7d4e11a0c6f1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c",
	ProductName:  "Acme SmartPlug Mini",
	Manufacturer: "Acme Devices GmbH",
	Model:        "SP-200",
	Verdicts: []Verdict{
		{"EU Cyber Resilience Act", "conforms"},
		{"US Cyber Trust Mark", "incomplete"},
		{"ETSI EN 303 645", "does-not-conform"},
	},
	SupportEnd: "2031-01-15",
	LabelID:    "3f5a0c9e2b7d4e11a0c6f1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c",
	LogIndex:   41,
}

func TestGolden(t *testing.T) {
	code, err := New(sample.URL)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "qr.svg", code.SVG(8))
	svg, err := sample.SVG()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "label.svg", svg)
	p, err := sample.PNG()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "label.png", p)
}

// TestPNGMatchesModules decodes the QR PNG and checks every module's pixel
// against the symbol matrix (no QR decoder library is available offline).
func TestPNGMatchesModules(t *testing.T) {
	code, err := New(sample.URL)
	if err != nil {
		t.Fatal(err)
	}
	const scale = 4
	data, err := code.PNG(scale)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != code.Modules()*scale {
		t.Fatalf("width %d, want %d", img.Bounds().Dx(), code.Modules()*scale)
	}
	for y := 0; y < code.Modules(); y++ {
		for x := 0; x < code.Modules(); x++ {
			r, _, _, _ := img.At(x*scale+scale/2, y*scale+scale/2).RGBA()
			if (r < 0x8000) != code.Dark(x, y) {
				t.Fatalf("module (%d,%d) pixel does not match", x, y)
			}
		}
	}
	// Quiet zone and finder pattern: the first 4 rows/columns are light, the
	// 7×7 finder starts at (4,4) dark.
	if code.Dark(0, 0) || !code.Dark(4, 4) || !code.Dark(10, 4) || code.Dark(5, 5) == code.Dark(6, 6) {
		t.Fatal("symbol lacks quiet zone or finder pattern")
	}
}

func TestLongTextIsCut(t *testing.T) {
	l := sample
	l.ProductName = "An extremely long product name that would never fit on the printed label at forty points"
	if _, err := l.PNG(); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeWithZbar decodes the QR code and the printable label with
// zbarimg (Debian package zbar-tools) when it is installed.
func TestDecodeWithZbar(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	code, err := New(sample.URL)
	if err != nil {
		t.Fatal(err)
	}
	qrPNG, err := code.PNG(6)
	if err != nil {
		t.Fatal(err)
	}
	labelPNG, err := sample.PNG()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"qr.png": qrPNG, "label.png": labelPNG} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "-q", "--raw", path).Output()
		if err != nil {
			t.Fatalf("%s: zbarimg: %v", name, err)
		}
		if got := strings.TrimSpace(string(out)); got != sample.URL {
			t.Fatalf("%s decodes to %q, want %q", name, got, sample.URL)
		}
	}
}
