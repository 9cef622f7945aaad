package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/aibom"
	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

// TestRunCarriesContract: an assessment run on a real example carries what
// a label summarises — support period, update policy, post-quantum
// readiness, identifiers, and every input with the digest of its bytes.
func TestRunCarriesContract(t *testing.T) {
	on := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		example   string
		roles     []string
		pqInput   string
		readiness string
	}{
		{"home-router", []string{InputDossier, InputSBOM, InputCBOM}, "cbom", "Not yet post-quantum ready"},
		{"smart-plug", []string{InputDossier, InputSBOM, InputCBOM}, "cbom", "Post-quantum ready"},
		{"security-camera", []string{InputDossier, InputSBOM}, "dossier", ""},
	} {
		t.Run(c.example, func(t *testing.T) {
			a, err := Run("../../examples/"+c.example, RunOptions{On: on, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, in := range a.Inputs {
				roles = append(roles, in.Role)
				data, err := os.ReadFile(in.Path)
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(data)
				if in.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("%s %s: digest %s is not the file's", in.Role, in.Path, in.SHA256)
				}
			}
			if strings.Join(roles, ",") != strings.Join(c.roles, ",") {
				t.Errorf("input roles %v, want %v", roles, c.roles)
			}
			if a.SupportPeriod == nil || a.SupportPeriod.End == "" || a.UpdatePolicy == nil || a.UpdatePolicy.Mechanism == "" {
				t.Errorf("support %+v, updates %+v", a.SupportPeriod, a.UpdatePolicy)
			}
			if len(a.Product.Identifiers) == 0 {
				t.Error("no product identifiers")
			}
			pq := a.PostQuantum
			if pq == nil || pq.Input != c.pqInput || !strings.Contains(pq.Readiness, c.readiness) {
				t.Errorf("post-quantum %+v, want input %s and %q", pq, c.pqInput, c.readiness)
			}
		})
	}
}

// TestRunNoCryptography: a dossier stating no cryptography has no
// post-quantum line, and a CBOM that cannot be read gives a warning, not an
// error.
func TestRunNoCryptography(t *testing.T) {
	d := goodFacts().Dossier
	d.Cryptography.Algorithms, d.Cryptography.Protocols, d.Updates.SignatureAlgorithm = nil, nil, ""
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := Evaluate(d, Inputs{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if a.PostQuantum != nil {
		t.Errorf("post-quantum %+v without cryptography", a.PostQuantum)
	}
	d.Cryptography.CBOM = &dossier.BOMRef{Path: "/nonexistent/cbom.json"}
	a, err = Evaluate(d, Inputs{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	if a.PostQuantum != nil || !strings.Contains(strings.Join(a.Warnings, "\n"), "post-quantum readiness not rated") {
		t.Errorf("unreadable CBOM: %+v, warnings %v", a.PostQuantum, a.Warnings)
	}
}

// TestAISummary: the AI section appears for models in the SBOM or a
// declared high-risk use, and only then; a high-risk use shows the CRA
// Art. 12 link tagged U with every covered requirement counted once.
func TestAISummary(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	model := &aibom.Report{Models: []aibom.Item{{Name: "m", Location: "/components/0", Checks: []aibom.CheckResult{{ID: aibom.CheckHash, Mandatory: true, Detail: "no hash"}}}}, Datasets: []aibom.Item{}}
	for _, c := range []struct {
		name     string
		ai       *dossier.AIUse
		report   *aibom.Report
		want     bool // an AI section
		highRisk bool
		note     string // in CRA-II.1's reasons
	}{
		{"nothing", nil, nil, false, false, ""},
		{"not high-risk, no models", &dossier.AIUse{HighRisk: &no}, &aibom.Report{Pass: true}, false, false, ""},
		{"model without hash", nil, model, true, false, "ML model m (ai-hash)"},
		{"high-risk without models", &dossier.AIUse{HighRisk: &yes, Basis: "annex-i-safety-component"}, nil, true, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := goodFacts().Dossier
			d.Product.AI = c.ai
			a, err := Evaluate(d, Inputs{Catalog: cat, AI: c.report, On: time.Date(2028, 1, 10, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if (a.AI != nil) != c.want || (c.want && (a.AI.HighRisk != nil) != c.highRisk) {
				t.Fatalf("AI section %+v", a.AI)
			}
			if c.highRisk {
				l := a.AI.HighRisk.Article12
				if l.Confidence != "U" || l.Met+l.NotMet+l.Open != len(l.Covers) || l.NotInForce != 0 || len(l.Covers) != 22 {
					t.Errorf("Art. 12 link %+v", l)
				}
			}
			var reasons string
			for _, r := range a.Regimes[RegimeCRA].Requirements {
				if r.ID == idCRASBOM {
					reasons = strings.Join(r.Reasons, "\n")
				}
			}
			if c.note != "" && !strings.Contains(reasons, c.note) {
				t.Errorf("CRA-II.1 reasons lack %q:\n%s", c.note, reasons)
			}
			if c.note == "" && strings.Contains(reasons, "AI components") {
				t.Errorf("CRA-II.1 has an AI note: %s", reasons)
			}
		})
	}
}
