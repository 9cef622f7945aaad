package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabelFlow runs the documented flow through the CLI: keys, issue,
// verify on a copy holding only the bundle and trust file, QR, tampering,
// revocation and key rotation, checking each exit code.
func TestLabelFlow(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	assessment := "../../internal/label/testdata/assessment.json"
	fw := p("fw.bin")
	os.WriteFile(fw, []byte("firmware"), 0o644)
	steps := []struct {
		name string
		args []string
		want int
	}{
		{"generate", []string{"keys", "generate", "--out", p("k1"), "--issuer", "Acme", "--origin", "example.com/acme", "--trust", p("trust.json")}, 0},
		{"generate never overwrites", []string{"keys", "generate", "--out", p("k1"), "--issuer", "Acme"}, 2},
		{"public", []string{"keys", "public", p("k1"), "--json"}, 0},
		// the test assessment has an incomplete and a non-conforming regime
		{"issue refused for a non-conforming product", []string{"label", "issue", assessment, "--keys", p("k1"), "--log", p("log"), "--out", p("n.label.json")}, 1},
		{"issue", []string{"label", "issue", assessment, "--keys", p("k1"), "--log", p("log"), "--out", p("a.label.json"), "--firmware", fw, "--allow-nonconforming"}, 0},
		{"issue bad input", []string{"label", "issue", p("trust.json"), "--keys", p("k1"), "--log", p("log"), "--out", p("x.json")}, 2},
		{"verify", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--artifact", fw, "--log", p("log")}, 0},
		{"verify wrong artifact", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--artifact", p("trust.json")}, 1},
		{"verify assessment artifact", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--artifact", assessment}, 0},
		{"verify no trust", []string{"label", "verify", p("a.label.json")}, 2},
		{"verify missing bundle", []string{"label", "verify", p("none.json"), "--trust", p("trust.json")}, 2},
		{"qr png", []string{"label", "qr", p("a.label.json"), "--url-base", "https://registry.example.com/labels", "--out", p("qr.png")}, 0},
		{"qr svg", []string{"label", "qr", p("a.label.json"), "--url-base", "https://registry.example.com/labels", "--out", p("qr.svg"), "--label", p("card.svg")}, 0},
		{"qr bad url", []string{"label", "qr", p("a.label.json"), "--url-base", "registry", "--out", p("qr.png")}, 2},
		// rotation: new keys, same log; the old label keeps verifying
		{"generate k2", []string{"keys", "generate", "--out", p("k2"), "--issuer", "Acme", "--origin", "example.com/acme"}, 0},
		{"rotate", []string{"keys", "public", p("k2"), "--trust", p("trust.json"), "--supersede"}, 0},
		{"issue with k2", []string{"label", "issue", assessment, "--keys", p("k2"), "--log", p("log"), "--out", p("b.label.json"), "--allow-nonconforming"}, 0},
		{"old label after rotation", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json")}, 0},
		{"old label superseded but valid", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--log", p("log")}, 0},
		{"revoke", []string{"label", "revoke", p("b.label.json"), "--keys", p("k2"), "--log", p("log"), "--reason", "test"}, 0},
		{"revoked label", []string{"label", "verify", p("b.label.json"), "--trust", p("trust.json"), "--log", p("log")}, 1},
		{"newer checkpoint", []string{"label", "verify", p("a.label.json"), "--trust", p("trust.json"), "--log", p("log"), "--checkpoint", p("log/checkpoint")}, 0},
	}
	for _, s := range steps {
		if got := run(s.args); got != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	for _, f := range []string{"qr.png", "qr-label.png", "qr.svg", "card.svg"} {
		if fi, err := os.Stat(p(f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	// Tamper with the bundle on disk: exit 1.
	data, _ := os.ReadFile(p("a.label.json"))
	os.WriteFile(p("t.json"), []byte(strings.Replace(string(data), `"logIndex": 0`, `"logIndex": 1`, 1)), 0o644)
	if got := run([]string{"label", "verify", p("t.json"), "--trust", p("trust.json")}); got != 1 {
		t.Fatalf("tampered bundle: exit %d, want 1", got)
	}
	// Revoke the first key set's ML-DSA key: the old label fails.
	trust, _ := os.ReadFile(p("trust.json"))
	id := between(string(trust), `"keyid": "`, `"`)
	if got := run([]string{"keys", "revoke", id[:12], "--trust", p("trust.json"), "--reason", "leaked"}); got != 0 {
		t.Fatalf("keys revoke: exit %d", got)
	}
	if got := run([]string{"label", "verify", p("a.label.json"), "--trust", p("trust.json")}); got != 1 {
		t.Fatalf("label signed by a revoked key: exit %d, want 1", got)
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}
