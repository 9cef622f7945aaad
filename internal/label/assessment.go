package label

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// AssessmentMediaType is the media type recorded for the signed assessment.
const AssessmentMediaType = "application/vnd.dualmark.assessment+json"

// Known verdicts of the assessment contract.
var knownVerdicts = map[string]bool{
	"conforms": true, "does-not-conform": true, "incomplete": true,
	// The US mark while no FCC test standard is adopted, and a regime that
	// does not apply on the assessment date (issue 10's time model).
	"ready-for-testing": true, "tested": true, "not-applicable": true,
}

// assessmentDoc is the part of the assessment JSON a label needs. The
// assessment engine's own type is richer; decoding only these fields keeps
// the label independent of it.
type assessmentDoc struct {
	Product      *productDoc                `json:"product"`
	Manufacturer json.RawMessage            `json:"manufacturer"`
	Regimes      map[string]json.RawMessage `json:"regimes"`
	Support      *supportDoc                `json:"supportPeriod"`
	SupportEnd   string                     `json:"supportPeriodEnd"`
	Updates      *UpdatePolicy              `json:"updates"`
}

type productDoc struct {
	Product
	Manufacturer json.RawMessage `json:"manufacturer"`
	Support      *supportDoc     `json:"supportPeriod"`
	Updates      *UpdatePolicy   `json:"updates"`
}

type supportDoc struct {
	End string `json:"end"`
}

// Summary is what a label states about an assessment.
type Summary struct {
	Product          Product
	Regimes          map[string]Verdict
	SupportPeriodEnd string
	UpdatePolicy     *UpdatePolicy
	Assessment       AssessmentRef
}

// Summarize decodes an assessment JSON document (the assess package's
// contract: {"product": {...}, "regimes": {"cra": {"verdict": ...}}, ...})
// and computes its digest over the exact bytes. name is used in errors.
func Summarize(data []byte, name string) (*Summary, error) {
	var doc assessmentDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not an assessment JSON document: %v", name, err)
	}
	if doc.Product == nil || strings.TrimSpace(doc.Product.Name) == "" {
		return nil, fmt.Errorf("%s: /product/name is missing: a label needs the product name (is this an assessment from `dualmark assess --json`?)", name)
	}
	if len(doc.Regimes) == 0 {
		return nil, fmt.Errorf("%s: /regimes is empty: the assessment has no verdicts to sign", name)
	}
	s := &Summary{Product: doc.Product.Product, Regimes: map[string]Verdict{}}
	s.Product.Manufacturer = firstNonEmpty(manufacturerName(doc.Product.Manufacturer), manufacturerName(doc.Manufacturer))
	ids := make([]string, 0, len(doc.Regimes))
	for id := range doc.Regimes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		var v struct {
			Verdict   string `json:"verdict"`
			Readiness string `json:"readiness"`
		}
		if err := json.Unmarshal(doc.Regimes[id], &v); err != nil {
			return nil, fmt.Errorf("%s: /regimes/%s: %v", name, id, err)
		}
		if !knownVerdicts[v.Verdict] {
			return nil, fmt.Errorf("%s: /regimes/%s/verdict is %q, want conforms, does-not-conform, incomplete, ready-for-testing, tested or not-applicable", name, id, v.Verdict)
		}
		if v.Readiness != "" && !knownVerdicts[v.Readiness] {
			return nil, fmt.Errorf("%s: /regimes/%s/readiness is %q, not a verdict", name, id, v.Readiness)
		}
		s.Regimes[id] = Verdict{Verdict: v.Verdict, Readiness: v.Readiness}
	}
	for _, sp := range []*supportDoc{doc.Product.Support, doc.Support} {
		if sp != nil && s.SupportPeriodEnd == "" {
			s.SupportPeriodEnd = sp.End
		}
	}
	if s.SupportPeriodEnd == "" {
		s.SupportPeriodEnd = doc.SupportEnd
	}
	s.UpdatePolicy = doc.Product.Updates
	if s.UpdatePolicy == nil {
		s.UpdatePolicy = doc.Updates
	}
	sum := sha256.Sum256(data)
	s.Assessment = AssessmentRef{Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}, MediaType: AssessmentMediaType, Name: filepath.Base(name)}
	return s, nil
}

// manufacturerName accepts either a string or an object with a "name".
func manufacturerName(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return o.Name
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
