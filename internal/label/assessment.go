package label

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// AssessmentMediaType is the media type recorded for the signed assessment.
const AssessmentMediaType = "application/vnd.dualmark.assessment+json"

// ErrNotAssessment is wrapped by every error of Summarize: the input is
// not an assessment in the shape of docs/assessment.schema.json.
var ErrNotAssessment = errors.New("not a dualmark assessment")

// Known verdicts of the assessment contract.
var knownVerdicts = map[string]bool{
	"conforms": true, "does-not-conform": true, "incomplete": true,
	// The US mark while no FCC test standard is adopted, and a regime that
	// does not apply on the assessment date (issue 10's time model).
	"ready-for-testing": true, "tested": true, "not-applicable": true,
}

// assessmentDoc is the part of an assessment a label reads: the shape of
// assess.Assessment, published as docs/assessment.schema.json, and no
// other. Package label does not import package assess (signing and
// verifying stay free of the assessment, SBOM and advisory packages), so
// the fields are repeated here; the tests of label/fromdossier hold the
// two to each other and to the schema.
type assessmentDoc struct {
	Product   json.RawMessage            `json:"product"`
	Regimes   map[string]json.RawMessage `json:"regimes"`
	On        string                     `json:"on"`
	Generator *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"generator"`
	SupportPeriod json.RawMessage `json:"supportPeriod"`
	UpdatePolicy  json.RawMessage `json:"updatePolicy"`
	PostQuantum   *struct {
		Readiness string `json:"readiness"`
	} `json:"postQuantum"`
}

// assessmentProduct is assess.Product: a label takes the identity from it.
type assessmentProduct struct {
	Name            string       `json:"name"`
	Manufacturer    string       `json:"manufacturer"`
	Brand           string       `json:"brand"`
	Model           string       `json:"model"`
	Type            string       `json:"type"`
	FirmwareVersion string       `json:"firmwareVersion"`
	HardwareVersion string       `json:"hardwareVersion"`
	Class           string       `json:"class"`
	ClassItem       int          `json:"classItem"`
	Dossier         string       `json:"dossier"`
	Identifiers     []Identifier `json:"identifiers"`
}

var dayPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Summary is what a label states about an assessment.
type Summary struct {
	Product          Product
	Regimes          map[string]Verdict
	SupportPeriodEnd string
	UpdatePolicy     *UpdatePolicy
	// PostQuantum is the product's post-quantum readiness line ("" when
	// the assessment rated no cryptography).
	PostQuantum string
	Assessment  AssessmentRef
}

// Summarize decodes an assessment JSON document — exactly the shape of
// docs/assessment.schema.json, the output of the assessment — and computes
// its digest over the exact bytes. It refuses anything else, the older
// shapes with the manufacturer as an object or the support period inside
// the product included. name is used in errors.
func Summarize(data []byte, name string) (*Summary, error) {
	s, err := summarize(data, name)
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", err, ErrNotAssessment)
	}
	return s, nil
}

func summarize(data []byte, name string) (*Summary, error) {
	var doc assessmentDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not an assessment JSON document: %v", name, err)
	}
	if len(doc.Product) == 0 {
		return nil, fmt.Errorf("%s: /product/name is missing: a label needs the product name", name)
	}
	var p assessmentProduct
	dec := json.NewDecoder(bytes.NewReader(doc.Product))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: /product is not the assessment's product identity: %v", name, err)
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("%s: /product/name is missing: a label needs the product name", name)
	}
	if len(doc.Regimes) == 0 {
		return nil, fmt.Errorf("%s: /regimes is empty: the assessment has no verdicts to sign", name)
	}
	s := &Summary{Regimes: map[string]Verdict{}, Product: Product{
		Name: p.Name, Manufacturer: p.Manufacturer, Brand: p.Brand, Model: p.Model, Type: p.Type,
		HardwareVersion: p.HardwareVersion, FirmwareVersion: p.FirmwareVersion, Identifiers: p.Identifiers,
	}}
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
	if doc.Generator == nil || doc.Generator.Name != "dualmark" {
		return nil, fmt.Errorf("%s: /generator is missing or not dualmark: a label signs a dualmark assessment", name)
	}
	if !dayPattern.MatchString(doc.On) {
		return nil, fmt.Errorf("%s: /on is %q, want the assessment date YYYY-MM-DD", name, doc.On)
	}
	if len(doc.SupportPeriod) == 0 {
		return nil, fmt.Errorf("%s: /supportPeriod is missing (null when the dossier states none): the file is not an assessment of this dualmark version; assess the dossier again", name)
	}
	var sp *struct {
		Start string `json:"start"`
		End   string `json:"end"`
	}
	if err := json.Unmarshal(doc.SupportPeriod, &sp); err != nil {
		return nil, fmt.Errorf("%s: /supportPeriod: %v", name, err)
	}
	if sp != nil {
		if sp.End != "" && !dayPattern.MatchString(sp.End) {
			return nil, fmt.Errorf("%s: /supportPeriod/end is %q, want YYYY-MM-DD", name, sp.End)
		}
		s.SupportPeriodEnd = sp.End
	}
	if len(doc.UpdatePolicy) == 0 {
		return nil, fmt.Errorf("%s: /updatePolicy is missing (null when the dossier states none): the file is not an assessment of this dualmark version; assess the dossier again", name)
	}
	if err := json.Unmarshal(doc.UpdatePolicy, &s.UpdatePolicy); err != nil {
		return nil, fmt.Errorf("%s: /updatePolicy: %v", name, err)
	}
	if doc.PostQuantum != nil {
		s.PostQuantum = doc.PostQuantum.Readiness
	}
	sum := sha256.Sum256(data)
	s.Assessment = AssessmentRef{Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}, MediaType: AssessmentMediaType, Name: filepath.Base(name)}
	return s, nil
}
