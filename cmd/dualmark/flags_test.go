package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// synonyms are other names for the canonical ideas of flags.go. A visible
// flag with one of these names fails TestFlagNames: use the canonical name
// (and keep the old one with aliasFlag if it was ever released).
var synonyms = map[string]string{
	"output": "out", "output-dir": "out", "outdir": "out", "out-dir": "out", "output-file": "out", "dest": "out", "dir": "out",
	"advisories": "db", "advisory-db": "db", "database-dir": "db", "dbdir": "db", "db-dir": "db",
	"fmt": "format", "output-format": "format", "as": "format",
	"as-json": "json", "json-output": "json",
	"regimes": "regime",
}

// exempt lists the flags whose name looks like a synonym but names another
// idea, and why.
var exempt = map[string]string{
	// The registry's own store (SQLite in --data, or a PostgreSQL URL), not
	// the advisory database --db.
	"dualmark serve --database":         "registry store",
	"dualmark serve member --database":  "registry store",
	"dualmark serve seed --database":    "registry store",
	"dualmark serve rematch --database": "registry store",
	"dualmark serve csaf --database":    "registry store",
}

// walk calls f for every command of the tree.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, s := range c.Commands() {
		walk(s, f)
	}
}

// TestFlagNames walks the command tree: every visible flag for one of the
// ideas of flags.go has its canonical name, type and meaning; every
// command with --format json has --json; the deprecated aliases are wired,
// hidden and say what to use instead.
func TestFlagNames(t *testing.T) {
	seen := map[string]bool{}
	walk(newRootCmd(), func(c *cobra.Command) {
		path := c.CommandPath()
		fs := c.LocalFlags()
		fs.VisitAll(func(f *pflag.Flag) {
			key := path + " --" + f.Name
			if f.Deprecated != "" {
				canonical, ok := deprecatedAliases[path][f.Name]
				if !ok {
					t.Errorf("%s: deprecated but not in deprecatedAliases", key)
				}
				if !f.Hidden || f.Deprecated != "use --"+canonical {
					t.Errorf("%s: hidden %v, deprecation %q; want hidden, \"use --%s\"", key, f.Hidden, f.Deprecated, canonical)
				}
				if c := fs.Lookup(canonical); c == nil || c.Value != f.Value {
					t.Errorf("%s: does not set --%s", key, canonical)
				}
				seen[path+" "+f.Name] = true
				return
			}
			if want, ok := synonyms[f.Name]; ok && exempt[key] == "" {
				t.Errorf("%s: another name for --%s; name it --%s (keep --%s with aliasFlag)", key, want, want, f.Name)
			}
			switch f.Name {
			case "json":
				if f.Value.Type() != "bool" {
					t.Errorf("%s: a %s; --json is a bool everywhere", key, f.Value.Type())
				}
			case "out", "format", "regime":
				if f.Value.Type() != "string" {
					t.Errorf("%s: a %s; want a string", key, f.Value.Type())
				}
			case "db":
				if !strings.Contains(f.Usage, "advisory database") {
					t.Errorf("%s: %q; --db is the advisory database everywhere", key, f.Usage)
				}
			case "database":
				if exempt[key] == "" {
					t.Errorf("%s: --database is only the registry's store; the advisory database is --db", key)
				}
			}
			if f.Name == "regime" && !strings.Contains(f.Usage, "comma-separated") {
				t.Errorf("%s: %q; --regime takes a comma-separated list everywhere", key, f.Usage)
			}
		})
		if f := fs.Lookup("format"); f != nil && strings.Contains(f.Usage, "json") && fs.Lookup("json") == nil {
			t.Errorf("%s: --format offers json but there is no --json shorthand", path)
		}
	})
	for path, aliases := range deprecatedAliases {
		for old := range aliases {
			if !seen[path+" "+old] {
				t.Errorf("%s --%s: listed in deprecatedAliases but not defined", path, old)
			}
		}
	}
	for key := range exempt {
		if !strings.Contains(key, " --") {
			t.Errorf("exempt key %q: want \"<command path> --<flag>\"", key)
		}
	}
}

// TestDeprecatedAliasesWork: an old flag name still does its job, with a
// deprecation note on standard error naming the new one.
func TestDeprecatedAliasesWork(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		file string // must exist afterwards
		note string
	}{
		{"init --dir", []string{"init", "--dir", filepath.Join(dir, "p"), "--name", "X", "--model", "Y", "--manufacturer", "Z", "--category", "default"}, filepath.Join(dir, "p", "dossier.yaml"), "use --out"},
		{"init --out", []string{"init", "--out", filepath.Join(dir, "q"), "--name", "X", "--model", "Y", "--manufacturer", "Z", "--category", "default"}, filepath.Join(dir, "q", "dossier.yaml"), ""},
		{"sbom convert --output", []string{"sbom", "convert", "testdata/router.cdx.json", "--to", "spdx-2.3-json", "--output", filepath.Join(dir, "a.spdx.json")}, filepath.Join(dir, "a.spdx.json"), "use --out"},
		{"sbom convert -o", []string{"sbom", "convert", "testdata/router.cdx.json", "--to", "spdx-2.3-json", "-o", filepath.Join(dir, "b.spdx.json")}, filepath.Join(dir, "b.spdx.json"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := newRootCmd()
			root.SetOut(&out)
			root.SetErr(&errOut)
			root.SetIn(strings.NewReader(""))
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			if _, err := os.Stat(tt.file); err != nil {
				t.Errorf("not written: %v", err)
			}
			// Cobra prints the note with Command.Print: on standard error
			// when, as in main, no output writer is set; here, where the
			// test sets both, on the out buffer.
			msgs := out.String() + errOut.String()
			if tt.note != "" && !strings.Contains(msgs, "has been deprecated, "+tt.note) {
				t.Errorf("output %q does not say %q", msgs, tt.note)
			}
			if tt.note == "" && strings.Contains(msgs, "deprecated") {
				t.Errorf("canonical name reported as deprecated: %q", msgs)
			}
		})
	}
}
