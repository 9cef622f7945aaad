package assess

import (
	"encoding/json"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
)

// testCatalog has one requirement chain across the regimes:
// EN303645-5.1-1 ≡ NISTIR8425-4a.ii; CRA-I.2.b ⊇ EN303645-5.1-1;
// CRA-I.2.d overlaps EN303645-5.1-1; CRA-I.2.a ≡ EN303645-5.2-3 (for scan
// propagation); NISTIR8425-4a has the item 4a.ii.
func testCatalog() *fakeCatalog {
	parent := req("NISTIR8425-4a", "nistir8425", catalog.Mandatory)
	child := req("NISTIR8425-4a.ii", "nistir8425", catalog.Mandatory)
	child.Parent = parent.ID
	return &fakeCatalog{
		reqs: []catalog.Requirement{
			req("CRA-I.2.a", "cra", catalog.Mandatory), req("CRA-I.2.b", "cra", catalog.Mandatory), req("CRA-I.2.d", "cra", catalog.Mandatory),
			req("CRA-14.8", "cra", catalog.Conditional),
			parent, child, req("FCC-REG-6", "fcc", catalog.Mandatory),
			req("EN303645-5.1-1", "en303645", catalog.Conditional), req("EN303645-5.2-3", "en303645", catalog.Recommended),
			req("EN303645-5.3-8", "en303645", catalog.Recommended),
		},
		rows: []catalog.Mapping{
			{From: "EN303645-5.1-1", To: "NISTIR8425-4a.ii", Relation: catalog.Equivalent},
			{From: "CRA-I.2.b", To: "EN303645-5.1-1", Relation: catalog.Superset},
			{From: "CRA-I.2.d", To: "EN303645-5.1-1", Relation: catalog.Overlaps, Rationale: "passwords are one access control"},
			{From: "CRA-I.2.a", To: "EN303645-5.2-3", Relation: catalog.Equivalent},
			{From: "CRA-I.2.a", To: "EN303645-5.3-8", Relation: catalog.Overlaps},
		},
		routes: map[string][]catalog.Route{"default": {{Module: "A"}, {Module: "B+C"}},
			"important-class-I": {{Module: "A", Needs: []string{catalog.NeedsFullHarmonised}}, {Module: "B+C"}, {Module: "H"}}},
	}
}

func evidenceFor(ids ...string) dossier.Evidence {
	return dossier.Evidence{Title: "report", Kind: "test-report", Path: "evidence/r.pdf", Issuer: "Lab", Date: dossier.NewDate(2026, 1, 1), Demonstrates: ids}
}

func find(t *testing.T, a *Assessment, id string) RequirementResult {
	t.Helper()
	for _, rr := range a.Regimes {
		for _, r := range rr.Requirements {
			if r.ID == id {
				return r
			}
		}
	}
	t.Fatalf("requirement %s not in the assessment", id)
	return RequirementResult{}
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name     string
		change   func(d *dossier.Dossier)
		scan     *match.Result
		want     map[string]string
		verdicts map[string]string
		check    func(t *testing.T, a *Assessment)
	}{
		{name: "nothing stated", change: func(d *dossier.Dossier) { *d = dossier.Dossier{Category: dossier.Category{Class: "default"}} },
			want:     map[string]string{"CRA-I.2.b": Unknown, "EN303645-5.1-1": Unknown, "CRA-14.8": Unknown},
			verdicts: map[string]string{RegimeCRA: Incomplete, RegimeUSCTM: Incomplete, RegimeEN303645: Conforms}},
		{name: "evidence for CRA-I.2.b is fully reused for EN 303 645 and, derived, not for NIST",
			change: func(d *dossier.Dossier) {
				d.Authentication.DefaultPassword = ""
				d.Evidence = []dossier.Evidence{evidenceFor("CRA-I.2.b")}
			},
			want: map[string]string{"CRA-I.2.b": Met, "EN303645-5.1-1": Met, "CRA-I.2.d": Unknown},
			check: func(t *testing.T, a *Assessment) {
				r := find(t, a, "EN303645-5.1-1")
				if len(r.ReusedFrom) != 1 || r.ReusedFrom[0].From != "CRA-I.2.b" || r.ReusedFrom[0].Coverage != "full" {
					t.Errorf("EN303645-5.1-1 reuse = %+v", r.ReusedFrom)
				}
				if a.Regimes[RegimeEN303645].Reuse.Settled != 1 || !slices.Contains(a.Regimes[RegimeEN303645].Reuse.IDs, "EN303645-5.1-1") {
					t.Errorf("en303645 reuse = %+v", a.Regimes[RegimeEN303645].Reuse)
				}
			}},
		{name: "check meets EN303645-5.1-1: equivalent NIST item met by reuse, parent rolls up, CRA-I.2.d partial",
			want: map[string]string{"EN303645-5.1-1": Met, "NISTIR8425-4a.ii": Met, "NISTIR8425-4a": Met, "CRA-I.2.d": Unknown, "CRA-I.2.b": Unknown},
			check: func(t *testing.T, a *Assessment) {
				r := find(t, a, "CRA-I.2.d")
				if len(r.ReusedFrom) != 1 || r.ReusedFrom[0].Coverage != "partial" || !strings.Contains(r.ReusedFrom[0].Needed, "passwords are one access control") {
					t.Errorf("CRA-I.2.d reuse = %+v", r.ReusedFrom)
				}
				// CRA-I.2.b asks more than EN303645-5.1-1: partial too.
				if b := find(t, a, "CRA-I.2.b"); len(b.ReusedFrom) != 1 || b.ReusedFrom[0].Relation != catalog.Subset {
					t.Errorf("CRA-I.2.b reuse = %+v", b.ReusedFrom)
				}
				if a.Regimes[RegimeCRA].Reuse.Partial != 2 {
					t.Errorf("cra partial reuse = %d", a.Regimes[RegimeCRA].Reuse.Partial)
				}
			}},
		{name: "universal password fails everywhere; evidence does not outweigh the fact",
			change: func(d *dossier.Dossier) {
				d.Authentication.DefaultPassword = "universal"
				d.Evidence = []dossier.Evidence{evidenceFor("EN303645-5.1-1", "NISTIR8425-4a")}
			},
			want:     map[string]string{"EN303645-5.1-1": NotMet, "CRA-I.2.d": NotMet, "NISTIR8425-4a": NotMet, "NISTIR8425-4a.ii": NotMet},
			verdicts: map[string]string{RegimeCRA: DoesNotConform, RegimeUSCTM: DoesNotConform, RegimeEN303645: DoesNotConform}},
		{name: "not-applicable claim",
			change: func(d *dossier.Dossier) {
				d.Authentication.DefaultPassword = ""
				d.NotApplicable = []dossier.NotApplicable{{Requirement: "EN303645-5.1-1", Justification: "no passwords"}}
			},
			want: map[string]string{"EN303645-5.1-1": NotApplicable, "NISTIR8425-4a.ii": Unknown}},
		{name: "KEV finding fails CRA-I.2.a and its equivalent, and leaves a note on an overlapping one",
			scan: &match.Result{Findings: []match.Finding{{Advisory: match.AdvisoryRef{ID: "CVE-1"}, KEV: true, Severity: "high"}}},
			want: map[string]string{"CRA-I.2.a": NotMet, "EN303645-5.2-3": NotMet, "EN303645-5.3-8": Unknown},
			check: func(t *testing.T, a *Assessment) {
				r := find(t, a, "EN303645-5.3-8")
				if n := len(r.Reasons); n < 2 || !strings.HasPrefix(r.Reasons[n-1], "note: CRA-I.2.a (overlapping this requirement) is not met") {
					t.Errorf("EN303645-5.3-8 reasons = %q", r.Reasons)
				}
				if a.Scan == nil || len(a.Scan.Blocking) != 1 || a.Scan.Blocking[0].Advisory != "CVE-1" {
					t.Errorf("scan summary = %+v", a.Scan)
				}
				if v := a.Regimes[RegimeEN303645].Verdict; v != Conforms {
					t.Errorf("a not-met recommendation must not decide the verdict: en303645 %s", v)
				}
			}},
		{name: "clean scan meets CRA-I.2.a", scan: &match.Result{}, want: map[string]string{"CRA-I.2.a": Met, "EN303645-5.2-3": Met}},
		{name: "all evidence given: CRA conforms",
			change: func(d *dossier.Dossier) {
				d.Evidence = []dossier.Evidence{evidenceFor("CRA-I.2.a", "CRA-I.2.b", "CRA-I.2.d", "FCC-REG-6")}
			},
			verdicts: map[string]string{RegimeCRA: Conforms, RegimeUSCTM: Tested, RegimeEN303645: Conforms},
			check: func(t *testing.T, a *Assessment) {
				if find(t, a, "CRA-14.8").Status != Unknown {
					t.Error("CRA-14.8 should stay unknown")
				}
				rt := a.Regimes[RegimeCRA].Route
				if rt == nil || len(rt.Allowed) != 2 || rt.ChosenAllowed == nil || !*rt.ChosenAllowed {
					t.Errorf("route = %+v", rt)
				}
			}},
		{name: "class I product with module A and no standards",
			change: func(d *dossier.Dossier) {
				d.Category = dossier.Category{Class: "important-class-I", Item: 17}
				d.Conformity.Standards = nil
			},
			check: func(t *testing.T, a *Assessment) {
				rt := a.Regimes[RegimeCRA].Route
				if rt.ChosenAllowed == nil || *rt.ChosenAllowed || rt.Annex != "Annex III, class I, item 17" || rt.Note == "" {
					t.Errorf("route = %+v", rt)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := goodDossier()
			if tc.change != nil {
				tc.change(d)
			}
			a, err := Evaluate(d, Inputs{On: testOn, Catalog: testCatalog(), Scan: tc.scan})
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range tc.want {
				if got := find(t, a, id); got.Status != want {
					t.Errorf("%s = %s, want %s (reasons %q)", id, got.Status, want, got.Reasons)
				}
			}
			for r, want := range tc.verdicts {
				if got := a.Regimes[r].Verdict; got != want {
					t.Errorf("%s verdict = %s, want %s (%s)", r, got, want, a.Regimes[r].VerdictReason)
				}
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	if _, err := Evaluate(nil, Inputs{On: testOn, Catalog: testCatalog()}); err == nil {
		t.Error("nil dossier: no error")
	}
	if _, err := Evaluate(goodDossier(), Inputs{}); err == nil {
		t.Error("no catalog: no error")
	}
	_, err := Evaluate(goodDossier(), Inputs{On: testOn, Catalog: testCatalog(), Regimes: []string{"cra", "ul"}})
	if err == nil || !strings.Contains(err.Error(), `"ul"`) {
		t.Errorf("unknown regime: %v", err)
	}
	a, err := Evaluate(goodDossier(), Inputs{On: testOn, Catalog: testCatalog(), Regimes: []string{" US-CTM", "cra", "us-ctm"}})
	if err != nil || !slices.Equal(a.Order, []string{"us-ctm", "cra"}) || len(a.Regimes) != 2 {
		t.Errorf("regime selection: %v %v", a.Order, err)
	}
}

// TestJSONContract pins the shape issue 5 asks for: product, regimes keyed
// by regime with verdict and requirements of {id, status, reasons,
// evidence, reusedFrom}, reuse, and scan when scanned.
func TestJSONContract(t *testing.T) {
	a, err := Evaluate(goodDossier(), Inputs{On: testOn, Catalog: testCatalog(), Scan: &match.Result{}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"product", "regimes", "reuse", "scan"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	regimes := doc["regimes"].(map[string]any)
	for _, r := range AllRegimes {
		rr, ok := regimes[r].(map[string]any)
		if !ok {
			t.Fatalf("regimes lacks %q", r)
		}
		if v := rr["verdict"]; !slices.Contains([]any{Conforms, DoesNotConform, Incomplete, ReadyForTesting, Tested, NotInForce}, v) {
			t.Errorf("%s verdict %v", r, v)
		}
		for _, x := range rr["requirements"].([]any) {
			req := x.(map[string]any)
			for _, k := range []string{"id", "status", "reasons", "evidence", "reusedFrom"} {
				if _, ok := req[k]; !ok {
					t.Errorf("%s requirement %v lacks %q", r, req["id"], k)
				}
			}
		}
	}
	if _, ok := regimes[RegimeCRA].(map[string]any)["route"]; !ok {
		t.Error("cra lacks route")
	}
}

// TestEveryCatalogRequirementCovered runs the real catalog: every
// requirement of each regime appears exactly once in the result.
func TestEveryCatalogRequirementCovered(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := Evaluate(goodDossier(), Inputs{On: testOn, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range AllRegimes {
		want := 0
		for _, cr := range regimeCatalogs[r] {
			want += len(cat.ByRegime(cr))
		}
		seen := map[string]bool{}
		for _, x := range a.Regimes[r].Requirements {
			if seen[x.ID] {
				t.Errorf("%s: %s twice", r, x.ID)
			}
			seen[x.ID] = true
		}
		if len(seen) != want || want == 0 {
			t.Errorf("%s: %d requirements reported, catalog has %d", r, len(seen), want)
		}
	}
}

// TestCheckIDsInCatalog makes sure every ID a check decides exists in the
// real catalog.
func TestCheckIDsInCatalog(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Checks {
		for _, id := range c.Decides {
			if _, ok := cat.Get(id); !ok {
				t.Errorf("check %s decides %s, which is not in the catalog", c.Name, id)
			}
		}
	}
}

// rank orders statuses for the monotonicity property: not-met < unknown <
// unknown with partial reuse < met = not-applicable.
func rank(r RequirementResult) int {
	switch r.Status {
	case NotMet:
		return 0
	case Unknown:
		switch {
		case r.Awaiting != "":
			return 3 // prepared, awaiting lab or notified-body evidence
		case len(r.ReusedFrom) > 0:
			return 2
		}
		return 1
	}
	return 4
}

var verdictRank = map[string]int{DoesNotConform: 0, Incomplete: 1, ReadyForTesting: 2, Tested: 3, Conforms: 3, NotInForce: 3}

// randomDossier draws the facts the checks read from a seeded generator.
func randomDossier(rng *rand.Rand, ids []string) *dossier.Dossier {
	d := goodDossier()
	tri := func() *bool {
		switch rng.Intn(3) {
		case 0:
			return nil
		case 1:
			return ptr(true)
		}
		return ptr(false)
	}
	str := func(s string) string {
		if rng.Intn(2) == 0 {
			return ""
		}
		return s
	}
	d.Authentication.DefaultPassword = []string{"", "none", "unique-per-device", "user-set-at-setup", "universal"}[rng.Intn(5)]
	d.Authentication.BruteForceProtection = tri()
	d.Authentication.PasswordChange = str("in the app")
	d.SupportPeriod.End = dossier.NewDate(2027+rng.Intn(8), 3, 1)
	d.SupportPeriod.ExpectedUseYears = rng.Intn(7)
	d.SupportPeriod.Rationale = str("why")
	d.SupportPeriod.DisclosedAtPurchase, d.SupportPeriod.EndOfSupportNotice = tri(), tri()
	d.Updates.Mechanism = []string{"", "ota", "app", "none"}[rng.Intn(4)]
	d.Updates.Signed, d.Updates.Automatic, d.Updates.OptOut, d.Updates.Notification, d.Updates.Postpone, d.Updates.FreeOfCharge = tri(), tri(), tri(), tri(), tri(), tri()
	d.Cryptography.HardCodedSecrets, d.Cryptography.UniqueDeviceKeys, d.Cryptography.EncryptionInTransit = tri(), tri(), tri()
	d.Data.Deletion.FactoryReset, d.Data.PersonalData, d.Logging.SecurityEvents = tri(), tri(), tri()
	d.VulnerabilityHandling.DisclosurePolicy = str("https://x/cvd")
	d.VulnerabilityHandling.Contact = str("sec@x")
	d.Interfaces.Physical[0].State = []string{"enabled", "disabled", "fused"}[rng.Intn(3)]
	d.FCCDeclarations.NotCoveredList = tri()
	for i := rng.Intn(4); i > 0; i-- {
		d.NotApplicable = append(d.NotApplicable, dossier.NotApplicable{Requirement: ids[rng.Intn(len(ids))], Justification: "because"})
	}
	for i := rng.Intn(4); i > 0; i-- {
		d.Evidence = append(d.Evidence, evidenceFor(ids[rng.Intn(len(ids))]))
	}
	return d
}

// TestAddingEvidenceNeverLowersStatus is the monotonicity property: for
// random dossiers (seeded), adding an evidence document for random
// requirements never lowers any requirement's status in the order
// not-met < unknown < partial < met = not-applicable, never changes a
// status decided by a fact or claim (not-met, not-applicable), and never
// lowers a verdict (does-not-conform < incomplete < conforms).
func TestAddingEvidenceNeverLowersStatus(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range assessedRegimes {
		for _, x := range cat.ByRegime(r) {
			ids = append(ids, x.ID)
		}
	}
	rng := rand.New(rand.NewSource(20261129))
	scans := []*match.Result{nil, {}, {Findings: []match.Finding{{KEV: true, Severity: "high"}}}}
	runs := 300
	if testing.Short() { // 40 random dossiers: a minute under the race detector otherwise
		runs = 40
	}
	for i := 0; i < runs; i++ {
		d := randomDossier(rng, ids)
		scan := scans[rng.Intn(len(scans))]
		before, err := Evaluate(d, Inputs{On: testOn, Catalog: cat, Scan: scan})
		if err != nil {
			t.Fatal(err)
		}
		more := *d
		more.Evidence = slices.Clone(d.Evidence)
		var added []string
		for j := 1 + rng.Intn(5); j > 0; j-- {
			added = append(added, ids[rng.Intn(len(ids))])
		}
		more.Evidence = append(more.Evidence, evidenceFor(added...))
		after, err := Evaluate(&more, Inputs{On: testOn, Catalog: cat, Scan: scan})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range AllRegimes {
			b, a := before.Regimes[r], after.Regimes[r]
			if verdictRank[a.Verdict] < verdictRank[b.Verdict] {
				t.Errorf("run %d: adding evidence for %v lowered the %s verdict %s -> %s", i, added, r, b.Verdict, a.Verdict)
			}
			for k := range b.Requirements {
				x, y := b.Requirements[k], a.Requirements[k]
				if rank(y) < rank(x) || ((x.Status == NotMet || x.Status == NotApplicable) && y.Status != x.Status) {
					t.Errorf("run %d: adding evidence for %v changed %s %s -> %s (%q)", i, added, x.ID, x.Status, y.Status, y.Reasons)
				}
			}
		}
	}
}

// TestEvidenceKindNote: a policy claiming a requirement that only a test
// report can show still counts, with a note for the reviewer.
func TestEvidenceKindNote(t *testing.T) {
	for _, tc := range []struct {
		kind string
		note bool
	}{{"test-report", false}, {"certificate", false}, {"policy", true}, {"", true}} {
		d := goodDossier()
		ev := evidenceFor("CRA-I.2.d")
		ev.Kind = tc.kind
		d.Evidence = []dossier.Evidence{ev}
		a, err := Evaluate(d, Inputs{On: testOn, Catalog: testCatalog()})
		if err != nil {
			t.Fatal(err)
		}
		r := find(t, a, "CRA-I.2.d")
		if r.Status != Met || strings.Contains(r.Reasons[0], "note: the catalog expects test-report") != tc.note {
			t.Errorf("kind %q: %s %q", tc.kind, r.Status, r.Reasons)
		}
	}
}

// TestJustificationProvision decides EN 303 645 4-1 from the
// recommendations: fulfilled or claimed not applicable ⇒ met; one shown
// not fulfilled without a claim ⇒ not met, whatever a document says.
func TestJustificationProvision(t *testing.T) {
	cat := &fakeCatalog{reqs: []catalog.Requirement{
		req("EN303645-4-1", "en303645", catalog.Mandatory),
		req("EN303645-5.1-5", "en303645", catalog.Mandatory),
		req("EN303645-5.3-4", "en303645", catalog.Recommended),
		req("EN303645-5.4-3", "en303645", catalog.Recommended),
	}}
	for _, tc := range []struct {
		name   string
		change func(d *dossier.Dossier)
		want   string
	}{
		{"all recommendations met", nil, Met},
		{"one not met", func(d *dossier.Dossier) { d.Cryptography.HardCodedSecrets = ptr(true) }, NotMet},
		{"one not met, a document claims 4-1", func(d *dossier.Dossier) {
			d.Cryptography.HardCodedSecrets = ptr(true)
			d.Evidence = []dossier.Evidence{evidenceFor("EN303645-4-1")}
		}, NotMet},
		{"one not met but justified", func(d *dossier.Dossier) {
			d.Cryptography.HardCodedSecrets = ptr(true)
			d.NotApplicable = []dossier.NotApplicable{{Requirement: "EN303645-5.4-3", Justification: "the key is public by design"}}
		}, Met},
		{"one open", func(d *dossier.Dossier) { d.Updates.Automatic = nil }, Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := goodDossier()
			if tc.change != nil {
				tc.change(d)
			}
			a, err := Evaluate(d, Inputs{On: testOn, Catalog: cat, Regimes: []string{RegimeEN303645}})
			if err != nil {
				t.Fatal(err)
			}
			if r := find(t, a, "EN303645-4-1"); r.Status != tc.want {
				t.Errorf("EN303645-4-1 = %s, want %s (%q)", r.Status, tc.want, r.Reasons)
			}
		})
	}
}
