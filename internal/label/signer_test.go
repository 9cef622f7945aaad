package label

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// kmsSigner stands for a KMS or HSM holding a label key: it signs on
// request and counts.
type kmsSigner struct {
	k *keys.PrivateKey
	n int
}

func (s *kmsSigner) Public() *keys.PublicKey { return s.k.Public() }
func (s *kmsSigner) Sign(msg []byte) ([]byte, error) {
	s.n++
	return s.k.Sign(msg)
}

// TestSignWith: a label signed through keys.Signer — label keys and log
// keys both behind a stand-in KMS — verifies like one signed with the key
// files; signers of the wrong algorithm are refused.
func TestSignWith(t *testing.T) {
	ctx := context.Background()
	set, err := keys.GenerateSet("Acme Devices GmbH", "example.com/kms-log", nil, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	tr := &keys.Trust{Version: keys.TrustVersion}
	if err := tr.AddSet(set, issuedAt.AddDate(0, -1, 0), true); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(data, "assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStatement(sum, nil, set.Issuer, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	ed, ml := &kmsSigner{k: set.LabelEd25519}, &kmsSigner{k: set.LabelMLDSA65}
	env, err := SignWith(st, ed, ml)
	if err != nil {
		t.Fatal(err)
	}
	if ed.n != 1 || ml.n != 1 {
		t.Fatalf("signatures: Ed25519 %d, ML-DSA-65 %d", ed.n, ml.n)
	}
	l, err := tlog.OpenConfig(ctx, tlog.Config{Dir: t.TempDir(), Origin: set.LogOrigin,
		Ed25519: &kmsSigner{k: set.LogEd25519}, MLDSA44: &kmsSigner{k: set.LogMLDSA44}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Record(ctx, env, l, set.LogOrigin)
	if cerr := l.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(ctx, b, Policy{Trust: tr})
	if err != nil || !r.Valid {
		t.Fatalf("label signed through keys.Signer: %v %+v", err, r)
	}
	for _, c := range []struct {
		ed, ml keys.Signer
		want   string
	}{
		{set.LabelMLDSA65, ml, "Ed25519 label signer holds a ML-DSA-65 key"},
		{ed, set.LogMLDSA44, "ML-DSA-65 label signer holds a ML-DSA-44 key"},
		{nil, ml, "no Ed25519 label signer"},
		{(*keys.PrivateKey)(nil), ml, "no Ed25519 label signer"}, // a key set missing its key
	} {
		if _, err := SignWith(st, c.ed, c.ml); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SignWith: %v, want %q", err, c.want)
		}
	}
}
