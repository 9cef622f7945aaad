package art14

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func rules(t testing.TB) *Rules {
	t.Helper()
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

var product = Product{Name: "Voltic SmartPlug", Version: "2.1.0", Manufacturer: "Voltic Home Devices GmbH",
	MainEstablishment: "DE", Class: "default", MemberStates: []string{"DE", "AT", "FR"}, EnterpriseSize: "small"}

// TestParseDeadline reads every wording the catalog uses, and refuses others.
func TestParseDeadline(t *testing.T) {
	for _, tc := range []struct {
		text   string
		hours  int
		months int
		from   Anchor
		undue  bool
		bad    bool
	}{
		{text: "24 hours after becoming aware", hours: 24, from: FromAwareness},
		{text: "72 hours after becoming aware", hours: 72, from: FromAwareness},
		{text: "14 days after a corrective or mitigating measure is available", hours: 336, from: FromMeasure},
		{text: "1 month after the incident notification", months: 1, from: FromNotification},
		{text: "without undue delay after becoming aware", undue: true, from: FromAwareness},
		{text: "promptly", bad: true},
		{text: "0 hours after becoming aware", bad: true},
		{text: "24 hours after lunch", bad: true},
		{text: "99999999999999999999 hours after becoming aware", bad: true},
	} {
		r, err := ParseDeadline(tc.text)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: no error", tc.text)
			}
			continue
		}
		if err != nil || r.Hours != tc.hours || r.Months != tc.months || r.From != tc.from || r.UndueDelay != tc.undue {
			t.Errorf("%q: got %+v, %v", tc.text, r, err)
		}
	}
}

// TestRulesFromCatalog pins the deadlines read from the catalog, one per
// article, and the date Article 14 applies from (Art. 71(2)).
func TestRulesFromCatalog(t *testing.T) {
	rs := rules(t)
	if got := rs.AppliesFrom.Format("2006-01-02"); got != "2026-09-11" {
		t.Errorf("applies from %s, want 2026-09-11", got)
	}
	aware := ts("2026-10-02T09:30:00+02:00") // 07:30 UTC
	fix := ts("2026-10-10T12:00:00Z")
	for _, tc := range []struct {
		name  string
		kind  Kind
		stage Stage
		start time.Time
		due   string
	}{
		{"Art14(2)(a)_vulnerability_early_warning_24h", KindVulnerability, StageEarlyWarning, aware, "2026-10-03T07:30:00Z"},
		{"Art14(2)(b)_vulnerability_notification_72h", KindVulnerability, StageNotification, aware, "2026-10-05T07:30:00Z"},
		{"Art14(2)(c)_vulnerability_final_report_14d_after_fix", KindVulnerability, StageFinal, fix, "2026-10-24T12:00:00Z"},
		{"Art14(4)(a)_incident_early_warning_24h", KindIncident, StageEarlyWarning, aware, "2026-10-03T07:30:00Z"},
		{"Art14(4)(b)_incident_notification_72h", KindIncident, StageNotification, aware, "2026-10-05T07:30:00Z"},
		{"Art14(4)(c)_incident_final_report_1_month", KindIncident, StageFinal, ts("2026-10-05T07:00:00Z"), "2026-11-05T07:00:00Z"},
		{"Art14(4)(c)_incident_final_report_1_month_from_31_Jan", KindIncident, StageFinal, ts("2027-01-31T10:00:00Z"), "2027-02-28T10:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := rs.Get(tc.kind, tc.stage)
			if !ok {
				t.Fatal("no rule")
			}
			if got := r.Due(tc.start).Format(time.RFC3339); got != tc.due {
				t.Errorf("due %s, want %s (%s: %q)", got, tc.due, r.RequirementID, r.Text)
			}
		})
	}
	if r, _ := rs.Get(KindVulnerability, StageUserInfo); !r.UndueDelay || r.Source != "Art. 14(8)" {
		t.Errorf("Art. 14(8) user information: %+v", r)
	}
}

func openCase(t *testing.T, c Case) *Case {
	t.Helper()
	oc, err := Open(rules(t), c, c.Awareness.Detected)
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

// TestClocks pins each window's state at times across it, thresholds at 50 %
// and 90 %, awareness policy and the final-report anchors.
func TestClocks(t *testing.T) {
	rs := rules(t)
	det := ts("2026-10-02T09:30:00+02:00")
	ack := ts("2026-10-02T15:30:00+02:00")
	base := Case{ID: "c1", Kind: KindVulnerability, Product: product, Vulnerability: "CVE-2024-3400", KEV: true,
		Awareness: Awareness{Detected: det, Acknowledged: &ack, Policy: ClockFromDetection}}
	for _, tc := range []struct {
		name   string
		policy ClockPolicy
		now    string
		want   map[Stage]State
		due    map[Stage]string
	}{
		{"Art14(2)(a)_running_after_1h", ClockFromDetection, "2026-10-02T08:30:00Z",
			map[Stage]State{StageEarlyWarning: StateRunning, StageNotification: StateRunning, StageFinal: StateWaiting, StageUserInfo: StateOpen},
			map[Stage]string{StageEarlyWarning: "2026-10-03T07:30:00Z", StageNotification: "2026-10-05T07:30:00Z"}},
		{"Art14(2)(a)_at_50pct_after_12h", ClockFromDetection, "2026-10-02T19:30:00Z",
			map[Stage]State{StageEarlyWarning: StateAt50, StageNotification: StateRunning}, nil},
		{"Art14(2)(a)_at_90pct_after_21h36m", ClockFromDetection, "2026-10-03T05:06:00Z",
			map[Stage]State{StageEarlyWarning: StateAt90}, nil},
		{"Art14(2)(a)_overdue_after_24h", ClockFromDetection, "2026-10-03T07:30:00Z",
			map[Stage]State{StageEarlyWarning: StateOverdue, StageNotification: StateRunning}, nil},
		{"Art14(2)(b)_at_50pct_after_36h", ClockFromDetection, "2026-10-03T19:30:00Z",
			map[Stage]State{StageNotification: StateAt50}, nil},
		{"Art14(2)(a)_policy_acknowledgement_starts_6h_later", ClockFromAcknowledgement, "2026-10-03T07:30:00Z",
			map[Stage]State{StageEarlyWarning: StateAt50},
			map[Stage]string{StageEarlyWarning: "2026-10-03T13:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			c.Awareness.Policy = tc.policy
			cs, err := Clocks(rs, &c, ts(tc.now))
			if err != nil {
				t.Fatal(err)
			}
			for _, ck := range cs {
				if w, ok := tc.want[ck.Stage]; ok && ck.State != w {
					t.Errorf("%s: state %s, want %s", ck.Stage, ck.State, w)
				}
				if w, ok := tc.due[ck.Stage]; ok && ck.Due.Format(time.RFC3339) != w {
					t.Errorf("%s: due %s, want %s", ck.Stage, ck.Due.Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestStateAt(t *testing.T) {
	s, d := ts("2026-10-01T00:00:00Z"), ts("2026-10-02T00:00:00Z")
	for _, tc := range []struct {
		now, sub string
		want     State
	}{
		{"2026-10-01T11:59:59Z", "", StateRunning},
		{"2026-10-01T12:00:00Z", "", StateAt50},
		{"2026-10-01T21:35:59Z", "", StateAt50},
		{"2026-10-01T21:36:00Z", "", StateAt90},
		{"2026-10-02T00:00:00Z", "", StateOverdue},
		{"2026-10-03T00:00:00Z", "2026-10-01T10:00:00Z", StateSubmitted},
		{"2026-10-03T00:00:00Z", "2026-10-02T00:00:01Z", StateLate},
	} {
		var sub time.Time
		if tc.sub != "" {
			sub = ts(tc.sub)
		}
		if got := StateAt(s, d, sub, ts(tc.now)); got != tc.want {
			t.Errorf("at %s (sub %q): %s, want %s", tc.now, tc.sub, got, tc.want)
		}
	}
	if got := StateAt(time.Time{}, time.Time{}, time.Time{}, s); got != StateWaiting {
		t.Errorf("no start: %s", got)
	}
}

// TestFinalReportAnchors: a vulnerability's final report runs from the fix
// (Art. 14(2)(c)), an incident's from the notification (Art. 14(4)(c)).
func TestFinalReportAnchors(t *testing.T) {
	rs := rules(t)
	t.Run("Art14(2)(c)_from_measure_available", func(t *testing.T) {
		c := openCase(t, Case{ID: "v", Kind: KindVulnerability, Product: product, Vulnerability: "CVE-2024-3400",
			Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
		if err := c.SetMeasureAvailable(ts("2026-10-20T00:00:00Z"), ts("2026-10-20T01:00:00Z")); err != nil {
			t.Fatal(err)
		}
		cs, _ := Clocks(rs, c, ts("2026-10-21T00:00:00Z"))
		if cs[2].Due.Format(time.RFC3339) != "2026-11-03T00:00:00Z" || cs[2].State != StateRunning {
			t.Errorf("final report: %+v", cs[2])
		}
	})
	t.Run("Art14(4)(c)_from_notification_submitted", func(t *testing.T) {
		c := openCase(t, Case{ID: "i", Kind: KindIncident, Product: product, Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
		cs, _ := Clocks(rs, c, ts("2026-10-02T08:00:00Z"))
		if !cs[2].Provisional || cs[2].Due.Format(time.RFC3339) != "2026-11-05T07:30:00Z" {
			t.Errorf("provisional final report: %+v", cs[2])
		}
		d, err := NewDraft(rs, c, StageNotification, ts("2026-10-03T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		d.IncidentNature, d.InitialAssessment, d.MeasuresTaken, d.UserMeasures, d.Sensitivity = "n", "a", "m", "u", "TLP:AMBER"
		if err := c.Submit(d, Submission{At: ts("2026-10-04T10:00:00Z"), Channel: "ENISA SRP", ReceiptID: "R-1"}); err != nil {
			t.Fatal(err)
		}
		cs, _ = Clocks(rs, c, ts("2026-10-05T00:00:00Z"))
		if cs[2].Provisional || cs[2].Due.Format(time.RFC3339) != "2026-11-04T10:00:00Z" || cs[1].State != StateSubmitted {
			t.Errorf("after notification: %+v / %+v", cs[1], cs[2])
		}
	})
	t.Run("Art14(6)_intermediate_on_request", func(t *testing.T) {
		c := openCase(t, Case{ID: "i6", Kind: KindIncident, Product: product, Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
		if err := c.RequestIntermediate(Request{At: ts("2026-10-06T00:00:00Z"), Due: ptr(ts("2026-10-08T00:00:00Z")), By: "BSI"}); err != nil {
			t.Fatal(err)
		}
		cs, _ := Clocks(rs, c, ts("2026-10-07T12:00:00Z"))
		last := cs[len(cs)-1]
		if last.Stage != StageIntermediate || last.State != StateAt50 {
			t.Errorf("intermediate: %+v", last)
		}
	})
}

// TestClockBackwards: events dated before the last one, and anchors moved
// later (extending a deadline), are refused.
func TestClockBackwards(t *testing.T) {
	rs := rules(t)
	c := openCase(t, Case{ID: "b", Kind: KindVulnerability, Product: product, Vulnerability: "CVE-1",
		Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
	if err := c.Acknowledge(ts("2026-10-02T08:00:00Z"), ts("2026-10-02T09:00:00Z")); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"event before last":           c.SetMeasureAvailable(ts("2026-10-02T08:30:00Z"), ts("2026-10-02T08:59:00Z")),
		"acknowledgement moved later": c.Acknowledge(ts("2026-10-02T10:00:00Z"), ts("2026-10-02T11:00:00Z")),
	} {
		if !errors.Is(err, ErrClockBackwards) {
			t.Errorf("%s: %v, want ErrClockBackwards", name, err)
		}
	}
	if _, err := Open(rs, Case{ID: "early", Kind: KindVulnerability, Product: product, Awareness: Awareness{Detected: ts("2026-09-10T23:00:00Z")}}, ts("2026-09-11T00:00:00Z")); err == nil {
		t.Error("awareness before 11 Sep 2026 accepted")
	}
	// Art. 69(3): a product placed on the market before 11 Dec 2027 is covered.
	if _, err := Open(rs, Case{ID: "old", Kind: KindVulnerability, Product: Product{Name: "old", Manufacturer: "m", PlacedOnMarket: "2019-05-01"},
		Awareness: Awareness{Detected: ts("2026-09-11T00:00:00Z")}}, ts("2026-09-11T00:00:00Z")); err != nil {
		t.Errorf("Art. 69(3) product placed in 2019: %v", err)
	}
}

// TestKEVRansomwarePriority opens a case from a real KEV entry with known
// ransomware campaign use and checks the priority and the note.
func TestKEVRansomwarePriority(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var kev struct {
		Vulnerabilities []struct {
			CVE        string `json:"cveID"`
			Ransomware string `json:"knownRansomwareCampaignUse"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &kev); err != nil {
		t.Fatal(err)
	}
	var known, unknown string
	for _, v := range kev.Vulnerabilities {
		if v.Ransomware == "Known" && known == "" {
			known = v.CVE
		}
		if v.Ransomware == "Unknown" && unknown == "" {
			unknown = v.CVE
		}
	}
	for _, tc := range []struct {
		cve        string
		ransomware bool
		want       string
	}{{known, true, "critical"}, {unknown, false, "high"}} {
		f := match.Finding{Advisory: match.AdvisoryRef{ID: "GHSA-x", Aliases: []string{tc.cve}}, KEV: true, KnownRansomware: tc.ransomware}
		c := openCase(t, FromFinding(product, f, ts("2026-10-02T07:30:00Z"), "KEV"))
		if c.Priority() != tc.want || c.Vulnerability != tc.cve {
			t.Errorf("%s: priority %s, want %s", tc.cve, c.Priority(), tc.want)
		}
	}
	inc := Case{Kind: KindIncident, Ransomware: &Ransomware{Involved: true, NoPaymentPolicy: true}}
	if inc.Priority() != "critical" {
		t.Errorf("ransomware incident: %s", inc.Priority())
	}
}

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", "..", "docs", "art14-report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, d *Draft) error {
	t.Helper()
	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

// complete fills every field a draft can carry.
func complete(d *Draft) {
	if d.Vulnerability != nil {
		d.Vulnerability.Nature = "OS command injection in the GlobalProtect feature of PAN-OS"
		d.Vulnerability.Exploit = "unauthenticated crafted HTTP request, exploited in the wild"
	}
	d.SuspectedMalicious = ptr(true)
	if d.Kind == KindIncident {
		d.IncidentNature = "ransomware encrypted the update server"
		d.InitialAssessment = "update signing keys not reached"
		d.RootCause = "phished administrator credentials"
		d.Mitigations = "credentials rotated; server rebuilt; MFA enforced (ongoing)"
	}
	d.MeasuresTaken = "firmware 2.1.1 released; exposed service disabled by default"
	d.UserMeasures = "install firmware 2.1.1 or disable remote access"
	d.Sensitivity = "TLP:AMBER until the fix is widely installed"
	d.SeverityImpact = "CVSS 10.0; remote code execution as root"
	d.FixDetails = "firmware 2.1.1 validates the session cookie"
	d.StatusUpdate = "fix in staged rollout (40 %)"
}

// TestDraftsSchemaAndSubmit: for every kind and stage, a prefilled draft
// is refused for submission and fails the schema; a completed one passes
// both; each required field removed makes both fail again.
func TestDraftsSchemaAndSubmit(t *testing.T) {
	rs := rules(t)
	sch := schema(t)
	for _, kind := range []Kind{KindVulnerability, KindIncident} {
		for _, stage := range []Stage{StageEarlyWarning, StageNotification, StageFinal, StageIntermediate, StageUserInfo} {
			t.Run(string(kind)+"/"+string(stage), func(t *testing.T) {
				c := openCase(t, Case{ID: "s", Kind: kind, Product: product, Vulnerability: "CVE-2024-3400",
					Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
				d, err := NewDraft(rs, c, stage, ts("2026-10-02T08:00:00Z"))
				if err != nil {
					t.Fatal(err)
				}
				pristine := *d
				if stage != StageEarlyWarning || kind != KindVulnerability { // the vulnerability early warning is complete from the case
					if err := c.Submit(d, Submission{At: ts("2026-10-02T09:00:00Z"), Channel: "SRP", ReceiptID: "x"}); err == nil {
						t.Fatal("incomplete draft submitted")
					}
					if validate(t, sch, d) == nil {
						t.Error("incomplete draft passes the schema")
					}
				}
				complete(d)
				if err := validate(t, sch, d); err != nil {
					t.Fatalf("complete draft fails the schema: %v", err)
				}
				if err := d.Missing(); err != nil {
					t.Fatal(err)
				}
				for _, path := range RequiredFields(kind, stage) {
					cp := *d
					if d.Vulnerability != nil {
						v := *d.Vulnerability
						cp.Vulnerability = &v
					}
					clear(&cp, path)
					if cp.Missing() == nil || validate(t, sch, &cp) == nil {
						t.Errorf("without %s: Missing()=%v, schema accepts=%v", path, cp.Missing(), validate(t, sch, &cp) == nil)
					}
				}
				_ = pristine
				if err := c.Submit(d, Submission{At: ts("2026-10-02T09:00:00Z"), Channel: "ENISA SRP", ReceiptID: "SRP-2026-0001"}); err != nil {
					t.Fatal(err)
				}
				if err := validate(t, sch, d); err != nil {
					t.Errorf("submitted draft fails the schema: %v", err)
				}
				if err := c.Submit(d, Submission{At: ts("2026-10-02T10:00:00Z"), Channel: "SRP", ReceiptID: "y"}); !errors.Is(err, ErrSubmitted) {
					t.Errorf("second submission: %v", err)
				}
			})
		}
	}
}

func clear(d *Draft, path string) {
	switch path {
	case "product.name":
		d.Product.Name = ""
	case "product.manufacturer":
		d.Product.Manufacturer = ""
	case "recipient.csirt":
		d.Recipient.CSIRT = ""
	case "memberStates":
		d.MemberStates = nil
	case "vulnerability.id":
		d.Vulnerability.ID = ""
	case "vulnerability.nature":
		d.Vulnerability.Nature = ""
	case "vulnerability.exploit":
		d.Vulnerability.Exploit = ""
	case "suspectedMalicious":
		d.SuspectedMalicious = nil
	default:
		b, _ := json.Marshal(d)
		var m map[string]any
		json.Unmarshal(b, &m)
		delete(m, path)
		b, _ = json.Marshal(m)
		*d = Draft{}
		json.Unmarshal(b, d)
	}
}

// TestRenderGolden pins the JSON, HTML and text of a vulnerability
// notification and an incident final report with ransomware facts.
func TestRenderGolden(t *testing.T) {
	rs := rules(t)
	v := openCase(t, Case{ID: "VOLTIC-2026-001", Kind: KindVulnerability, Product: product, Vulnerability: "CVE-2024-3400", KEV: true,
		Awareness: Awareness{Detected: ts("2026-10-02T09:30:00+02:00"), Policy: ClockFromDetection, Source: "KEV"}})
	dv, err := NewDraft(rs, v, StageNotification, ts("2026-10-03T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	complete(dv)
	ic := openCase(t, Case{ID: "VOLTIC-2026-002", Kind: KindIncident, Product: product,
		Awareness:  Awareness{Detected: ts("2026-10-02T07:30:00Z")},
		Ransomware: &Ransomware{Involved: true, Family: "LockBit 3.0", Demanded: "50 BTC", Paid: ptr(false), NoPaymentPolicy: true}})
	di, err := NewDraft(rs, ic, StageFinal, ts("2026-10-03T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	ew, _ := NewDraft(rs, ic, StageEarlyWarning, ts("2026-10-03T00:00:00Z"))
	for name, d := range map[string]*Draft{"vuln-notification": dv, "incident-final": di, "incident-early-warning": ew} {
		for ext, w := range map[string]func(*bytes.Buffer) error{
			"json": func(b *bytes.Buffer) error { return d.WriteJSON(b) },
			"html": func(b *bytes.Buffer) error { return d.WriteHTML(b) },
			"txt":  func(b *bytes.Buffer) error { return d.WriteText(b) },
		} {
			var buf bytes.Buffer
			if err := w(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, name+"."+ext+".golden", buf.Bytes())
		}
	}
	var buf bytes.Buffer
	di.WriteText(&buf)
	for _, want := range []string{"Ransomware family: LockBit 3.0", "No-payment policy: yes", "Not submittable yet", "rootCause"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("incident final text lacks %q", want)
		}
	}
	buf.Reset()
	ew.WriteText(&buf)
	if !strings.Contains(buf.String(), "Art. 64(10)(a)") {
		t.Error("small-enterprise note missing from the early warning")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", name, got)
	}
}

// TestRecipient covers the CSIRT table.
func TestRecipient(t *testing.T) {
	if len(Coordinators()) != 27 {
		t.Errorf("%d coordinators, want 27 member states", len(Coordinators()))
	}
	for _, tc := range []struct{ in, csirt string }{{"de", "BSI (CERT-Bund)"}, {"EL", "GR-CSIRT (National Cyber Security Authority)"}, {"US", ""}} {
		if got := RecipientFor(tc.in); got.CSIRT != tc.csirt {
			t.Errorf("%s: %q, want %q", tc.in, got.CSIRT, tc.csirt)
		}
	}
}

// TestReadCase: malformed case files give errors naming line and field.
func TestReadCase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"kind":"vulnerability","awareness":{"detected":"yesterday"}}`, "line 1"},
		{"{\n\"kind\": \"vulnerability\",\n\"bogus\": 1}", "bogus"},
		{`{"kind":"breach"}`, "kind"},
		{`{"kind":`, "unexpected EOF"},
	} {
		_, err := ReadCase(strings.NewReader(tc.in), "case.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "case.json") {
			t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

// TestLaterDraftCarriesContent: the final report starts from what the
// notification said.
func TestLaterDraftCarriesContent(t *testing.T) {
	rs := rules(t)
	c := openCase(t, Case{ID: "carry", Kind: KindVulnerability, Product: product, Vulnerability: "CVE-1", Awareness: Awareness{Detected: ts("2026-10-02T07:30:00Z")}})
	n, _ := NewDraft(rs, c, StageNotification, ts("2026-10-02T08:00:00Z"))
	n.UserMeasures, n.Vulnerability.Nature = "update", "overflow"
	f, err := NewDraft(rs, c, StageFinal, ts("2026-10-02T09:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if f.UserMeasures != "update" || f.Vulnerability.Nature != "overflow" {
		t.Errorf("final report did not carry the notification's content: %+v", f)
	}
}
