package keys

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPEMRoundTrip(t *testing.T) {
	for _, alg := range []string{AlgEd25519, AlgMLDSA65, AlgMLDSA44} {
		t.Run(alg, func(t *testing.T) {
			k, err := GenerateKey(alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := k.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			k2, err := ParsePrivatePEM(p)
			if err != nil {
				t.Fatal(err)
			}
			if k2.Public().ID() != k.Public().ID() {
				t.Fatal("key ID changed across PEM round trip")
			}
			pub, err := ParsePublicPEM(k.Public().PEM())
			if err != nil {
				t.Fatal(err)
			}
			sig, err := k2.Sign([]byte("msg"))
			if err != nil {
				t.Fatal(err)
			}
			if !pub.Verify([]byte("msg"), sig) || pub.Verify([]byte("msh"), sig) {
				t.Fatal("signature check wrong")
			}
		})
	}
}

// TestMLDSA65PKCS8Prefix pins the RFC 9881 seed-form DER prefix.
func TestMLDSA65PKCS8Prefix(t *testing.T) {
	der, err := marshalMLDSAPrivate(oidMLDSA65, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	const want = "3034020100300b0609608648016503040312042280200000"
	if got := hex.EncodeToString(der); !strings.HasPrefix(got, want) || len(der) != 54 {
		t.Fatalf("DER = %s, want prefix %s and 54 bytes", got, want)
	}
}

// TestMLDSA65KnownAnswers runs the NIST ACVP ML-DSA keyGen vectors that
// circl ships through this package's seed → key path and SPKI encoding.
func TestMLDSA65KnownAnswers(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cloudflare/circl").Output()
	if err != nil {
		t.Fatalf("cannot locate the circl module for its ACVP vectors: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "sign/mldsa/testdata/ML-DSA-keyGen-FIPS204")
	read := func(name string) []byte {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("circl's ACVP vectors are missing: %v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(zr)
		return b.Bytes()
	}
	type group struct {
		TgID         int    `json:"tgId"`
		ParameterSet string `json:"parameterSet"`
		Tests        []struct {
			TcID int    `json:"tcId"`
			Seed string `json:"seed"`
			Pk   string `json:"pk"`
		} `json:"tests"`
	}
	var prompt, results struct {
		TestGroups []group `json:"testGroups"`
	}
	if err := json.Unmarshal(read("prompt.json.gz"), &prompt); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(read("expectedResults.json.gz"), &results); err != nil {
		t.Fatal(err)
	}
	pks := map[int]string{}
	for _, g := range results.TestGroups {
		for _, tc := range g.Tests {
			pks[tc.TcID] = tc.Pk
		}
	}
	n := 0
	for _, g := range prompt.TestGroups {
		if g.ParameterSet != "ML-DSA-65" {
			continue
		}
		for _, tc := range g.Tests {
			seed, _ := hex.DecodeString(tc.Seed)
			k, err := newFromSeed(AlgMLDSA65, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ToUpper(hex.EncodeToString(k.Public().Raw)); got != strings.ToUpper(pks[tc.TcID]) {
				t.Fatalf("tc %d: public key differs from the ACVP vector", tc.TcID)
			}
			// and through PKCS#8/SPKI PEM
			p, _ := k.MarshalPEM()
			k2, err := ParsePrivatePEM(p)
			if err != nil || !bytes.Equal(k2.Public().Raw, k.Public().Raw) {
				t.Fatalf("tc %d: PEM round trip: %v", tc.TcID, err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no ML-DSA-65 keyGen vectors found")
	}
	t.Logf("%d ML-DSA-65 keyGen vectors pass", n)
}

func TestSetWriteLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	s, err := GenerateSet("Acme", "", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(dir); err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Fatalf("second write: %v", err)
	}
	for _, kf := range keyFiles {
		fi, err := os.Stat(filepath.Join(dir, kf.file))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", kf.file, fi.Mode().Perm())
		}
	}
	s2, err := LoadSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Fingerprint() != s.Fingerprint() || s2.LogOrigin != s.LogOrigin {
		t.Fatal("loaded set differs")
	}
	os.Chmod(filepath.Join(dir, "label-ed25519.key"), 0o644)
	if _, err := LoadSet(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("loose permissions accepted: %v", err)
	}
}

func TestTrustRotation(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.AddDate(0, 6, 0)
	old, _ := GenerateSet("Acme", "example.com/log", nil, t0)
	nu, _ := GenerateSet("Acme", "example.com/log", nil, t1)
	tr := &Trust{Version: TrustVersion}
	if err := tr.AddSet(old, t0, true); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddSet(nu, t1, true); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddSet(nu, t1, true); err == nil {
		t.Fatal("duplicate key accepted")
	}
	path := filepath.Join(t.TempDir(), "trust.json")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	tr, err := LoadTrust(path)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, _ := tr.Key(old.LabelMLDSA65.Public().ID())
	newKey, _ := tr.Key(nu.LabelMLDSA65.Public().ID())
	for _, tc := range []struct {
		name string
		k    *TrustedKey
		at   time.Time
		want string
	}{
		{"old key before rotation", oldKey, t1.Add(-time.Hour), ""},
		{"old key after rotation", oldKey, t1.Add(time.Hour), "expired on"},
		{"new key before its start", newKey, t1.Add(-time.Hour), "valid only from"},
		{"new key after rotation", newKey, t1.Add(time.Hour), ""},
	} {
		err := tc.k.CheckAt(tc.at)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := tr.Revoke(newKey.KeyID[:12], t1, "key compromised"); err != nil {
		t.Fatal(err)
	}
	if err := newKey.CheckAt(t1.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked key accepted: %v", err)
	}
	// tampered trust file: key ID does not match the key
	data, _ := os.ReadFile(path)
	bad := bytes.Replace(data, []byte(oldKey.KeyID), []byte(newKey.KeyID), 1)
	if _, err := ParseTrust(bad, "t.json"); err == nil || !strings.Contains(err.Error(), "/keyid") {
		t.Fatalf("mismatched key ID accepted: %v", err)
	}
}
