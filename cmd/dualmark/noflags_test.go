package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cliWords finds what only the command line may say: a flag ("--db") or a
// dualmark command ("dualmark db import").
var cliWords = regexp.MustCompile(`(^|[^-\w])--[a-z][a-z0-9-]+|\bdualmark (assess|docs|init|db|scan|sbom|catalog|label|keys|cbom|witness|version|serve|csaf|report14)\b`)

// hintFree are the packages whose messages must leave CLI advice to
// cmd/dualmark/hints.go. elsewhere lists functions skipped by name.
var (
	hintFree  = []string{"dossier", "assess", "report", "paperwork", "catalog", "advisory", "notify", "termtable", "scanreport", "sarif", "vex", "sbomquality"}
	elsewhere = map[string]bool{
		// The generated docs/CATALOG.md explains the catalog commands.
		"catalog.WriteMarkdown": true,
	}
)

// TestNoCLIWordsBelowCmd parses every non-test Go file of the hint-free
// packages and fails on a string literal that names a flag or a command.
func TestNoCLIWordsBelowCmd(t *testing.T) {
	for _, pkg := range hintFree {
		dir := filepath.Join("..", "..", "internal", pkg)
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && elsewhere[pkg+"."+fd.Name.Name] {
					continue
				}
				ast.Inspect(d, func(n ast.Node) bool {
					lit, ok := n.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return true
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						return true
					}
					if m := cliWords.FindString(s); m != "" {
						t.Errorf("%s: string names %q; return a sentinel error and add the advice in cmd/dualmark/hints.go", fset.Position(lit.Pos()), strings.TrimSpace(m))
					}
					return true
				})
			}
		}
	}
}

// TestNoCLIWordsInCatalogData: the embedded catalog data reaches every
// output too; it must not name flags or commands either.
func TestNoCLIWordsInCatalogData(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "internal", "catalog", "data", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog data: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := cliWords.FindString(line); m != "" {
				t.Errorf("%s:%d: names %q", file, i+1, strings.TrimSpace(m))
			}
		}
	}
}

// TestCLIWordsPattern pins what the pattern catches, so the test above can fail.
func TestCLIWordsPattern(t *testing.T) {
	for s, want := range map[string]bool{
		"--vex only applies to a scan":               true,
		"create it with `dualmark db import --db D`": true,
		"run dualmark init":                          true,
		"sbom.path or --sbom":                        true,
		"read by dualmark":                           false,
		"dualmark checks the claim":                  false,
		"a -- separator":                             false,
		"EN303645-5.1-1":                             false,
		"<!-- comment -->":                           false,
	} {
		if got := cliWords.MatchString(s); got != want {
			t.Errorf("%q: match %v, want %v", s, got, want)
		}
	}
}
