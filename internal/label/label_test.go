package label

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/tlog"
)

func init() { tlog.QuietLibraryLogs() }

// TestPAESpecVector checks PAE against the example in the DSSE
// specification's own "Test Vectors" section.
func TestPAESpecVector(t *testing.T) {
	spec, err := os.ReadFile(testdata.Path(t, "specs/dsse/protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := func(title string) string {
		m := regexp.MustCompile(title + ":\n\n```none\n([^\n]*)\n```").FindStringSubmatch(string(spec))
		if m == nil {
			t.Fatalf("no %s block in the DSSE spec", title)
		}
		return m[1]
	}
	body, typ, want := block("SERIALIZED_BODY"), block("PAYLOAD_TYPE"), block("PAE")
	if got := string(PAE(typ, []byte(body))); got != want {
		t.Fatalf("PAE = %q, want %q (DSSE protocol.md)", got, want)
	}
}

// fixture is an issuer with a key set, a trust file and a log holding one
// issued label.
type fixture struct {
	set    *keys.Set
	trust  *keys.Trust
	logDir string
	bundle *Bundle
	sbom   string
	fw     string
}

var issuedAt = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	set, err := keys.GenerateSet("Acme Devices GmbH", "example.com/acme-log", nil, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	tr := &keys.Trust{Version: keys.TrustVersion}
	if err := tr.AddSet(set, issuedAt.AddDate(0, -1, 0), true); err != nil {
		t.Fatal(err)
	}
	f := &fixture{set: set, trust: tr, logDir: t.TempDir(),
		sbom: testdata.Path(t, "sbom/cyclonedx-generators/gomod/bin_minikube-v1.23.1.bom.json"),
		fw:   filepath.Join(t.TempDir(), "firmware.bin")}
	if err := os.WriteFile(f.fw, []byte("\x7fELF firmware image"), 0o644); err != nil {
		t.Fatal(err)
	}
	assessment, err := os.ReadFile("testdata/assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.Open(ctx, f.logDir, set)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	sum, err := Summarize(assessment, "testdata/assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	f.bundle, err = Issue(ctx, sum,
		[]Artifact{{Role: "firmware", Path: f.fw}, {Role: "sbom", Path: f.sbom}}, set, l, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) verify(t *testing.T, b *Bundle, p Policy) *Result {
	t.Helper()
	if p.Trust == nil {
		p.Trust = f.trust
	}
	r, err := Verify(context.Background(), b, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func failedNames(r *Result) string {
	var names []string
	for _, c := range r.Failures() {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// clone deep-copies a bundle through JSON so tampering does not leak.
func clone(t *testing.T, b *Bundle) *Bundle {
	out, err := ParseBundle(b.Marshal(), "clone")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flipB64(t *testing.T, s string, at int) string {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	raw[at%len(raw)] ^= 0x01
	return base64.StdEncoding.EncodeToString(raw)
}

func TestVerifyValid(t *testing.T) {
	f := newFixture(t)
	r := f.verify(t, f.bundle, Policy{Artifacts: []string{f.fw, f.sbom, "testdata/assessment.json"}, Log: tlog.NewReader(f.logDir)})
	if !r.Valid {
		t.Fatalf("valid label rejected: %+v", r.Failures())
	}
	if r.Status != StatusActive {
		t.Fatalf("status %q, want active", r.Status)
	}
	p := r.Predicate
	if p.Product.Name != "Acme SmartPlug Mini" || p.Product.Manufacturer != "Acme Devices GmbH" || p.SupportPeriodEnd != "2031-01-15" ||
		p.Regimes["cra"].Verdict != "conforms" || p.Regimes["en303645"].Verdict != "does-not-conform" || p.UpdatePolicy.Mechanism != "ota" ||
		!strings.HasPrefix(p.PostQuantum, "Post-quantum ready:") || len(p.Product.Identifiers) != 1 {
		t.Fatalf("predicate = %+v", p)
	}
	data, _ := os.ReadFile("testdata/assessment.json")
	if d, _ := FileDigest("testdata/assessment.json"); p.Assessment.Digest["sha256"] != d || len(data) == 0 {
		t.Fatal("assessment digest is not over the file bytes")
	}
}

// TestTamper changes each region of a bundle and checks that exactly the
// right checks fail.
func TestTamper(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name   string
		tamper func(b *Bundle)
		want   string // sorted failed check names
		detail string // substring of the first failure
	}{
		{"payload", func(b *Bundle) { b.Envelope.Payload = flipB64(t, b.Envelope.Payload, 100) },
			"ed25519-signature,inclusion-proof,ml-dsa-65-signature,statement", "Ed25519 signature does not verify for key"},
		{"payload type", func(b *Bundle) { b.Envelope.PayloadType = "application/json" },
			"envelope,inclusion-proof", "payload type"},
		{"ed25519 signature", func(b *Bundle) { b.Envelope.Signatures[0].Sig = flipB64(t, b.Envelope.Signatures[0].Sig, 7) },
			"ed25519-signature,inclusion-proof", "Ed25519 signature does not verify for key " + f.set.LabelEd25519.Public().ID()[:16]},
		{"ml-dsa signature", func(b *Bundle) { b.Envelope.Signatures[1].Sig = flipB64(t, b.Envelope.Signatures[1].Sig, 1000) },
			"inclusion-proof,ml-dsa-65-signature", "ML-DSA-65 signature does not verify for key " + f.set.LabelMLDSA65.Public().ID()[:16]},
		{"ml-dsa signature removed", func(b *Bundle) { b.Envelope.Signatures = b.Envelope.Signatures[:1] },
			"inclusion-proof,ml-dsa-65-signature", "no ML-DSA-65 signature"},
		{"inclusion proof", func(b *Bundle) {
			b.Log.InclusionProof = append(b.Log.InclusionProof, base64.StdEncoding.EncodeToString(make([]byte, 32)))
		},
			"inclusion-proof", "inclusion proof of entry"},
		{"log index", func(b *Bundle) { b.Log.LogIndex++ },
			"inclusion-proof", "inclusion proof of entry 1"},
		{"checkpoint root", func(b *Bundle) {
			lines := strings.SplitN(b.Log.Checkpoint, "\n", 4)
			lines[2] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
			b.Log.Checkpoint = strings.Join(lines, "\n")
		}, "checkpoint", "signature of log"},
		{"checkpoint signature", func(b *Bundle) {
			i := strings.LastIndex(b.Log.Checkpoint, " ")
			b.Log.Checkpoint = b.Log.Checkpoint[:i+1] + flipB64(t, strings.TrimSpace(b.Log.Checkpoint[i+1:]), 100) + "\n"
		}, "checkpoint", "ML-DSA-44 signature of log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := clone(t, f.bundle)
			tc.tamper(b)
			r := f.verify(t, b, Policy{})
			if r.Valid {
				t.Fatal("tampered bundle accepted")
			}
			if got := failedNames(r); got != tc.want {
				t.Fatalf("failed checks %s, want %s: %+v", got, tc.want, r.Failures())
			}
			if d := r.Failures()[0].Detail; !strings.Contains(d, tc.detail) {
				t.Fatalf("failure %q does not name %q", d, tc.detail)
			}
		})
	}
}

func TestClassicalOnlyPolicy(t *testing.T) {
	f := newFixture(t)
	b := clone(t, f.bundle)
	b.Envelope.Signatures = b.Envelope.Signatures[:1]
	r := f.verify(t, b, Policy{AllowClassicalOnly: true})
	// the envelope changed, so only the inclusion proof still fails
	if got := failedNames(r); got != "inclusion-proof" {
		t.Fatalf("failed %s", got)
	}
	if len(r.Warnings) < 2 || !strings.Contains(strings.Join(r.Warnings, "\n"), "no ML-DSA-65 signature") {
		t.Fatalf("no loud warning: %v", r.Warnings)
	}
}

func TestArtifacts(t *testing.T) {
	f := newFixture(t)
	other := filepath.Join(t.TempDir(), "other.bin")
	os.WriteFile(other, []byte("another image"), 0o644)
	r := f.verify(t, f.bundle, Policy{Artifacts: []string{f.sbom, other}})
	if got := failedNames(r); got != "artifacts" || !strings.Contains(r.Failures()[0].Detail, "other.bin") {
		t.Fatalf("failed %s: %+v", got, r.Failures())
	}
}

func TestKeyRevokedOrExpired(t *testing.T) {
	f := newFixture(t)
	revoked := cloneTrust(t, f.trust)
	if _, err := revoked.Revoke(f.set.LabelMLDSA65.Public().ID(), issuedAt.AddDate(0, 1, 0), "key compromised"); err != nil {
		t.Fatal(err)
	}
	r := f.verify(t, f.bundle, Policy{Trust: revoked})
	if got := failedNames(r); got != "key-validity" || !strings.Contains(r.Failures()[0].Detail, "revoked") {
		t.Fatalf("revoked: failed %s: %+v", got, r.Failures())
	}
	// Rotation a day before the label was issued: the old keys expired.
	rotated := cloneTrust(t, f.trust)
	next, _ := keys.GenerateSet("Acme Devices GmbH", "example.com/acme-log", nil, issuedAt)
	if err := rotated.AddSet(next, issuedAt.AddDate(0, 0, -1), true); err != nil {
		t.Fatal(err)
	}
	r = f.verify(t, f.bundle, Policy{Trust: rotated})
	if got := failedNames(r); got != "key-validity" || !strings.Contains(r.Failures()[0].Detail, "expired") {
		t.Fatalf("expired: failed %s: %+v", got, r.Failures())
	}
	// Rotation after issue: the old label still verifies.
	later := cloneTrust(t, f.trust)
	if err := later.AddSet(next, issuedAt.AddDate(0, 0, 1), true); err != nil {
		t.Fatal(err)
	}
	if r = f.verify(t, f.bundle, Policy{Trust: later}); !r.Valid {
		t.Fatalf("label issued before rotation rejected: %+v", r.Failures())
	}
}

func cloneTrust(t *testing.T, tr *keys.Trust) *keys.Trust {
	data, _ := json.Marshal(tr)
	out, err := keys.ParseTrust(data, "clone")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRevokeSupersedeAndConsistency(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	assessment, _ := os.ReadFile("testdata/assessment.json")
	l, err := tlog.Open(ctx, f.logDir, f.set)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(assessment, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Issue(ctx, sum, nil, f.set, l, issuedAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := Revoke(ctx, f.bundle, "assessment withdrawn", f.set, l, issuedAt.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	l.Close(ctx)
	if rev.Log.LogIndex != 2 || second.Log.LogIndex != 1 {
		t.Fatalf("indices %d, %d", second.Log.LogIndex, rev.Log.LogIndex)
	}
	log := tlog.NewReader(f.logDir)
	r := f.verify(t, f.bundle, Policy{Log: log})
	if r.Valid || r.Status != StatusRevoked || !strings.Contains(r.Failures()[0].Detail, "assessment withdrawn") {
		t.Fatalf("revoked label: status %s, failures %+v", r.Status, r.Failures())
	}
	r = f.verify(t, second, Policy{Log: log, NewerCheckpoint: []byte(rev.Log.Checkpoint)})
	if !r.Valid || r.Status != StatusActive {
		t.Fatalf("second label: %s %+v", r.Status, r.Failures())
	}
	// A newer checkpoint of another size cannot be checked without the tiles.
	if _, err := Verify(ctx, f.bundle, Policy{Trust: f.trust, NewerCheckpoint: []byte(rev.Log.Checkpoint)}); err == nil || !strings.Contains(err.Error(), "--log") {
		t.Fatalf("newer checkpoint without log: %v", err)
	}
}

func TestSummarizeErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{`, "not an assessment"},
		{`{"regimes": {"cra": {"verdict": "conforms"}}}`, "/product/name"},
		{`{"product": {"name": "x"}}`, "/regimes is empty"},
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "maybe"}}}`, "/regimes/cra/verdict"},
		// exactly the assessment's shape: the older lenient ones are refused
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "conforms"}}}`, "/generator is missing"},
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "conforms"}}, "generator": {"name": "dualmark"}, "on": "3 Dec"}`, "/on is"},
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "conforms"}}, "generator": {"name": "dualmark"}, "on": "2026-12-03"}`, "/supportPeriod is missing"},
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "conforms"}}, "generator": {"name": "dualmark"}, "on": "2026-12-03", "supportPeriod": null}`, "/updatePolicy is missing"},
		{`{"product": {"name": "x", "manufacturer": {"name": "m"}}, "regimes": {"cra": {"verdict": "conforms"}}}`, "/product is not the assessment's product identity"},
		{`{"product": {"name": "x", "supportPeriod": {"end": "2031-01-01"}}, "regimes": {"cra": {"verdict": "conforms"}}}`, `unknown field "supportPeriod"`},
		{`{"product": {"name": "x"}, "regimes": {"cra": {"verdict": "conforms"}}, "generator": {"name": "dualmark"}, "on": "2026-12-03", "supportPeriod": {"end": "soon"}, "updatePolicy": null}`, "/supportPeriod/end"},
	} {
		if _, err := Summarize([]byte(tc.in), "a.json"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestLeafDataMatchesJSON pins the hand-written leaf encoding to json.Marshal.
func TestLeafDataMatchesJSON(t *testing.T) {
	for _, env := range []*Envelope{
		{PayloadType: PayloadType, Payload: "eyJhIjoxfQ==", Signatures: []Signature{{KeyID: "ab", Sig: "c2ln+/=="}, {KeyID: "x<y>&\"\\\n\u2028é", Sig: ""}}},
		{PayloadType: "", Payload: ""},
		{PayloadType: "t", Signatures: []Signature{}},
	} {
		want, _ := json.Marshal(env)
		if got := LeafData(env); !bytes.Equal(got, want) {
			t.Errorf("LeafData = %s\nwant        %s", got, want)
		}
	}
}

// TestAssessmentFixtureIsTheContract: the test assessment validates against
// docs/assessment.schema.json, so the label tests read the real shape.
func TestAssessmentFixtureIsTheContract(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile("../../docs/assessment.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Error(err)
	}
}
