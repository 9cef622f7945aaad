package registry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// ctmReport is the smart plug's real CTM test report from the examples; the
// dossier pins its SHA-256.
const ctmReport = "../../examples/smart-plug/evidence/ctm-test-report.md"

func testReport() ReportRequest {
	b, err := os.ReadFile(filepath.FromSlash(ctmReport))
	if err != nil {
		panic(err)
	}
	return ReportRequest{Name: "ctm-test-report.md", Title: "US Cyber Trust Mark test report PCTL-CTM-2026-0877",
		Accreditation: "FCC-recognised CyberLAB, ISO/IEC 17025 (fictional)", Content: b}
}

// TestLabFlow: a manufacturer shares its product with a lab; the lab finds
// it in its queue, reads it and attaches its test report; the registry's
// attestation verifies against the trust file and names the lab; the
// manufacturer and an authority see the report, another lab does not; an
// authority changes nothing; unsharing ends the lab's access.
func TestLabFlow(t *testing.T) {
	e := newEnv(t)
	_, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := e.register(tokA, example(t, "smart-plug"))
	labID, tokLab := e.org("Pacific Cyber Test Labs LLC", "lab", "read", "write")
	lab2ID, tokLab2 := e.org("Nordlicht Prüflabor GmbH", "lab", "read", "write")
	authID, tokAuth := e.org("CSIRT Example", "authority", "read", "write", "label")
	prod, ver := "/api/v1/products/"+c.Product.ID, "/api/v1/versions/"+c.Version.ID

	var q List[store.Product]
	wantStatus(t, e.json("GET", "/api/v1/queue", tokLab, nil, &q), 200)
	if len(q.Items) != 0 {
		t.Fatalf("queue before sharing: %+v", q.Items)
	}
	wantStatus(t, e.json("GET", prod, tokLab, nil, nil), 404)
	wantStatus(t, e.json("GET", "/api/v1/queue", tokA, nil, nil), 403)

	wantStatus(t, e.json("POST", prod+"/shares", tokA, ShareRequest{Org: labID}, nil), 201)
	wantStatus(t, e.json("POST", prod+"/shares", tokA, ShareRequest{Org: labID}, nil), 409)
	var p Problem
	wantStatus(t, e.json("POST", prod+"/shares", tokA, ShareRequest{Org: authID}, &p), 400)
	if p.Field != "org" {
		t.Fatalf("sharing with an authority: %+v", p)
	}
	wantStatus(t, e.json("POST", prod+"/shares", tokA, ShareRequest{Org: lab2ID}, nil), 201)
	var shares List[store.Share]
	wantStatus(t, e.json("GET", prod+"/shares", tokA, nil, &shares), 200)
	if len(shares.Items) != 2 {
		t.Fatalf("shares %+v", shares.Items)
	}

	wantStatus(t, e.json("GET", "/api/v1/queue", tokLab, nil, &q), 200)
	if len(q.Items) != 1 || q.Items[0].ID != c.Product.ID {
		t.Fatalf("queue %+v", q.Items)
	}
	for _, path := range []string{prod, prod + "/versions", ver, ver + "/assessment"} {
		wantStatus(t, e.json("GET", path, tokLab, nil, nil), 200)
	}
	// a lab does not write products or labels
	wantStatus(t, e.json("POST", ver+"/label", tokLab, nil, nil), 403)

	// bad reports store nothing
	for _, c := range []struct {
		field string
		edit  func(*ReportRequest)
	}{
		{"accreditation", func(r *ReportRequest) { r.Accreditation = " " }},
		{"name", func(r *ReportRequest) { r.Name = "../x.md" }},
		{"title", func(r *ReportRequest) { r.Title = "" }},
		{"content", func(r *ReportRequest) { r.Content = nil }},
	} {
		req := testReport()
		c.edit(&req)
		var p Problem
		wantStatus(t, e.json("POST", ver+"/reports", tokLab, req, &p), 400)
		if p.Field != c.field {
			t.Errorf("%s: problem %+v", c.field, p)
		}
	}
	wantStatus(t, e.json("POST", ver+"/reports", tokAuth, testReport(), nil), 403)

	var rep AttachedReport
	wantStatus(t, e.json("POST", ver+"/reports", tokLab, testReport(), &rep), 201)
	// the dossier pins this report's digest
	if rep.SHA256 != "a7f07069119115c05a9ef6c8a018ecced01daf42697a25f25fd6df1d10134d7c" || rep.Producer != "accredited-lab" || rep.Lab != "Pacific Cyber Test Labs LLC" {
		t.Fatalf("report %+v", rep)
	}
	checkAttestation(t, e, rep)

	for _, who := range []struct {
		name, tok string
		want      int
	}{{"manufacturer", tokA, 1}, {"authority", tokAuth, 1}, {"lab", tokLab, 1}, {"other lab", tokLab2, 0}} {
		var l List[AttachedReport]
		wantStatus(t, e.json("GET", ver+"/reports", who.tok, nil, &l), 200)
		if len(l.Items) != who.want {
			t.Errorf("%s sees %d reports, want %d", who.name, len(l.Items), who.want)
		}
	}
	for _, tok := range []string{tokA, tokAuth, tokLab} {
		resp := e.do("GET", "/api/v1/reports/"+rep.ID+"/content", tok, nil, "", nil)
		wantStatus(t, resp, 200)
		got, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(got, testReport().Content) {
			t.Fatal("report content differs")
		}
	}
	wantStatus(t, e.do("GET", "/api/v1/reports/"+rep.ID+"/content", tokLab2, nil, "", nil), 404)
	wantStatus(t, e.json("POST", prod+"/shares", tokAuth, ShareRequest{Org: labID}, nil), 403)

	// unsharing ends the lab's access, its own report included
	wantStatus(t, e.json("DELETE", prod+"/shares/"+labID, tokA, nil, nil), 204)
	wantStatus(t, e.json("DELETE", prod+"/shares/"+labID, tokA, nil, nil), 404)
	for _, path := range []string{prod, prod + "/versions", ver, ver + "/assessment", ver + "/reports", "/api/v1/reports/" + rep.ID + "/content"} {
		wantStatus(t, e.json("GET", path, tokLab, nil, nil), 404)
	}
	wantStatus(t, e.json("POST", ver+"/reports", tokLab, testReport(), nil), 404)
	wantStatus(t, e.json("GET", "/api/v1/queue", tokLab, nil, &q), 200)
	if len(q.Items) != 0 {
		t.Fatalf("queue after unsharing %+v", q.Items)
	}

	audit, err := e.srv.Store().ListAudit(context.Background(), "", store.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range audit {
		actions[a.Action]++
	}
	if actions["product.share"] != 2 || actions["product.unshare"] != 1 || actions["report.attach"] != 1 {
		t.Fatalf("audit actions %v", actions)
	}
}

// checkAttestation verifies a report's attestation against the registry's
// trust file and checks what it says.
func checkAttestation(t *testing.T, e *env, rep AttachedReport) {
	t.Helper()
	var env label.Envelope
	if err := json.Unmarshal(rep.Attestation, &env); err != nil {
		t.Fatal(err)
	}
	tr, err := keys.ParseTrust(e.srv.Trust(), "trust.json")
	if err != nil {
		t.Fatal(err)
	}
	if r := label.VerifyDSSE(&env, label.Policy{Trust: tr}); !r.Valid {
		t.Fatalf("attestation does not verify: %+v", r.Failures())
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var st label.Statement
	var pred TestReportPredicate
	if err := json.Unmarshal(body, &st); err != nil || json.Unmarshal(st.Predicate, &pred) != nil {
		t.Fatalf("statement %s: %v", body, err)
	}
	if st.PredicateType != TestReportPredicateType || len(st.Subject) != 1 || st.Subject[0].Digest["sha256"] != rep.SHA256 ||
		pred.Producer != "accredited-lab" || pred.Lab != rep.Lab || pred.VersionID != rep.VersionID || !strings.Contains(pred.Accreditation, "17025") {
		t.Fatalf("statement %+v predicate %+v", st, pred)
	}
	// a tampered attestation does not verify
	env.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(body, []byte(rep.Lab), []byte("Someone Else"), 1))
	if r := label.VerifyDSSE(&env, label.Policy{Trust: tr}); r.Valid {
		t.Fatal("a changed attestation verifies")
	}
}

// TestLabIsolation: a lab the product is not shared with tries every API
// route that takes an ID with the manufacturer's IDs: each answers 404, or
// 403 where the route is another role's whatever the ID, and nothing leaks.
func TestLabIsolation(t *testing.T) {
	e := newEnv(t)
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := e.register(tokA, example(t, "smart-plug"))
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &issued), 201)
	labID, tokLab := e.org("Pacific Cyber Test Labs LLC", "lab", "read", "write")
	_, tokOther := e.org("Nordlicht Prüflabor GmbH", "lab", "read", "write")
	wantStatus(t, e.json("POST", "/api/v1/products/"+c.Product.ID+"/shares", tokA, ShareRequest{Org: labID}, nil), 201)
	var rep AttachedReport
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/reports", tokLab, testReport(), &rep), 201)
	idOf := map[string]string{
		"/api/v1/products/{id}": c.Product.ID, "/api/v1/products/{id}/versions": c.Product.ID, "/api/v1/versions/{id}": c.Version.ID,
		"/api/v1/versions/{id}/assessment": c.Version.ID, "/api/v1/versions/{id}/label": c.Version.ID, "/api/v1/labels/{id}/revoke": issued.Label.ID,
		"/api/v1/versions/{id}/reassessments": c.Version.ID,
		"/api/v1/tokens/{id}":                 "x", "/api/v1/orgs/{id}/users": orgA, "/api/v1/orgs/{id}/tokens": orgA,
		"/api/v1/products/{id}/shares": c.Product.ID, "/api/v1/products/{id}/shares/{org}": c.Product.ID,
		"/api/v1/versions/{id}/reports": c.Version.ID, "/api/v1/reports/{id}/content": rep.ID,
		// monitoring: a vulnerability id; a lab has no portfolio of its own
		"/api/v1/vulnerabilities/{id}/affected": "CVE-2024-1086", "/api/v1/vulnerabilities/{id}/report": "CVE-2024-1086",
	}
	for path, id := range notifyIsolationIDs(e, tokA) { // notify_web_test.go
		idOf[path] = id
	}
	for path, id := range art14IsolationIDs(e, tokA, c.Product.ID, c.Version.ID) { // art14_test.go
		idOf[path] = id
	}
	for path, id := range csafIsolationIDs(e, tokA, c.Version.ID, idOf["/api/v1/cases/{id}"]) { // csafprov_test.go
		idOf[path] = id
	}
	idOf["/api/v1/vulnerabilities/{id}/affected"], idOf["/api/v1/vulnerabilities/{id}/report"] = "CVE-2024-1086", "CVE-2024-1086"
	mustBe404 := map[string]bool{"GET /api/v1/products/{id}": true, "GET /api/v1/products/{id}/versions": true, "GET /api/v1/versions/{id}": true,
		"GET /api/v1/versions/{id}/assessment": true, "GET /api/v1/versions/{id}/reassessments": true, "GET /api/v1/versions/{id}/reports": true, "POST /api/v1/versions/{id}/reports": true,
		"GET /api/v1/reports/{id}/content": true}
	for _, rt := range e.srv.routes {
		if !rt.api || !strings.Contains(rt.path, "{id}") {
			continue
		}
		id, ok := idOf[rt.path]
		if !ok {
			t.Errorf("%s %s takes an ID but the lab isolation test has none for it: add one", rt.method, rt.path)
			continue
		}
		key := rt.method + " " + rt.path
		t.Run(key, func(t *testing.T) {
			var body io.Reader = strings.NewReader("{}")
			if key == "POST /api/v1/versions/{id}/reports" {
				b, _ := json.Marshal(testReport())
				body = bytes.NewReader(b)
			}
			resp := e.do(rt.method, strings.NewReplacer("{id}", id, "{org}", labID).Replace(rt.path), tokOther, body, "application/json", nil)
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 404 && (mustBe404[key] || resp.StatusCode != 403) {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			for _, secret := range []string{"Voltic", c.Version.SBOMDigest, "SP-210", rep.SHA256} {
				if bytes.Contains(got, []byte(secret)) {
					t.Fatalf("answer leaks %q: %s", secret, got)
				}
			}
		})
	}
	var q List[store.Product]
	wantStatus(t, e.json("GET", "/api/v1/queue", tokOther, nil, &q), 200)
	if len(q.Items) != 0 {
		t.Fatalf("the other lab's queue: %+v", q.Items)
	}
}

// TestLabAndAuthorityPages: a lab member's dashboard is its queue (the
// shared product only, openable; another manufacturer's product answers
// 404), an authority member's dashboard lists every product, read-only.
func TestLabAndAuthorityPages(t *testing.T) {
	e := newEnv(t)
	_, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	_, tokB := e.manufacturer("Other Corp", "bob@other.example")
	shared := e.register(tokA, example(t, "smart-plug"))
	other := e.register(tokB, example(t, "home-router"))
	labID, _ := e.org("Pacific Cyber Test Labs LLC", "lab", "read")
	authID, _ := e.org("CSIRT Example", "authority", "read")
	for _, m := range []struct{ org, email string }{{labID, "lab@pctl.example"}, {authID, "duty@csirt.example"}} {
		wantStatus(t, e.json("POST", "/api/v1/orgs/"+m.org+"/users", e.admin, UserRequest{Email: m.email, Password: "correct horse battery"}, nil), 201)
	}
	wantStatus(t, e.json("POST", "/api/v1/products/"+shared.Product.ID+"/shares", tokA, ShareRequest{Org: labID}, nil), 201)

	lab := newBrowser(e)
	lab.login("lab@pctl.example", "correct horse battery")
	_, page := lab.get("/dashboard")
	if !strings.Contains(page, "Products shared with your lab for testing") || !strings.Contains(page, shared.Product.ID) || strings.Contains(page, other.Product.ID) {
		t.Fatalf("the lab's queue page:\n%s", page)
	}
	if strings.Contains(page, "Register a product") {
		t.Fatal("a lab is offered the upload form")
	}
	resp, page := lab.get("/dashboard/products/" + shared.Product.ID)
	if resp.StatusCode != 200 || !strings.Contains(page, shared.Version.SBOMDigest) || strings.Contains(page, "Issue label") {
		t.Fatalf("the shared product's page for the lab: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := lab.get("/dashboard/products/" + other.Product.ID); resp.StatusCode != 404 {
		t.Fatalf("another manufacturer's product for the lab: %d", resp.StatusCode)
	}

	auth := newBrowser(e)
	auth.login("duty@csirt.example", "correct horse battery")
	_, page = auth.get("/dashboard")
	if !strings.Contains(page, "Every registered product and its newest version (read-only)") || !strings.Contains(page, shared.Product.ID) || !strings.Contains(page, other.Product.ID) {
		t.Fatalf("the authority's portfolio page:\n%s", page)
	}
	resp, page = auth.get("/dashboard/products/" + other.Product.ID)
	if resp.StatusCode != 200 || strings.Contains(page, "Issue label") || strings.Contains(page, "Upload a new version") {
		t.Fatalf("an authority's product page: %d", resp.StatusCode)
	}
}
