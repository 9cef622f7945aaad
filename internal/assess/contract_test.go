package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

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
