package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/art14"
	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// TestArt14Cases is issue 14's registry half on a seeded portfolio: a newer
// KEV catalogue makes CVE-2024-1086 KEV-listed, and the delta re-match opens
// an Art. 14(1) case for the router and the camera (both on the EU market)
// in its own transaction — once, however often it re-matches; the clocks
// come from the catalog's CRA-14 entries; another manufacturer sees none of
// them; a draft missing a required field cannot be submitted; each
// submitted stage is signed, appended to the log and verifies offline; a
// severe incident with ransomware facts is opened by hand; the daily job
// warns at 50 % of the early-warning window, once.
func TestArt14Cases(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { art14Cases(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		art14Cases(t, func(c *Config) { c.Database = dsn })
	})
}

func listCases(e *env, tok string) []CaseView {
	e.t.Helper()
	var l CaseList
	wantStatus(e.t, e.json("GET", "/api/v1/cases", tok, nil, &l), 200)
	return l.Items
}

func art14Cases(t *testing.T, opt func(*Config)) {
	e := kevEnv(t, opt)
	_, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	_, tokB := e.manufacturer("Lumora", "b@lumora.example")
	_, tokC := e.manufacturer("Voltic Home Devices GmbH", "c@voltic.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	router := e.register(tokA, example(t, "home-router"))
	camera := e.register(tokB, example(t, "security-camera"))
	plug := e.register(tokC, example(t, "smart-plug"))
	if n := len(listCases(e, tokA)); n != 0 {
		t.Fatalf("%d cases before the vulnerability is KEV-listed", n)
	}
	before := time.Now().UTC()
	e.importKEV()
	after := time.Now().UTC()

	rs, err := art14.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	var routerCase CaseView
	for _, c := range []struct {
		tok     string
		version *Created
	}{{tokA, router}, {tokB, camera}} {
		cs := listCases(e, c.tok)
		if len(cs) != 1 {
			t.Fatalf("%s: %d cases, want 1", c.version.Product.Name, len(cs))
		}
		cv := cs[0]
		if cv.Kind != "vulnerability" || cv.VulnID != kevAddedCVE || cv.VersionID != c.version.Version.ID || cv.Source != store.CaseFromMonitoring || cv.Priority != "high" {
			t.Errorf("case %+v", cv.Case)
		}
		var kc art14.Case
		if err := json.Unmarshal(cv.Doc, &kc); err != nil {
			t.Fatal(err)
		}
		det := kc.Awareness.Detected
		if det.Before(before.Add(-time.Second)) || det.After(after) || kc.Product.Class != "important-class-I" || !kc.KEV {
			t.Errorf("case document %+v", kc)
		}
		// the clocks: the catalog's rules, pinned to the articles' wording
		pins := map[art14.Stage]struct {
			article string
			due     time.Time
		}{
			art14.StageEarlyWarning: {"(2)(a)", det.Add(24 * time.Hour)},
			art14.StageNotification: {"(2)(b)", det.Add(72 * time.Hour)},
		}
		for _, ck := range cv.Clocks {
			if pin, ok := pins[ck.Stage]; ok {
				rule, _ := rs.Get(art14.KindVulnerability, ck.Stage)
				if !ck.Due.Equal(pin.due) || !ck.Due.Equal(rule.Due(det)) || !strings.HasSuffix(ck.Source, pin.article) {
					t.Errorf("%s clock %+v, want due %s (%s)", ck.Stage, ck, pin.due, pin.article)
				}
				delete(pins, ck.Stage)
			}
			if ck.Stage == art14.StageFinal && ck.State != art14.State("waiting") {
				t.Errorf("final report clock before a fix: %+v", ck)
			}
		}
		if len(pins) != 0 {
			t.Errorf("clocks missing: %v", pins)
		}
		if c.tok == tokA {
			routerCase = cv
		}
	}
	if n := len(listCases(e, tokC)); n != 0 {
		t.Errorf("the smart plug's manufacturer has %d cases", n)
	}
	// idempotent: a full re-match opens nothing new
	if _, err := e.srv.Rematch(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if n := len(listCases(e, tokA)); n != 1 {
		t.Fatalf("after a full re-match: %d cases", n)
	}
	id := routerCase.ID
	// tenant isolation
	for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/drafts/early-warning", "/api/v1/cases/" + id + "/stages/early-warning/bundle"} {
		wantStatus(t, e.json("GET", path, tokB, nil, nil), 404)
	}
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/acknowledge", tokB, AcknowledgeRequest{}, nil), 404)
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/stages/early-warning/submit", tokB, SubmitStageRequest{Channel: "x", ReceiptID: "y"}, nil), 404)
	wantStatus(t, e.json("GET", "/api/v1/cases", "", nil, nil), 401)

	// acknowledgement: kept beside detection; one before detection is refused
	early := before.Add(-time.Hour)
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/acknowledge", tokA, AcknowledgeRequest{At: &early}, nil), 422)
	var acked CaseView
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/acknowledge", tokA, AcknowledgeRequest{}, &acked), 200)
	if !strings.Contains(string(acked.Doc), `"acknowledged"`) || !strings.Contains(string(acked.Doc), `"detected"`) {
		t.Errorf("acknowledged case %s", acked.Doc)
	}

	// the draft is prefilled from the registry
	var d art14.Draft
	wantStatus(t, e.json("GET", "/api/v1/cases/"+id+"/drafts/early-warning", tokA, nil, &d), 200)
	if d.Product.Name != router.Product.Name || d.Vulnerability == nil || d.Vulnerability.ID != kevAddedCVE || d.Product.Class != "important-class-I" || d.Due.IsZero() {
		t.Errorf("early-warning draft %+v", d)
	}
	resp := e.do("GET", "/api/v1/cases/"+id+"/drafts/early-warning?format=html", tokA, nil, "", nil)
	wantStatus(t, resp, 200)
	if page, _ := io.ReadAll(resp.Body); !strings.Contains(string(page), kevAddedCVE) || strings.Contains(string(page), "<script") {
		t.Errorf("draft page %.200s", page)
	}
	// the router's dossier gives no main establishment nor member states:
	// the early warning is refused, naming the fields
	var pr Problem
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/stages/early-warning/submit", tokA, SubmitStageRequest{Channel: "ENISA SRP", ReceiptID: "SRP-1"}, &pr), 422)
	if pr.Field != "fields" || !strings.Contains(pr.Detail, "memberStates") || !strings.Contains(pr.Detail, "recipient") {
		t.Errorf("refusal %+v", pr)
	}
	if recs := listCases(e, tokA)[0].Stages; len(recs) != 0 {
		t.Fatalf("a refused stage was logged: %+v", recs)
	}
	fields := json.RawMessage(`{"memberStates": ["DE", "FR"], "product": {"mainEstablishment": "IE"}}`)
	var sub StageSubmitted
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/stages/early-warning/submit", tokA, SubmitStageRequest{Fields: fields, Channel: "ENISA SRP", ReceiptID: "SRP-1"}, &sub), 200)
	if sub.Draft.Recipient.MemberState != "IE" || sub.Draft.Submission == nil || sub.Record.Stage != "early-warning" {
		t.Errorf("submitted %+v", sub)
	}
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/stages/early-warning/submit", tokA, SubmitStageRequest{Channel: "ENISA SRP", ReceiptID: "SRP-2"}, nil), 422)

	// the stage's bundle verifies offline with the trust file
	trust, err := keys.ParseTrust(e.srv.Trust(), "trust.json")
	if err != nil {
		t.Fatal(err)
	}
	resp = e.do("GET", sub.Bundle, tokA, nil, "", nil)
	wantStatus(t, resp, 200)
	raw, _ := io.ReadAll(resp.Body)
	b, err := label.ParseBundle(raw, "stage bundle")
	if err != nil {
		t.Fatal(err)
	}
	st, res := label.VerifyAttestation(b, Art14PredicateType, time.Now(), label.Policy{Trust: trust})
	if !res.Valid || st == nil {
		t.Fatalf("stage bundle does not verify: %+v", res.Failures())
	}
	var pred StagePredicate
	if err := json.Unmarshal(st.Predicate, &pred); err != nil {
		t.Fatal(err)
	}
	if pred.CaseID != id || pred.Stage != "early-warning" || !strings.HasSuffix(pred.Source, "(2)(a)") || pred.Due.IsZero() || pred.RecordedAt.After(pred.Due) ||
		st.Subject[0].Digest["sha256"] != pred.DraftSHA256 || b.Log.LogIndex != sub.Record.LogIndex {
		t.Errorf("stage statement %+v, subject %+v", pred, st.Subject)
	}
	if strings.Contains(string(st.Predicate), "SRP-1") || strings.Contains(string(st.Predicate), "DE") && strings.Contains(string(st.Predicate), "memberStates") {
		t.Errorf("the public log record carries the report's content: %s", st.Predicate)
	}
	// a changed statement or another predicate type fails
	tampered := *b
	tampered.Envelope.Payload = b.Envelope.Payload[:len(b.Envelope.Payload)-4] + "AAAA"
	if _, res := label.VerifyAttestation(&tampered, Art14PredicateType, time.Now(), label.Policy{Trust: trust}); res.Valid {
		t.Error("a tampered stage bundle verifies")
	}
	if _, res := label.VerifyAttestation(b, label.PredicateType, time.Now(), label.Policy{Trust: trust}); res.Valid {
		t.Error("a stage bundle verifies as a label")
	}
	// the notification carries the early warning's fields over
	notif := json.RawMessage(`{"vulnerability": {"nature": "use-after-free in nf_tables", "exploit": "local privilege escalation, public exploit"},
	 "measuresTaken": "kernel update in preparation", "userMeasures": "restrict local shell access", "sensitivity": "TLP:AMBER"}`)
	wantStatus(t, e.json("POST", "/api/v1/cases/"+id+"/stages/notification/submit", tokA, SubmitStageRequest{Fields: notif, Channel: "ENISA SRP", ReceiptID: "SRP-3"}, &sub), 200)
	var cv CaseView
	wantStatus(t, e.json("GET", "/api/v1/cases/"+id, tokA, nil, &cv), 200)
	if len(cv.Stages) != 2 || cv.Stages[0].LogIndex >= cv.Stages[1].LogIndex {
		t.Errorf("logged stages %+v", cv.Stages)
	}

	// by hand: a second case for the same vulnerability is a conflict; a
	// severe incident with ransomware facts is critical
	wantStatus(t, e.json("POST", "/api/v1/cases", tokA, OpenCaseRequest{ProductID: router.Product.ID, Kind: "vulnerability", Vulnerability: kevAddedCVE}, nil), 409)
	wantStatus(t, e.json("POST", "/api/v1/cases", tokA, OpenCaseRequest{ProductID: plug.Product.ID, Kind: "incident"}, nil), 404)
	wantStatus(t, e.json("POST", "/api/v1/cases", tokC, OpenCaseRequest{ProductID: plug.Product.ID, Kind: "incident", Vulnerability: "CVE-2024-1086"}, nil), 400)
	wantStatus(t, e.json("POST", "/api/v1/cases", tokC, OpenCaseRequest{ProductID: plug.Product.ID, Kind: "breach"}, nil), 400)
	var inc CaseView
	wantStatus(t, e.json("POST", "/api/v1/cases", tokC, OpenCaseRequest{ProductID: plug.Product.ID, VersionID: plug.Version.ID, Kind: "incident",
		Ransomware: &art14.Ransomware{Involved: true, Family: "LockBit", NoPaymentPolicy: true}}, &inc), 201)
	if inc.Priority != "critical" || inc.Source != store.CaseManual || !strings.Contains(string(inc.Doc), "LockBit") {
		t.Errorf("incident case %+v %s", inc.Case, inc.Doc)
	}
	var kc art14.Case
	json.Unmarshal(inc.Doc, &kc)
	if kc.Product.MainEstablishment != "DE" {
		t.Errorf("incident product %+v", kc.Product)
	}

	// the daily job at 13 h: the camera's early warning passed 50 % of its
	// window (the router's was submitted); written once
	var camCase CaseView = listCases(e, tokB)[0]
	var camDoc art14.Case
	json.Unmarshal(camCase.Doc, &camDoc)
	at := camDoc.Awareness.Detected.Add(13 * time.Hour)
	d1, err := e.srv.RunDaily(t.Context(), at)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := e.srv.RunDaily(t.Context(), at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d2.DeadlineEvents != 0 {
		t.Errorf("second daily run wrote %d deadline events", d2.DeadlineEvents)
	}
	var evs EventList
	wantStatus(t, e.json("GET", "/api/v1/events?limit=200", tokB, nil, &evs), 200)
	var deadline []notify.Event
	for _, ev := range evs.Items {
		if ev.Kind == notify.KindArt14Deadline {
			deadline = append(deadline, ev)
		}
	}
	if len(deadline) != 1 || d1.DeadlineEvents < 1 {
		t.Fatalf("camera deadline events %+v (daily %+v)", deadline, d1)
	}
	var data struct{ Stage, State, CaseID string }
	json.Unmarshal(deadline[0].Payload, &data)
	if data.Stage != string(art14.StageEarlyWarning) || data.State != "at-50" || data.CaseID != camCase.ID {
		t.Errorf("deadline event %s", deadline[0].Payload)
	}
	wantStatus(t, e.json("GET", "/api/v1/events?limit=200", tokA, nil, &evs), 200)
	for _, ev := range evs.Items {
		if ev.Kind == notify.KindArt14Deadline && strings.Contains(string(ev.Payload), `"early-warning"`) {
			t.Errorf("a deadline event for the submitted early warning: %s", ev.Payload)
		}
	}
}

// TestOnEUMarket: the dossier facts that make a version's KEV finding open a
// case: the three example products are on the EU market; without a CRA
// class and an EU placing date a product is not.
func TestOnEUMarket(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(string) string
		eu   bool
		est  string
	}{
		{"home-router", nil, true, ""},
		{"security-camera", nil, true, "NL"},
		{"smart-plug", nil, true, "DE"},
		{"home-router", func(s string) string {
			s = strings.Replace(s, "  class: important-class-I\n", "", 1)
			return strings.Replace(s, "  firstPlaced: 2026-04-01\n", "", 1)
		}, false, ""},
		{"broken", func(string) string { return "product: [" }, false, ""},
	} {
		data, err := os.ReadFile("../../examples/" + c.name + "/dossier.yaml")
		if err != nil && c.edit == nil {
			t.Fatal(err)
		}
		if c.edit != nil {
			data = []byte(c.edit(string(data)))
		}
		d, ok := onEUMarket(data)
		if ok != c.eu || (ok && caseProduct(d, "Org", "P", "1").MainEstablishment != c.est) {
			t.Errorf("%s: EU %v (want %v), main establishment %q (want %q)", c.name, ok, c.eu, d.Manufacturer.Address.Country, c.est)
		}
	}
}

// art14IsolationIDs opens a case for one of A's products, for the
// isolation suites: the case routes take its ID.
func art14IsolationIDs(e *env, tokA, productID, versionID string) map[string]string {
	e.t.Helper()
	var cv CaseView
	wantStatus(e.t, e.json("POST", "/api/v1/cases", tokA, OpenCaseRequest{ProductID: productID, Kind: "incident"}, &cv), 201)
	out := map[string]string{}
	for _, rt := range e.srv.art14Routes() {
		if strings.Contains(rt.path, "{id}") {
			out[rt.path] = cv.ID
		}
	}
	out["/api/v1/versions/{id}/vex"] = versionID
	return out
}

// TestCasePages: a manufacturer completes the case of a KEV finding in the
// web UI (no JavaScript): the list and the case page with its clocks, a
// POST without the CSRF token refused, a stage missing fields refused with
// their names, the three stages of a vulnerability submitted and logged;
// another organisation's member gets 404 for the case page.
func TestCasePages(t *testing.T) {
	e := kevEnv(t, nil)
	_, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	e.manufacturer("Lumora", "b@lumora.example")
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	e.register(tokA, example(t, "home-router"))
	e.importKEV()
	cs := listCases(e, tokA)
	if len(cs) != 1 {
		t.Fatalf("%d cases", len(cs))
	}
	id := cs[0].ID
	b := newBrowser(e)
	b.login("a@kestrel.example", "correct horse battery")
	if _, dash := b.get("/dashboard"); !strings.Contains(dash, `href="/dashboard/cases"`) {
		t.Error("the dashboard does not link the cases")
	}
	_, list := b.get("/dashboard/cases")
	if !strings.Contains(list, id) || !strings.Contains(list, kevAddedCVE) || !strings.Contains(list, "early-warning") {
		t.Fatalf("case list:\n%s", list)
	}
	resp, page := b.get("/dashboard/cases/" + id)
	if resp.StatusCode != 200 || !strings.Contains(page, "(2)(a)") || !strings.Contains(page, "24 hours after becoming aware") || strings.Contains(page, "<script") {
		t.Fatalf("case page %d:\n%s", resp.StatusCode, page)
	}
	csrf := csrfOf(t, page)
	submit := func(form url.Values) (int, string) {
		t.Helper()
		resp, _ := b.post("/dashboard/cases/"+id+"/submit", form)
		if resp.StatusCode != http.StatusSeeOther {
			return resp.StatusCode, ""
		}
		_, page := b.get(resp.Header.Get("Location"))
		return resp.StatusCode, page
	}
	if code, _ := submit(url.Values{"stage": {"early-warning"}, "channel": {"SRP"}, "receipt": {"R1"}}); code != 403 {
		t.Fatalf("a POST without the CSRF token: %d", code)
	}
	_, page = submit(url.Values{"csrf": {csrf}, "stage": {"early-warning"}, "channel": {"SRP"}, "receipt": {"R1"}})
	if !strings.Contains(page, "memberStates") || !strings.Contains(page, `role="alert"`) {
		t.Fatalf("refusal page:\n%s", page)
	}
	for _, st := range []struct {
		form url.Values
	}{
		{url.Values{"stage": {"early-warning"}, "mainEstablishment": {"ie"}, "memberStates": {"DE, FR"}}},
		{url.Values{"stage": {"notification"}, "vulnerability.nature": {"use-after-free in nf_tables"}, "vulnerability.exploit": {"local privilege escalation"},
			"measuresTaken": {"update prepared"}, "userMeasures": {"restrict shell access"}, "sensitivity": {"TLP:AMBER"}}},
		{url.Values{"stage": {"final-report"}, "severityImpact": {"local root on the router"}, "fixDetails": {"firmware 3.1.1 with kernel 5.15.151"}}},
	} {
		st.form.Set("csrf", csrf)
		st.form.Set("channel", "ENISA single reporting platform")
		st.form.Set("receipt", "SRP-"+st.form.Get("stage"))
		_, page = submit(st.form)
		if !strings.Contains(page, "Submitted "+st.form.Get("stage")) {
			t.Fatalf("%s: page:\n%s", st.form.Get("stage"), page)
		}
	}
	var cv CaseView
	wantStatus(t, e.json("GET", "/api/v1/cases/"+id, tokA, nil, &cv), 200)
	if len(cv.Stages) != 3 {
		t.Errorf("logged stages %+v", cv.Stages)
	}
	if !strings.Contains(page, "In the transparency log") {
		t.Error("the case page does not list the logged stages")
	}
	b2 := newBrowser(e)
	b2.login("b@lumora.example", "correct horse battery")
	if resp, _ := b2.get("/dashboard/cases/" + id); resp.StatusCode != 404 {
		t.Errorf("another organisation's member: %d", resp.StatusCode)
	}
	if _, other := b2.get("/dashboard/cases"); strings.Contains(other, id) {
		t.Error("another organisation's case list shows A's case")
	}
}
