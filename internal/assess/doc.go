// Package assess evaluates a product dossier, its SBOM and its vulnerability
// scan against the requirements of every selected regime — the EU Cyber
// Resilience Act (cra), the US Cyber Trust Mark baseline (us-ctm: NIST IR
// 8425 and the FCC label rules) and ETSI EN 303 645 (en303645) — and returns
// one Assessment: a status with reasons for every catalog requirement, the
// crosswalk reuse that settled some of them, a verdict per regime and the
// conformity-assessment routes the CRA allows for the product's class.
//
// Statuses come, in this order of precedence, from the table of automated
// checks over dossier facts (checks.go), justified not-applicable claims,
// evidence documents named in the dossier, and evidence reused through the
// crosswalk. docs/ASSESSMENT.md describes the rules.
package assess
