package assess

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/pqc"
	"github.com/dualmark/dualmark/internal/sbom"
)

// pqcNow is the assessment date of the post-quantum check (tests fix it).
var pqcNow = func() time.Time { return time.Now().UTC() }

// pqcPolicy is the embedded post-quantum policy, parsed once: the check and
// the readiness line of every assessment share it.
var pqcPolicy = sync.OnceValues(pqc.Load)

// Requirement IDs the post-quantum check decides.
const (
	idCRAConfidentiality = "CRA-I.2.e"
	idCRAIntegrity       = "CRA-I.2.f"
	idCRASecureUpdates   = "CRA-II.7"
	idENBestPractice     = "EN303645-5.5-1"
	idENCryptoAgility    = "EN303645-5.5-3"
	idNISTInTransit      = "NISTIR8425-3c"
)

// PQCCheck rates the CBOM the dossier names (cryptography.cbom.path) with
// package pqc on today's date and over the support period:
//   - broken cryptography, or quantum-vulnerable cryptography past its
//     deadline, fails CRA I.2.e/I.2.f, EN 303 645 5.5-1 and NIST IR 8425 3c
//     (and CRA Annex I Part II (7) when it signs firmware);
//   - a support period that runs past a deadline ("migrate by ...") fails
//     the crypto-agility recommendation EN 303 645 5.5-3 and leaves the hint
//     on CRA-II.7 for firmware signing; it does not fail a CRA requirement
//     today, as the algorithm is still acceptable now;
//   - assets the policy cannot rate leave 5.5-1 and I.2.e undecided;
//   - every asset rated and none broken meets EN 303 645 5.5-1.
//
// Without a CBOM the check says nothing (the dossier fallback is
// `dualmark cbom check --dossier`), so assessments of dossiers without a
// CBOM do not change.
var PQCCheck = Check{
	Name:    "post-quantum-readiness",
	Title:   "Cryptography of the CBOM rated for post-quantum readiness over the support period",
	Decides: []string{idCRAConfidentiality, idCRAIntegrity, idCRASecureUpdates, idENBestPractice, idENCryptoAgility, idNISTInTransit},
	Eval:    evalPQC,
}

func evalPQC(f *Facts) []Outcome {
	c := f.CBOM
	if c == nil {
		if c = loadCBOM(f.Dossier); c == nil {
			return nil
		}
	}
	if c.err != nil {
		return []Outcome{outcome("", "", "fix the CBOM named by cryptography.cbom.path: "+c.err.Error(), idENBestPractice, idENCryptoAgility)}
	}
	d := f.Dossier
	p, err := pqcPolicy()
	if err != nil {
		return []Outcome{outcome("", "", "the post-quantum policy could not be loaded: "+err.Error(), idENBestPractice)}
	}
	opts := pqc.Options{On: pqcNow(), Policy: p}
	if d.SupportPeriod.End != nil {
		opts.SupportUntil = d.SupportPeriod.End.Time
	}
	res, err := pqc.CheckDocument(c.doc, c.name, opts)
	if err != nil {
		return []Outcome{outcome("", "", "the post-quantum policy could not be loaded: "+err.Error(), idENBestPractice)}
	}
	return pqcOutcomes(res)
}

// cbomFile is the CBOM a dossier names, read once.
type cbomFile struct {
	name   string // as the dossier names it (cryptography.cbom.path)
	path   string // joined to the dossier's folder
	doc    *sbom.Document
	digest string
	err    error
}

// loadCBOM reads the CBOM of cryptography.cbom.path; nil when the dossier
// names none. A read error is kept in the result, not returned: the check
// turns it into a hint and the assessment into a warning.
func loadCBOM(d *dossier.Dossier) *cbomFile {
	c := d.Cryptography.CBOM
	if c == nil || c.Path == "" {
		return nil
	}
	path := c.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(d.BaseDir, path)
	}
	f := &cbomFile{name: c.Path, path: path}
	f.doc, f.digest, f.err = parseHashed(path)
	return f
}

// postQuantumOf is the readiness line of the product on the assessment
// date (pqc.ForProduct: the CBOM, else the dossier's cryptography). A CBOM
// that cannot be read or rated gives a warning instead.
func postQuantumOf(d *dossier.Dossier, c *cbomFile, on time.Time) (*PostQuantum, string) {
	var doc *sbom.Document
	name := ""
	if c != nil {
		if c.err != nil {
			return nil, "post-quantum readiness not rated: the CBOM named by cryptography.cbom.path cannot be read: " + c.err.Error()
		}
		doc, name = c.doc, c.name
	}
	p, err := pqcPolicy()
	if err != nil {
		return nil, "post-quantum readiness not rated: " + err.Error()
	}
	res, err := pqc.ForProduct(d, doc, name, pqc.Options{On: on, Policy: p})
	if err != nil {
		return nil, "post-quantum readiness not rated: " + err.Error()
	}
	if res == nil {
		return nil, ""
	}
	file := res.File
	if res.Input == pqc.InputDossier {
		file = d.File
	}
	return &PostQuantum{Readiness: res.Readiness, Ready: res.Ready, Input: res.Input, File: file,
		PolicyVersion: res.PolicyVersion, Findings: len(res.Findings)}, ""
}

// pqcOutcomes turns a readiness result into outcomes.
func pqcOutcomes(res *pqc.Result) []Outcome {
	purposes := map[string][]string{}
	for _, a := range res.Assets {
		purposes[a.Location] = a.Purposes
	}
	var forbidden, forbiddenFW, migrate, migrateFW, unknown []string
	var next, nextFW string
	for _, fd := range res.Findings {
		fw := slices.Contains(purposes[fd.Location], pqc.PurposeFirmwareSigning)
		line := fd.Message
		switch fd.Status {
		case pqc.StatusForbidden:
			forbidden = append(forbidden, line)
			if fw {
				forbiddenFW, nextFW = append(forbiddenFW, line), fd.Next
			} else if next == "" {
				next = fd.Next
			}
		case pqc.StatusMigrate:
			migrate = append(migrate, line)
			if fw {
				migrateFW = append(migrateFW, line)
				if nextFW == "" {
					nextFW = fd.Next
				}
			} else if next == "" {
				next = fd.Next
			}
		case pqc.StatusUnknown:
			unknown = append(unknown, fd.Name+": "+fd.Message)
		}
	}
	// no assessment date in the text: report goldens must not change daily
	src := fmt.Sprintf(" (CBOM %s, PQC policy %s)", res.File, res.PolicyVersion)
	var out []Outcome
	if len(forbidden) > 0 {
		out = append(out, outcome(NotMet, strings.Join(forbidden, "; ")+src, orDefault(next, nextFW),
			idCRAConfidentiality, idCRAIntegrity, idENBestPractice, idNISTInTransit))
	}
	if len(forbiddenFW) > 0 {
		out = append(out, outcome(NotMet, "firmware updates are signed with cryptography that is broken or past its deadline: "+strings.Join(forbiddenFW, "; ")+src, nextFW, idCRASecureUpdates))
	}
	if len(migrate) > 0 {
		out = append(out, outcome(NotMet, res.Readiness+" "+strings.Join(migrate, "; ")+src, orDefault(nextFW, next), idENCryptoAgility))
	}
	if len(migrateFW) > 0 {
		out = append(out, outcome("", "", "migrate firmware signing before the deadline: "+strings.Join(migrateFW, "; "), idCRASecureUpdates))
	}
	switch {
	case len(unknown) > 0 && len(forbidden) == 0:
		out = append(out, outcome("", "", "name the cryptography the post-quantum policy could not rate: "+strings.Join(unknown, "; "), idENBestPractice, idCRAConfidentiality))
	case len(forbidden) == 0:
		out = append(out, outcome(Met, fmt.Sprintf("every one of the %d cryptographic assets is rated and none is broken or past its deadline; %s%s",
			len(res.Assets), res.Readiness, src), "", idENBestPractice))
	}
	return out
}
