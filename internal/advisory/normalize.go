package advisory

import "github.com/dualmark/dualmark/internal/ident"

// BaseEcosystem returns the canonical spelling of an OSV ecosystem without
// its release suffix (ident.BaseEcosystem).
func BaseEcosystem(ecosystem string) string { return ident.BaseEcosystem(ecosystem) }

// NormalizeName returns the form of a package name under which the database
// indexes it (ident.NormalizeName: each ecosystem's own equivalence rules).
func NormalizeName(ecosystem, name string) string { return ident.NormalizeName(ecosystem, name) }

// NormalizeRepo returns the form of a source repository URL under which GIT
// ranges and CVE entries' repositories are indexed (ident.NormalizeRepo).
func NormalizeRepo(url string) string { return ident.NormalizeRepo(url) }

// CPEParts returns the lower-cased vendor and product of a CPE, and whether
// it had both (ident.CPEParts).
func CPEParts(name string) (vendor, product string, ok bool) { return ident.CPEParts(name) }
