package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/catalog"
)

// TestRegimeNamesFromCatalog parses every non-test Go file below internal/
// (the catalog apart) and fails on a string literal that is an assessment
// regime's name or title: those come from catalog.AssessmentRegimeTable
// only, so assess, the reports, the label and the catalog command cannot
// drift apart (issue 11: three tables held different strings).
func TestRegimeNamesFromCatalog(t *testing.T) {
	owned := map[string]string{}
	for _, r := range catalog.AssessmentRegimeTable {
		owned[r.ID] = "name"
		owned[r.Title] = "title"
		owned[r.ShortTitle] = "title"
	}
	root := filepath.Join("..", "..", "internal")
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "catalog" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && owned[s] != "" {
				t.Errorf("%s: the regime %s %q is written here; take it from catalog.AssessmentRegimeTable", fset.Position(lit.Pos()), owned[s], s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files read below %s", files, root)
	}
}
