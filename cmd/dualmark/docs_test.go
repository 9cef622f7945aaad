package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/dossier"
)

func TestDocsCommand(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"smart plug", []string{"docs", "../../examples/smart-plug", "--out", filepath.Join(out, "plug")}, 0},
		{"smart plug strict", []string{"docs", "../../examples/smart-plug", "--out", filepath.Join(out, "plug2"), "--strict"}, 0},
		{"router: its CTA-2120 data is only a draft", []string{"docs", "../../examples/home-router", "--out", filepath.Join(out, "router")}, 1},
		{"router strict", []string{"docs", "../../examples/home-router", "--out", filepath.Join(out, "router2"), "--strict"}, 1},
		{"json", []string{"docs", "../../examples/security-camera", "--out", filepath.Join(out, "cam"), "--json"}, 1},
		{"bad --on", []string{"docs", "../../examples/smart-plug", "--out", filepath.Join(out, "plug3"), "--on", "tomorrow"}, 2},
		{"missing dossier", []string{"docs", filepath.Join(out, "nowhere"), "--out", filepath.Join(out, "x")}, 2},
		{"no argument", []string{"docs"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.args); got != tt.want {
				t.Errorf("run(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "plug", "eu-declaration-of-conformity.html")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "router", "user-information.md"))
	if err != nil || !strings.Contains(string(b), "[GAP: manufacturer postal address missing]") {
		t.Fatalf("router user information lacks the address gap: %v", err)
	}
}

func TestDocsBadDossier(t *testing.T) {
	dir := t.TempDir()
	bad := "product: {name: P, model: M, colour: red}\nmanufacturer: {name: A}\ncategory: {class: default}\n"
	if err := os.WriteFile(filepath.Join(dir, dossier.FileName), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run([]string{"docs", dir, "--out", filepath.Join(dir, "out")}); got != 2 {
		t.Fatalf("invalid dossier: exit %d, want 2", got)
	}
}

func TestInitCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cam")
	args := []string{"init", "--out", dir, "--name", "IC-400 Camera", "--model", "IC-400", "--manufacturer", "Lumora Vision B.V.", "--category", "important-class-I", "--item", "17"}
	if got := run(args); got != 0 {
		t.Fatalf("init: exit %d", got)
	}
	d, err := dossier.Load(dir)
	if err != nil {
		t.Fatalf("scaffolded dossier does not load: %v", err)
	}
	if d.Category.Item != 17 || d.Product.Model != "IC-400" {
		t.Fatalf("answers lost: %+v", d.Category)
	}
	before, _ := os.ReadFile(filepath.Join(dir, dossier.FileName))
	if got := run(args); got != 2 {
		t.Fatalf("second init: exit %d, want 2 (never overwrite)", got)
	}
	after, _ := os.ReadFile(filepath.Join(dir, dossier.FileName))
	if string(before) != string(after) {
		t.Fatal("init overwrote the dossier")
	}
	if got := run([]string{"init", "--out", t.TempDir(), "--name", "X", "--model", "Y", "--manufacturer", "Z", "--category", "important-class-I"}); got != 2 {
		t.Fatalf("class I without item: exit %d, want 2", got)
	}
}

func TestInitAsk(t *testing.T) {
	var a dossier.Answers
	a.Model = "given by flag"
	in := strings.NewReader("Cam\nLumora\nimportant-class-I\n17\n")
	var out strings.Builder
	if err := ask(in, &out, &a); err != nil {
		t.Fatal(err)
	}
	if a.Name != "Cam" || a.Manufacturer != "Lumora" || a.Class != "important-class-I" || a.Item != 17 || a.Model != "given by flag" {
		t.Fatalf("answers %+v", a)
	}
	if strings.Contains(out.String(), "Model") {
		t.Fatal("asked for a value the flag gave")
	}
}

// TestExampleVerdicts pins the verdicts the example dossiers deserve: the
// smart plug conforms everywhere, the camera and the router do not.
func TestExampleVerdicts(t *testing.T) {
	for _, tt := range []struct {
		example string
		want    int
	}{{"smart-plug", 0}, {"security-camera", 1}, {"home-router", 1}} {
		if got := run([]string{"assess", "../../examples/" + tt.example, "--format", "json", "--out", t.TempDir()}); got != tt.want {
			t.Errorf("assess %s: exit %d, want %d", tt.example, got, tt.want)
		}
	}
}

// TestInitWithoutTerminal runs init with standard input that is not a
// terminal (the null device, a pipe): it must not prompt, must take flags and
// defaults, and must name the missing flag instead of "reading answer: EOF".
func TestInitWithoutTerminal(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if _, err := pw.WriteString("Cam\nLumora\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	tests := []struct {
		name  string
		stdin *os.File
		flags []string
		code  int
		want  string
	}{
		{"null device, all flags", devnull, []string{"--name", "Plug", "--model", "P1", "--manufacturer", "ACME"}, 0, "Wrote "},
		{"pipe, all flags", pr, []string{"--name", "Plug", "--model", "P1", "--manufacturer", "ACME"}, 0, "Wrote "},
		{"null device, no name", devnull, []string{"--model", "P1", "--manufacturer", "ACME"}, 2, "init: --name is required when standard input is not a terminal"},
		{"pipe, nothing", pr, nil, 2, "init: --name is required"},
		{"bad category", devnull, []string{"--name", "Plug", "--model", "P1", "--manufacturer", "ACME", "--category", "class-1"}, 2, `init: category "class-1" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			root := newRootCmd()
			var out, errb strings.Builder
			root.SetIn(tt.stdin)
			root.SetOut(&out)
			root.SetErr(&errb)
			root.SetArgs(append([]string{"init", "--out", dir}, tt.flags...))
			err := root.Execute()
			msg := out.String()
			if err != nil {
				msg = describe(err)
			}
			if code := exitCode(err); code != tt.code || !strings.Contains(msg, tt.want) {
				t.Fatalf("exit %d, %q; want exit %d and %q", code, msg, tt.code, tt.want)
			}
			if strings.Contains(out.String(), "Product name") {
				t.Errorf("prompted without a terminal: %q", out.String())
			}
			if tt.code != 0 {
				return
			}
			d, err := dossier.Load(dir)
			if err != nil || d.Category.Class != "default" || d.Product.Name != "Plug" {
				t.Fatalf("scaffold: %v %+v", err, d)
			}
		})
	}
}
