package pqc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/sbom"
)

func (o Options) policy() (*Policy, error) {
	if o.Policy != nil {
		return o.Policy, nil
	}
	return Load()
}

// CheckDocument rates the cryptographic-asset components of a CBOM (any
// CycloneDX 1.6+ document read by package sbom). The reader's warnings
// about crypto fields are carried into the result.
func CheckDocument(doc *sbom.Document, file string, opts Options) (*Result, error) {
	p, err := opts.policy()
	if err != nil {
		return nil, err
	}
	res := &Result{Input: InputCBOM, File: file}
	for _, w := range doc.Warnings {
		if strings.Contains(w.Location, "cryptoProperties") || strings.Contains(w.Message, "provides") {
			res.Warnings = append(res.Warnings, w)
		}
	}
	var assets []asset
	names := map[string]string{}
	for i := range doc.Components {
		if c := &doc.Components[i]; c.Ref != "" {
			names[c.Ref] = c.Name
		}
	}
	if doc.Subject != nil && doc.Subject.Ref != "" {
		names[doc.Subject.Ref] = doc.Subject.Name
	}
	usedBy := map[string][]string{}
	for _, list := range [][]sbom.Dependency{doc.Dependencies, doc.Provides} {
		for _, d := range list {
			for _, t := range d.DependsOn {
				usedBy[t] = appendUnique(usedBy[t], firstNonEmpty(names[d.Ref], d.Ref))
			}
		}
	}
	for _, i := range doc.CryptoAssets() {
		c := &doc.Components[i]
		assets = append(assets, fromComponent(c, usedBy[c.Ref]))
	}
	evaluate(p, assets, opts, res)
	warnExpired(doc, res)
	return res, nil
}

func fromComponent(c *sbom.Component, usedBy []string) asset {
	x := c.X().Crypto
	a := asset{ref: c.Ref, name: c.Name, location: c.Location, assetType: x.AssetType, oid: x.OID, purposes: x.Purposes, usedBy: usedBy}
	if a.name == "" {
		a.name = firstNonEmpty(c.Ref, c.Location)
	}
	a.texts = []string{c.Name}
	if g := x.Algorithm; g != nil {
		a.texts = appendUnique(a.texts, g.Family)
		a.primitive, a.functions, a.curve, a.nql = g.Primitive, g.CryptoFunctions, g.Curve, g.NISTQuantumSecurityLevel
		if n, err := strconv.Atoi(g.ParameterSetIdentifier); err == nil && n >= 1024 {
			a.bits = n // a key size; smaller numbers are read as hash or block sizes
		}
		if g.Primitive == "combiner" {
			a.texts = append(a.texts, g.ParameterSetIdentifier)
		}
	}
	if m := x.Material; m != nil {
		a.algRef = m.AlgorithmRef
		if m.Size != nil {
			a.bits = *m.Size
		}
	}
	if ct := x.Certificate; ct != nil {
		a.deps = append(a.deps, nonEmpty(ct.SignatureAlgorithmRef, ct.SubjectPublicKeyRef)...)
	}
	if pr := x.Protocol; pr != nil {
		a.protoType, a.protoVersion = pr.Type, pr.Version
		a.texts = nil
		for _, s := range pr.CipherSuites {
			a.texts = appendUnique(a.texts, s.Name)
			a.deps = append(a.deps, s.Algorithms...)
		}
		a.deps = append(a.deps, pr.CryptoRefs...)
	}
	if x.AssetType == "protocol" && x.Protocol == nil {
		a.protoType = c.Name
	}
	a.deps = append(a.deps, x.Related...)
	return a
}

// warnExpired warns about certificates no longer valid on the assessment
// date (not a post-quantum matter, but a reviewer wants to know).
func warnExpired(doc *sbom.Document, res *Result) {
	on, err := time.Parse(time.DateOnly, res.On)
	if err != nil {
		return
	}
	for _, i := range doc.CryptoAssets() {
		c := &doc.Components[i]
		ct := c.X().Crypto.Certificate
		if ct == nil || ct.NotValidAfter == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, ct.NotValidAfter)
		if err == nil && t.Before(on) {
			res.Warnings = append(res.Warnings, sbom.Warning{Location: c.Location + "/cryptoProperties/certificateProperties/notValidAfter",
				Message: fmt.Sprintf("%s: the certificate expired on %s, before the assessment date %s", c.Name, t.Format(time.DateOnly), res.On)})
		}
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var protoRe = regexp.MustCompile(`(?i)^\s*(TLS|DTLS|SSL|SSH|WPA|WEP)\s*v?([0-9.]*)`)

// CheckDossier rates the dossier's cryptography section (algorithms with
// their purposes, protocols, and the update signature algorithm): the
// fallback when no CBOM is given. The support period end of the dossier is
// used unless opts.SupportUntil is set.
func CheckDossier(d *dossier.Dossier, opts Options) (*Result, error) {
	p, err := opts.policy()
	if err != nil {
		return nil, err
	}
	if opts.SupportUntil.IsZero() && d.SupportPeriod.End != nil {
		opts.SupportUntil = d.SupportPeriod.End.Time
	}
	res := &Result{Input: InputDossier, File: d.File}
	var assets []asset
	cr := d.Cryptography
	for i, alg := range cr.Algorithms {
		assets = append(assets, asset{name: alg.Name, location: fmt.Sprintf("cryptography.algorithms[%d]", i), assetType: "algorithm",
			texts: []string{alg.Name}, purposes: purposesOf(alg.Purpose)})
	}
	if u := d.Updates; u.SignatureAlgorithm != "" {
		assets = append(assets, asset{name: u.SignatureAlgorithm, location: "updates.signatureAlgorithm", assetType: "algorithm",
			texts: []string{u.SignatureAlgorithm}, purposes: []string{PurposeFirmwareSigning}})
	}
	for i, pr := range cr.Protocols {
		a := asset{name: pr, location: fmt.Sprintf("cryptography.protocols[%d]", i), assetType: "protocol", protoType: pr}
		if m := protoRe.FindStringSubmatch(pr); m != nil {
			a.protoType, a.protoVersion = strings.ToLower(m[1]), m[2]
			switch a.protoType {
			case "ssl":
				a.protoType = "tls"
				if a.protoVersion == "" {
					a.protoVersion = "3.0"
				}
			case "wep":
				a.protoType, a.protoVersion = "wpa", "wep"
			}
		}
		assets = append(assets, a)
	}
	evaluate(p, assets, opts, res)
	return res, nil
}

// purposesOf reads purposes from the free text of a dossier entry.
func purposesOf(text string) []string {
	t := strings.ToLower(text)
	var out []string
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	if has("firmware", "update", "boot", "image sign", "ota") {
		out = append(out, PurposeFirmwareSigning)
	}
	if has("certificate", "pki", "ca key") {
		out = append(out, PurposePKI)
	}
	if has("key agreement", "key exchange", "key establishment", "handshake") {
		out = append(out, "key-establishment")
	}
	if has("encrypt", "records", "at rest") {
		out = append(out, "data-encryption")
	}
	return out
}

// StatesCryptography reports whether the dossier lists any cryptography of
// its own (algorithms, protocols or the update signature algorithm), so
// that CheckDossier has something to rate.
func StatesCryptography(d *dossier.Dossier) bool {
	cr := d.Cryptography
	return len(cr.Algorithms) > 0 || len(cr.Protocols) > 0 || d.Updates.SignatureAlgorithm != ""
}

// ForProduct is the one rule for a product's post-quantum readiness, shared
// by the assessment, the label and the registry page: the CBOM when one was
// read (cbom, named file), else the dossier's own cryptography; nil, nil
// when the dossier states no cryptography and there is no CBOM. The support
// period end of the dossier is used unless opts.SupportUntil is set.
func ForProduct(d *dossier.Dossier, cbom *sbom.Document, file string, opts Options) (*Result, error) {
	if opts.SupportUntil.IsZero() && d.SupportPeriod.End != nil {
		opts.SupportUntil = d.SupportPeriod.End.Time
	}
	if cbom != nil {
		return CheckDocument(cbom, file, opts)
	}
	if !StatesCryptography(d) {
		return nil, nil
	}
	return CheckDossier(d, opts)
}
