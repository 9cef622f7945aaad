package label

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// reference decodes with encoding/json, the behaviour fastjson must match
// on everything json.Marshal produces.
func reference(t testing.TB, b []byte) (*Statement, *Predicate) {
	var ls struct {
		Statement
		Predicate *Predicate `json:"predicate"`
	}
	if err := json.Unmarshal(b, &ls); err != nil {
		t.Fatal(err)
	}
	ls.Statement.Predicate = nil
	return &ls.Statement, ls.Predicate
}

func roundTrip(t testing.TB, st *Statement) {
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	gotS, gotP, err := decodeLabelStatement(b)
	if err != nil {
		t.Fatalf("fast decode of %s: %v", b, err)
	}
	wantS, wantP := reference(t, b)
	if !reflect.DeepEqual(gotS, wantS) || !reflect.DeepEqual(gotP, wantP) {
		t.Fatalf("fast decode differs from encoding/json for %s:\n got %+v %+v\nwant %+v %+v", b, gotS, gotP, wantS, wantP)
	}
}

func statementWith(name string, auto *bool) *Statement {
	p := Predicate{
		Product:          Product{Name: name, Manufacturer: "M\u00fcller & Söhne <GmbH>", Model: "X\t1", Identifiers: []Identifier{{"gtin", "0123"}, {name, ""}}},
		Regimes:          map[string]Verdict{"cra": {Verdict: "conforms", Readiness: "does-not-conform"}, name: {Verdict: "incomplete"}},
		SupportPeriodEnd: "2031-01-01", PostQuantum: "Post-quantum ready: \"quoted\" <b>", UpdatePolicy: &UpdatePolicy{Mechanism: "ota", Automatic: auto},
		Assessment: AssessmentRef{Digest: map[string]string{"sha256": "ab", name: "cd"}, MediaType: AssessmentMediaType},
		Issuer:     "I", IssuedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	raw, _ := json.Marshal(p)
	return &Statement{Type: StatementType, PredicateType: PredicateType, Predicate: raw,
		Subject: []ResourceDescriptor{{Name: SubjectProduct, Digest: map[string]string{"sha256": p.Product.Digest()}}, {Name: name, URI: "u", Digest: map[string]string{"sha512": "x"}}}}
}

func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	f := false
	for _, name := range []string{"plain", "", "quote\" backslash\\ slash/", "ctl\x01\n\u2028", "emoji 🔌 ünï", "bad utf8 \xff\xfe", "\xed\xa0\x80"} {
		roundTrip(t, statementWith(name, &f))
		roundTrip(t, statementWith(name, nil))
	}
	for _, in := range []string{
		`{"_type":"a","subject":null,"predicate":null,"x":[1,-2.5e3,true,false,null,{"y":"\u00e9\ud83d\udd0c"}]}`,
		`{"predicate":{"product":{"name":"\ud800\u0041"},"updatePolicy":null}}`,
	} {
		s, p, err := decodeLabelStatement([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		ws, wp := reference(t, []byte(in))
		if !reflect.DeepEqual(s, ws) || !reflect.DeepEqual(p, wp) {
			t.Fatalf("%s: got %+v %+v want %+v %+v", in, s, p, ws, wp)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":}`, `{"a":1,}`, `[]`, `{"a":"x"} {}`, `{"a":tru}`, `{"_type":"\q"}`, "{\"a\":\"\x01\"}", `{"a":--1}`} {
		if _, _, err := decodeLabelStatement([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzFastJSON checks that the fast decoder never panics on arbitrary
// bytes and agrees with encoding/json on statements json.Marshal writes
// with fuzzed strings.
func FuzzFastJSON(f *testing.F) {
	f.Add([]byte(`{"_type":"x"}`), "name")
	f.Add([]byte(`{"predicate":{"regimes":{"cra":{"verdict":"conforms"}}}}`), "\u00e9\xff")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		decodeLabelStatement(data)
		tr := true
		roundTrip(t, statementWith(name, &tr))
	})
}

// TestProductDigestMatchesJSON pins the hand-written product encoding.
func TestProductDigestMatchesJSON(t *testing.T) {
	for _, p := range []Product{
		{},
		{Name: "a", Model: "m"},
		{Name: "x<y>&\"\\\n\u2028é\xff", Manufacturer: "M", Brand: "B", Model: "M", Type: "T", HardwareVersion: "H", FirmwareVersion: "F", Identifiers: []Identifier{{"t", "v"}, {}}},
		{Identifiers: []Identifier{}},
	} {
		b, _ := json.Marshal(p)
		sum := sha256.Sum256(b)
		if got, want := p.Digest(), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("Digest(%+v) = %s, want %s (%s)", p, got, want, b)
		}
	}
}
