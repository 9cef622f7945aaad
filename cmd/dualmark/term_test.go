package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/termtable"
)

// TestMain clears the variables that change the layout of tables, so that
// a developer's exported COLUMNS or NO_COLOR cannot change what the golden
// files compare.
func TestMain(m *testing.M) {
	os.Unsetenv("COLUMNS")
	os.Unsetenv("NO_COLOR")
	os.Exit(m.Run())
}

// TestLayoutFor pins the rule of tableOptions: COLUMNS wins, then the
// terminal's width (100 if unknown), else no limit; colour only on a
// terminal, never with NO_COLOR set to anything, never on TERM=dumb.
func TestLayoutFor(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		ttyWidth int
		env      map[string]string
		want     termtable.Options
	}{
		{"pipe", false, 0, nil, termtable.Options{}},
		{"pipe with COLUMNS", false, 0, map[string]string{"COLUMNS": "80"}, termtable.Options{Width: 80}},
		{"terminal", true, 132, nil, termtable.Options{Width: 132, Colour: true}},
		{"terminal, size unknown", true, 0, nil, termtable.Options{Width: 100, Colour: true}},
		{"COLUMNS over the terminal", true, 132, map[string]string{"COLUMNS": "60"}, termtable.Options{Width: 60, Colour: true}},
		{"bad COLUMNS ignored", true, 132, map[string]string{"COLUMNS": "wide"}, termtable.Options{Width: 132, Colour: true}},
		{"zero COLUMNS ignored", false, 0, map[string]string{"COLUMNS": "0"}, termtable.Options{}},
		{"NO_COLOR", true, 90, map[string]string{"NO_COLOR": "1"}, termtable.Options{Width: 90}},
		{"NO_COLOR empty", true, 90, map[string]string{"NO_COLOR": ""}, termtable.Options{Width: 90, Colour: true}},
		{"TERM=dumb", true, 90, map[string]string{"TERM": "dumb"}, termtable.Options{Width: 90}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layoutFor(tt.tty, tt.ttyWidth, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestTableOptionsPipe: output that is not a terminal (a buffer, a file)
// gets neither a width nor colour, and COLUMNS sets the width of a table
// run through the command.
func TestTableOptionsPipe(t *testing.T) {
	if got := tableOptions(&bytes.Buffer{}); got != (termtable.Options{}) {
		t.Errorf("buffer: %+v", got)
	}
	f, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := tableOptions(f); got != (termtable.Options{}) {
		t.Errorf("file: %+v", got)
	}
	if isTerminal(f) {
		t.Error("a regular file counted as a terminal")
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if isTerminal(null) {
		t.Error("the null device counted as a terminal")
	}

	t.Setenv("COLUMNS", "100")
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"catalog", "list", "--regime", "cra"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); termtable.Width(l) > 100 && len(f) > 1 {
			t.Errorf("COLUMNS=100 but a line is %d wide: %q", termtable.Width(l), l)
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("colour codes in output that is not a terminal")
	}
}

// TestCarriageReturnOnlyInStatusLine parses the command files: a string
// with "\r" (progress rewritten in place) may appear only in the methods of
// statusLine, which write it on a terminal alone, so that no other
// progress line reaches a CI log with carriage returns.
func TestCarriageReturnOnlyInStatusLine(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	found := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			allowed := false
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 {
				if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
					if id, ok := star.X.(*ast.Ident); ok && id.Name == "statusLine" {
						allowed = true
					}
				}
			}
			// Only what is written counts: a "\r" trimmed off input
			// (strings.TrimRight(line, "\r\n")) is no progress.
			ast.Inspect(d, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !writes(call) {
					return true
				}
				for _, arg := range call.Args {
					lit, ok := arg.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					if s, err := strconv.Unquote(lit.Value); err != nil || !strings.Contains(s, "\r") {
						continue
					}
					if allowed {
						found++
					} else {
						t.Errorf("%s: %s writes a carriage return outside statusLine", fset.Position(lit.Pos()), lit.Value)
					}
				}
				return true
			})
		}
	}
	if found == 0 {
		t.Error("no carriage return found in statusLine: has the progress line moved? update this test")
	}
}

// writes reports whether call prints or writes: fmt.Fprintf, w.Write,
// b.WriteString and the like.
func writes(call *ast.CallExpr) bool {
	var name string
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
	case *ast.Ident:
		name = fn.Name
	}
	for _, p := range []string{"Fprint", "Print", "Write"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
