package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The label fixture: a bundle issued for the smart-plug example and the
// trust file with the public keys it was signed with (the private keys
// are thrown away). go test ./cmd/dualmark -run TestLabelGolden -update
// issues a new one; its signatures differ every time (ML-DSA signing is
// hedged), so the goldens are rewritten with it.
const labelFixture = "testdata/label"

// TestLabelGolden pins what label show and label verify print for a real
// bundle, the post-quantum readiness line included.
func TestLabelGolden(t *testing.T) {
	bundle := filepath.Join(labelFixture, "plug.label.json")
	trust := filepath.Join(labelFixture, "trust.json")
	if updateGolden() {
		dir := t.TempDir()
		if err := os.MkdirAll(labelFixture, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Remove(trust)
		for _, args := range [][]string{
			{"keys", "generate", "--out", filepath.Join(dir, "keys"), "--issuer", "Voltic Home Devices GmbH", "--origin", "example.com/voltic", "--trust", trust},
			{"label", "issue", "../../examples/smart-plug", "--keys", filepath.Join(dir, "keys"), "--log", filepath.Join(dir, "log"), "--out", bundle, "--allow-nonconforming"},
		} {
			if code, _, errOut := runCaptured(args...); code != 0 {
				t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, errOut)
			}
		}
	}
	code, out, errOut := runCaptured("label", "show", bundle)
	if code != 0 {
		t.Fatalf("label show: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "post-quantum:  Post-quantum ready:") || !strings.Contains(out, "NOT verified") {
		t.Errorf("label show lacks the readiness line or the warning:\n%s", out)
	}
	checkGolden(t, "label-show.golden", out)
	code, out, errOut = runCaptured("label", "verify", bundle, "--trust", trust, "--artifact", filepath.Join(labelFixture, "plug.label.assessment.json"))
	if code != 0 {
		t.Fatalf("label verify: exit %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(out, "  post-quantum: Post-quantum ready:") {
		t.Errorf("label verify lacks the readiness line:\n%s", out)
	}
	checkGolden(t, "label-verify.golden", out)
	// show refuses what is not a label
	if code, _, _ := runCaptured("label", "show", trust); code != 2 {
		t.Errorf("label show on a trust file: exit %d, want 2", code)
	}
}
