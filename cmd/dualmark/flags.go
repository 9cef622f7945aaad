package main

import (
	"github.com/spf13/pflag"
)

// One flag name per idea. Every command that takes one of these ideas uses
// the canonical name, with the same meaning and values everywhere (the
// test in flags_test.go walks the command tree and fails on another name):
//
//	--db      the advisory database folder (db import/update builds it)
//	--out     where the output goes: a file or a folder, per command
//	--format  the rendering of the output (table, json, html, markdown, sarif, …)
//	--json    a bool, "print JSON"; where --format exists it is --format json
//	--regime  assessment regimes, comma-separated: cra,red-da,us-ctm,en303645
//	          (catalog list also takes the catalog's own regimes)
//
// A name that meant one of these ideas before stays accepted as a hidden,
// deprecated alias (see deprecatedAliases), so that no script breaks; pflag
// prints "Flag --old has been deprecated, use --new" on standard error
// when it is used.

// aliasFlag adds old as a second, hidden and deprecated name of the
// already defined flag canonical: both set the same value.
func aliasFlag(fs *pflag.FlagSet, canonical, old string) {
	f := fs.Lookup(canonical)
	if f == nil {
		return // a programming error, which flags_test.go reports
	}
	a := fs.VarPF(f.Value, old, "", f.Usage)
	a.NoOptDefVal = f.NoOptDefVal
	a.DefValue = f.DefValue
	fs.MarkDeprecated(old, "use --"+canonical)
}

// deprecatedAliases lists, per command path, the old flag names kept as
// aliases and their canonical names; flags_test.go checks that each is
// wired, hidden and deprecated, and README/docs use the canonical names.
var deprecatedAliases = map[string]map[string]string{
	"dualmark init":           {"dir": "out"},
	"dualmark sbom convert":   {"output": "out"},
	"dualmark serve":          {"advisories": "db"},
	"dualmark serve member":   {"advisories": "db"},
	"dualmark serve seed":     {"advisories": "db"},
	"dualmark serve rematch":  {"advisories": "db"},
	"dualmark serve csaf":     {"advisories": "db"},
	"dualmark witness serve":  {"db": "state"},
	"dualmark witness status": {"db": "state"},
}
