package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dualmark/dualmark/internal/art14"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// CRA Article 14 cases in the registry (issue 14): opened by monitoring when
// a re-match finds an open KEV-listed vulnerability in a product version on
// the EU market, or by hand; clocks, drafts and submission through
// internal/art14; every submitted stage signed and appended to the
// transparency log.

// Art14PredicateType is the in-toto predicate type of a submitted stage's
// log record.
const Art14PredicateType = "https://dualmark.dev/attestation/cra-art14-stage/v1"

// art14Rules are the deadlines, read once from the catalog's CRA-14 entries.
var art14Rules = sync.OnceValues(art14.DefaultRules)

// caseDossier is what case opening reads of a stored dossier.
type caseDossier struct {
	Manufacturer struct {
		Name    string `yaml:"name"`
		Address struct {
			Country string `yaml:"country"`
		} `yaml:"address"`
	} `yaml:"manufacturer"`
	Category struct {
		Class string `yaml:"class"`
	} `yaml:"category"`
	Market struct {
		FirstPlaced string `yaml:"firstPlaced"`
	} `yaml:"market"`
}

// onEUMarket reads the dossier facts a case needs; ok is false when the
// dossier does not show the product on the EU market (no CRA class and no
// EU placing date: the rule the crisis query's markets use).
func onEUMarket(dossier []byte) (d caseDossier, ok bool) {
	if yaml.Unmarshal(dossier, &d) != nil {
		return d, false
	}
	return d, d.Category.Class != "" || d.Market.FirstPlaced != ""
}

// caseProduct is the art14 product of a registered version.
func caseProduct(d caseDossier, orgName, product, version string) art14.Product {
	p := art14.Product{Name: product, Version: version, Manufacturer: orgName, Class: d.Category.Class, PlacedOnMarket: d.Market.FirstPlaced}
	if d.Manufacturer.Name != "" {
		p.Manufacturer = d.Manufacturer.Name
	}
	if c := strings.ToUpper(strings.TrimSpace(d.Manufacturer.Address.Country)); len(c) == 2 {
		p.MainEstablishment = c
	}
	return p
}

// openCaseFor is the store's case opener: an Art. 14(1) case for an open
// KEV-listed (or SSVC exploitation active) finding of a version on the EU
// market, whenever it was placed (Art. 69(3)), detected at the re-match's
// time. A detection before Article 14 applies opens none.
func (s *Server) openCaseFor(c *store.CaseCandidate) (*store.Case, error) {
	d, ok := onEUMarket(c.Dossier)
	if !ok {
		return nil, nil
	}
	rs, err := art14Rules()
	if err != nil {
		return nil, err
	}
	id := store.NewID()
	kc := art14.Case{ID: id, Kind: art14.KindVulnerability, Product: caseProduct(d, c.OrgName, c.ProductName, c.Version),
		Awareness:     art14.Awareness{Detected: c.At.UTC(), Policy: art14.ClockFromDetection, Source: "registry monitoring: " + c.Finding.VulnID + exploitedBy(&c.Finding)},
		Vulnerability: c.VulnID, KEV: c.Finding.KEV}
	if _, db := s.Monitor(); db != nil {
		if e, ok := db.KEV(c.VulnID); ok {
			kc.KnownRansomware = e.KnownRansomware
		}
	}
	opened, err := art14.Open(rs, kc, c.At.UTC())
	if err != nil {
		s.log.Info("no Art. 14 case", "version", c.VersionID, "vulnerability", c.VulnID, "reason", err)
		return nil, nil
	}
	doc, err := json.Marshal(opened)
	if err != nil {
		return nil, err
	}
	return &store.Case{ID: id, Kind: string(art14.KindVulnerability), Doc: doc}, nil
}

// exploitedBy says why a finding counts as actively exploited: its KEV
// listing, else CISA's SSVC Exploitation decision "active".
func exploitedBy(f *store.Finding) string {
	if f.KEV {
		return " KEV-listed"
	}
	return " SSVC exploitation active"
}

// cases is the store's case part (nil when the store keeps none).
func (s *Server) cases() *store.DB {
	db, _ := s.store.(*store.DB)
	return db
}

// CaseView is a case as the API shows it: the stored case, its clocks now,
// its priority and the log records of its submitted stages.
type CaseView struct {
	*store.Case
	Clocks   []art14.Clock       `json:"clocks"`
	Priority string              `json:"priority"`
	Stages   []store.StageRecord `json:"loggedStages"`
}

// caseViews is caseView of each listed case, with one clock reading for all.
func (s *Server) caseViews(ctx context.Context, list []store.Case) ([]CaseView, error) {
	now := time.Now()
	out := make([]CaseView, 0, len(list))
	for i := range list {
		v, _, err := s.caseView(ctx, &list[i], now)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// answerCase answers with the case's view at now and status, or the
// server's error.
func (s *Server) answerCase(w http.ResponseWriter, r *http.Request, c *store.Case, now time.Time, status int) {
	v, _, err := s.caseView(r.Context(), c, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// listCaseViews reads a page of the organisation's cases and their views:
// the API's case list and the dashboard's.
func (s *Server) listCaseViews(ctx context.Context, orgID string, page store.Page) ([]store.Case, []CaseView, string, error) {
	list, next, err := s.cases().ListCases(ctx, orgID, page)
	if err != nil {
		return nil, nil, "", err
	}
	views, err := s.caseViews(ctx, list)
	return list, views, next, err
}

func (s *Server) caseView(ctx context.Context, c *store.Case, now time.Time) (*CaseView, *art14.Case, error) {
	kc, err := decodeCase(c)
	if err != nil {
		return nil, nil, err
	}
	rs, err := art14Rules()
	if err != nil {
		return nil, nil, err
	}
	clocks, err := art14.Clocks(rs, kc, now)
	if err != nil {
		return nil, nil, err
	}
	recs, err := s.cases().StageRecords(ctx, c.OrgID, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if recs == nil {
		recs = []store.StageRecord{}
	}
	return &CaseView{Case: c, Clocks: clocks, Priority: kc.Priority(), Stages: recs}, kc, nil
}

func decodeCase(c *store.Case) (*art14.Case, error) {
	kc, err := art14.ReadCase(bytes.NewReader(c.Doc), "case "+c.ID)
	if err != nil {
		return nil, fmt.Errorf("stored case %s: %w", c.ID, err)
	}
	return kc, nil
}

// caseProblem answers an art14 refusal as a 422 naming what is wrong.
func caseProblem(w http.ResponseWriter, r *http.Request, field string, err error) {
	problem(w, r, Problem{Type: ProblemType + "art14", Title: "The case refuses this", Status: http.StatusUnprocessableEntity, Field: field, Detail: err.Error()})
}

// caseOwner returns the caller (a manufacturer with scope) and its case, or
// answers itself.
func (s *Server) caseOwner(w http.ResponseWriter, r *http.Request, scope string) (*principal, *store.Case, bool) {
	p, ok := s.manufacturer(w, r, scope)
	if !ok {
		return nil, nil, false
	}
	if s.cases() == nil {
		notFound(w, r)
		return nil, nil, false
	}
	c, err := s.cases().Case(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return p, c, true
}

// art14Routes are the case endpoints.
func (s *Server) art14Routes() []route {
	return []route{
		{method: "GET", path: "/api/v1/cases", api: true, h: s.apiListCases},
		{method: "POST", path: "/api/v1/cases", api: true, h: s.apiOpenCase},
		{method: "GET", path: "/api/v1/cases/{id}", api: true, h: s.apiCase},
		{method: "POST", path: "/api/v1/cases/{id}/acknowledge", api: true, h: s.apiAcknowledgeCase},
		{method: "GET", path: "/api/v1/cases/{id}/drafts/{stage}", api: true, h: s.apiCaseDraft},
		{method: "POST", path: "/api/v1/cases/{id}/stages/{stage}/submit", api: true, h: s.apiSubmitStage},
		{method: "GET", path: "/api/v1/cases/{id}/stages/{stage}/bundle", api: true, h: s.apiStageBundle},
		{method: "GET", path: "/api/v1/versions/{id}/vex", api: true, h: s.apiVersionVEX}, // vexout.go
		{method: "GET", path: "/dashboard/cases", h: s.dashboardCases},
		{method: "GET", path: "/dashboard/cases/{id}", h: s.dashboardCase},
		{method: "POST", path: "/dashboard/cases/{id}/acknowledge", h: s.dashboardAcknowledge},
		{method: "POST", path: "/dashboard/cases/{id}/submit", h: s.dashboardSubmitStage},
	}
}

// CaseList is a page of cases.
type CaseList struct {
	Items []CaseView `json:"items"`
	Next  string     `json:"next,omitempty"`
}

func (s *Server) apiListCases(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	out := CaseList{Items: []CaseView{}}
	if s.cases() != nil {
		_, views, next, err := s.listCaseViews(r.Context(), p.org.ID, pageOf(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.Items, out.Next = views, next
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCase(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.caseOwner(w, r, store.ScopeRead)
	if !ok {
		return
	}
	s.answerCase(w, r, c, time.Now(), http.StatusOK)
}

// OpenCaseRequest opens a case by hand: an Art. 14(1) vulnerability or an
// Art. 14(3) severe incident of one of the caller's products.
type OpenCaseRequest struct {
	ProductID     string            `json:"productId"`
	VersionID     string            `json:"versionId,omitempty"`
	Kind          string            `json:"kind"`                    // "vulnerability" or "incident"
	Vulnerability string            `json:"vulnerability,omitempty"` // required for a vulnerability
	Detected      *time.Time        `json:"detected,omitempty"`      // default: now
	Policy        art14.ClockPolicy `json:"policy,omitempty"`        // detection (default) or acknowledgement
	Ransomware    *art14.Ransomware `json:"ransomware,omitempty"`    // incident cases
	MemberStates  []string          `json:"memberStates,omitempty"`
}

func (s *Server) apiOpenCase(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	var req OpenCaseRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if s.cases() == nil {
		notFound(w, r)
		return
	}
	if req.Kind != string(art14.KindVulnerability) && req.Kind != string(art14.KindIncident) {
		badRequest(w, r, "kind", "kind %q: vulnerability (Art. 14(1)) or incident (Art. 14(3))", req.Kind)
		return
	}
	req.Vulnerability = strings.ToUpper(strings.TrimSpace(req.Vulnerability))
	if req.Kind == string(art14.KindVulnerability) && !vulnID.MatchString(req.Vulnerability) {
		badRequest(w, r, "vulnerability", "a vulnerability case needs a CVE, GHSA, OSV or EUVD id")
		return
	}
	if req.Kind == string(art14.KindIncident) && req.Vulnerability != "" {
		badRequest(w, r, "vulnerability", "an incident case names no vulnerability")
		return
	}
	if req.Ransomware != nil && req.Kind != string(art14.KindIncident) {
		badRequest(w, r, "ransomware", "ransomware facts belong to an incident case")
		return
	}
	prod, err := s.store.Product(r.Context(), p.org.ID, req.ProductID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kp := art14.Product{Name: prod.Name, Manufacturer: p.org.Name, MemberStates: req.MemberStates}
	if req.VersionID != "" {
		v, err := s.store.Version(r.Context(), p.org.ID, req.VersionID)
		if err != nil || v.ProductID != prod.ID {
			if err == nil {
				err = store.ErrNotFound
			}
			s.fail(w, r, err)
			return
		}
		d, _ := onEUMarket(v.Dossier)
		kp = caseProduct(d, p.org.Name, prod.Name, v.Version)
		kp.MemberStates = req.MemberStates
	}
	now := time.Now().UTC()
	detected := now
	if req.Detected != nil {
		detected = *req.Detected
	}
	rs, err := art14Rules()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := store.NewID()
	kc := art14.Case{ID: id, Kind: art14.Kind(req.Kind), Product: kp, Vulnerability: req.Vulnerability, Ransomware: req.Ransomware,
		Awareness: art14.Awareness{Detected: detected, Policy: req.Policy, Source: "opened by hand"}}
	if _, db := s.Monitor(); db != nil && req.Vulnerability != "" {
		if e, ok := db.KEV(req.Vulnerability); ok {
			kc.KEV, kc.KnownRansomware = true, e.KnownRansomware
		}
	}
	opened, err := art14.Open(rs, kc, now)
	if err != nil {
		caseProblem(w, r, "", err)
		return
	}
	doc, _ := json.Marshal(opened)
	c := &store.Case{ID: id, OrgID: p.org.ID, ProductID: prod.ID, VersionID: req.VersionID, Kind: req.Kind, VulnID: req.Vulnerability, Doc: doc}
	if err := s.cases().CreateCase(r.Context(), p.actor(), c); err != nil {
		s.fail(w, r, err)
		return
	}
	s.answerCase(w, r, c, now, http.StatusCreated)
}

// AcknowledgeRequest records the manufacturer's acknowledgement (default:
// now).
type AcknowledgeRequest struct {
	At *time.Time `json:"at,omitempty"`
}

func (s *Server) apiAcknowledgeCase(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.caseOwner(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	var req AcknowledgeRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	upd, err := s.acknowledge(r.Context(), p, c, req.At)
	if s.refusedOrFailed(w, r, err) {
		return
	}
	s.answerCase(w, r, upd, time.Now(), http.StatusOK)
}

// acknowledge records the acknowledgement at at (nil: now).
func (s *Server) acknowledge(ctx context.Context, p *principal, c *store.Case, at *time.Time) (*store.Case, error) {
	now := time.Now().UTC()
	t := now
	if at != nil {
		t = *at
	}
	var refused error
	upd, err := s.cases().UpdateCase(ctx, p.actor(), p.org.ID, c.ID, "acknowledge", func(doc []byte) ([]byte, error) {
		kc, err := decodeCase(&store.Case{ID: c.ID, Doc: doc})
		if err != nil {
			return nil, err
		}
		if err := kc.Acknowledge(t, now); err != nil {
			refused = err
			return nil, err
		}
		return json.Marshal(kc)
	})
	if refused != nil {
		return nil, &refusal{http.StatusUnprocessableEntity, "at", refused}
	}
	return upd, err
}

// stageOf parses the {stage} of a path.
func stageOf(w http.ResponseWriter, r *http.Request) (art14.Stage, bool) {
	st := art14.Stage(r.PathValue("stage"))
	if !slices.Contains([]art14.Stage{art14.StageEarlyWarning, art14.StageNotification, art14.StageFinal, art14.StageIntermediate, art14.StageUserInfo}, st) {
		badRequest(w, r, "stage", "stage %q: one of early-warning, notification, final-report, intermediate, user-information", st)
		return "", false
	}
	return st, true
}

// prefill adds what the registry knows to a new draft: the fixed versions
// and VEX status of the vulnerability's findings in the case's version.
func (s *Server) prefill(ctx context.Context, c *store.Case, d *art14.Draft) {
	if c.VersionID == "" || c.VulnID == "" || d.FixDetails != "" {
		return
	}
	fs, err := s.cases().Findings(ctx, store.FindingQuery{IDs: []string{c.VulnID}, OrgID: c.OrgID, VersionIDs: []string{c.VersionID}})
	if err != nil {
		return
	}
	var fixed, vex []string
	for _, f := range fs {
		for _, x := range f.Fixed {
			if !slices.Contains(fixed, x) {
				fixed = append(fixed, x)
			}
		}
		if f.VEXStatus != "" && !slices.Contains(vex, f.VEXStatus) {
			vex = append(vex, f.VEXStatus)
		}
	}
	if len(fixed) > 0 {
		d.Notes = append(d.Notes, "registry: the advisory names fixed component versions "+strings.Join(fixed, ", "))
	}
	if len(vex) > 0 {
		d.Notes = append(d.Notes, "registry: VEX status "+strings.Join(vex, ", "))
	}
}

func (s *Server) apiCaseDraft(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.caseOwner(w, r, store.ScopeRead)
	if !ok {
		return
	}
	st, ok := stageOf(w, r)
	if !ok {
		return
	}
	kc, err := decodeCase(c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := art14Rules()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := art14.NewDraft(rs, kc, st, time.Now())
	if err != nil {
		caseProblem(w, r, "stage", err)
		return
	}
	if d.Submission == nil {
		s.prefill(r.Context(), c, d)
	}
	var buf bytes.Buffer
	switch r.URL.Query().Get("format") {
	case "", "json":
		err = d.WriteJSON(&buf)
		w.Header().Set("Content-Type", "application/json")
	case "text":
		err = d.WriteText(&buf)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	case "html":
		err = d.WriteHTML(&buf)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	default:
		badRequest(w, r, "format", "format %q: one of json, text, html", r.URL.Query().Get("format"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// SubmitStageRequest marks a stage submitted: the draft's fields the
// manufacturer completes (merged into the prefilled draft), and what it did
// on the reporting platform.
type SubmitStageRequest struct {
	Fields    json.RawMessage `json:"fields,omitempty"` // a partial art14 draft
	Channel   string          `json:"channel"`
	ReceiptID string          `json:"receiptId"`
	At        *time.Time      `json:"at,omitempty"` // default: now
}

// StagePredicate is what the log records of a submitted stage. It carries
// the SHA-256 of the submitted draft, not the draft: the log is public and
// a report about an unfixed vulnerability is not.
type StagePredicate struct {
	CaseID        string    `json:"caseId"`
	Kind          string    `json:"kind"`
	Stage         string    `json:"stage"`
	Requirement   string    `json:"requirement"`
	Source        string    `json:"source"`
	Due           time.Time `json:"due,omitzero"`
	SubmittedAt   time.Time `json:"submittedAt"` // as the manufacturer states it
	Channel       string    `json:"channel"`
	ReceiptSHA256 string    `json:"receiptSha256"`
	DraftSHA256   string    `json:"draftSha256"`
	Issuer        string    `json:"issuer"`
	RecordedAt    time.Time `json:"recordedAt"` // when the registry signed this
}

// StageSubmitted is the answer to a submission.
type StageSubmitted struct {
	Record store.StageRecord `json:"record"`
	Draft  *art14.Draft      `json:"draft"`
	Bundle string            `json:"bundle"` // the path of the bundle download
}

// refusal is a submission or case change the case refuses: answered 422
// (400 for a malformed request) naming the field.
type refusal struct {
	status int
	field  string
	err    error
}

func (e *refusal) Error() string { return e.err.Error() }

// refusedOrFailed answers err when it is not nil — a refusal as its
// problem, anything else as the server's error — and says whether it did.
func (s *Server) refusedOrFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	var rf *refusal
	switch {
	case errors.As(err, &rf):
		answerRefusal(w, r, rf)
	case err != nil:
		s.fail(w, r, err)
	default:
		return false
	}
	return true
}

func answerRefusal(w http.ResponseWriter, r *http.Request, rf *refusal) {
	if rf.status == http.StatusBadRequest {
		badRequest(w, r, rf.field, "%v", rf.err)
		return
	}
	caseProblem(w, r, rf.field, rf.err)
}

func (s *Server) apiSubmitStage(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.caseOwner(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	st, ok := stageOf(w, r)
	if !ok {
		return
	}
	var req SubmitStageRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	out, err := s.submitStage(r.Context(), p, c, st, &req)
	if s.refusedOrFailed(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// submitStage completes the stage's draft with the request's fields, marks
// it submitted (refused when a required field is missing), signs a
// statement of it with the registry's label keys, appends that to the
// transparency log and stores the case and the log record together.
func (s *Server) submitStage(ctx context.Context, p *principal, c *store.Case, st art14.Stage, req *SubmitStageRequest) (*StageSubmitted, error) {
	if s.tlog == nil {
		return nil, errNotAppender
	}
	kc, err := decodeCase(c)
	if err != nil {
		return nil, err
	}
	rs, err := art14Rules()
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	d, err := art14.NewDraft(rs, kc, st, now)
	if err != nil {
		return nil, &refusal{http.StatusUnprocessableEntity, "stage", err}
	}
	if d.Submission == nil {
		s.prefill(ctx, c, d)
	}
	if len(req.Fields) > 0 {
		est := d.Product.MainEstablishment
		dec := json.NewDecoder(bytes.NewReader(req.Fields))
		dec.DisallowUnknownFields()
		if err := dec.Decode(d); err != nil {
			return nil, &refusal{http.StatusBadRequest, "fields", fmt.Errorf("fields: %v", err)}
		}
		d.Case, d.Kind, d.Stage, d.Submission = kc.ID, kc.Kind, st, nil
		if d.Product.MainEstablishment != est || d.Recipient.CSIRT == "" {
			d.Recipient = art14.RecipientFor(d.Product.MainEstablishment)
		}
		// what the dossier could not say becomes the case's, for the
		// later stages
		if kc.Product.MainEstablishment == "" {
			kc.Product.MainEstablishment = d.Product.MainEstablishment
		}
		if len(kc.Product.MemberStates) == 0 {
			kc.Product.MemberStates = d.MemberStates
		}
	}
	at := now
	if req.At != nil {
		at = req.At.UTC()
	}
	sub := art14.Submission{At: at, Channel: strings.TrimSpace(req.Channel), ReceiptID: strings.TrimSpace(req.ReceiptID)}
	if prev := kc.Submitted(st); prev != nil && st != art14.StageIntermediate {
		return nil, &refusal{http.StatusUnprocessableEntity, "stage", fmt.Errorf("case %s %s: %w", kc.ID, st, art14.ErrSubmitted)}
	}
	if err := kc.Submit(d, sub); err != nil {
		var miss *art14.MissingError
		field := ""
		if errors.As(err, &miss) {
			field = "fields"
		}
		return nil, &refusal{http.StatusUnprocessableEntity, field, err}
	}
	doc, err := json.Marshal(kc)
	if err != nil {
		return nil, err
	}
	draft, _ := json.Marshal(d)
	dsum := sha256.Sum256(draft)
	rsum := sha256.Sum256([]byte(sub.ReceiptID))
	pred := StagePredicate{CaseID: kc.ID, Kind: string(kc.Kind), Stage: string(st), Requirement: d.RequirementID, Source: d.Source, Due: d.Due,
		SubmittedAt: sub.At, Channel: sub.Channel, ReceiptSHA256: hex.EncodeToString(rsum[:]), DraftSHA256: hex.EncodeToString(dsum[:]),
		Issuer: s.keys.Issuer, RecordedAt: now.Truncate(time.Second)}
	raw, _ := json.Marshal(pred)
	stmt := &label.Statement{PredicateType: Art14PredicateType, Predicate: raw,
		Subject: []label.ResourceDescriptor{{Name: "art14:" + kc.ID + "/" + string(st), Digest: map[string]string{"sha256": hex.EncodeToString(dsum[:])}}}}
	s.logMu.Lock()
	b, err := label.Attest(ctx, stmt, s.keys, s.tlog)
	s.logMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("logging the submitted stage: %w", err)
	}
	rec := &store.StageRecord{CaseID: kc.ID, Stage: string(st), Submitted: now, LogIndex: b.Log.LogIndex, Bundle: b.Marshal()}
	if err := s.cases().SubmitStage(ctx, p.actor(), p.org.ID, c, doc, rec); err != nil {
		return nil, err
	}
	return &StageSubmitted{Record: *rec, Draft: d, Bundle: "/api/v1/cases/" + kc.ID + "/stages/" + string(st) + "/bundle"}, nil
}

// apiStageBundle serves the log bundle of a submitted stage (the newest
// when an intermediate report was submitted more than once): the signed
// statement, its log index, inclusion proof and checkpoint.
func (s *Server) apiStageBundle(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.caseOwner(w, r, store.ScopeRead)
	if !ok {
		return
	}
	st, ok := stageOf(w, r)
	if !ok {
		return
	}
	recs, err := s.cases().StageRecords(r.Context(), c.OrgID, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var last *store.StageRecord
	for i := range recs {
		if recs[i].Stage == string(st) {
			last = &recs[i]
		}
	}
	if last == nil {
		notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.bundle.json"`, c.ID, st))
	w.Write(last.Bundle)
}

// art14Alerts writes an art14.deadline event for every clock of an open
// case that passed 50 % or 90 % of its window or is overdue, once per case,
// stage and threshold (the daily job calls it).
func (s *Server) art14Alerts(ctx context.Context, now time.Time) (int, error) {
	db := s.cases()
	if db == nil {
		return 0, nil
	}
	rs, err := art14Rules()
	if err != nil {
		return 0, err
	}
	var evs []*notify.Event
	for p := (store.Page{Limit: 500}); ; {
		list, next, err := db.ListCases(ctx, "", p)
		if err != nil {
			return 0, err
		}
		for i := range list {
			c := &list[i]
			kc, err := decodeCase(c)
			if err != nil {
				s.log.Warn("art14 alerts", "case", c.ID, "error", err)
				continue
			}
			clocks, err := art14.Clocks(rs, kc, now)
			if err != nil {
				continue
			}
			for _, ck := range art14.Alerts(clocks) {
				data, _ := json.Marshal(map[string]any{"caseId": c.ID, "stage": ck.Stage, "state": ck.State, "requirement": ck.RequirementID,
					"source": ck.Source, "due": ck.Due, "start": ck.Start})
				evs = append(evs, &notify.Event{OrgID: c.OrgID, Kind: notify.KindArt14Deadline, ProductID: c.ProductID, VersionID: c.VersionID,
					Vulnerability: c.VulnID, KEV: kc.KEV, OccurredAt: now.UTC().Truncate(time.Microsecond), Payload: data,
					Dedupe: fmt.Sprintf("%s/%s/%s/%s/%s", notify.KindArt14Deadline, c.ID, ck.Stage, ck.State, ck.Due.UTC().Format(time.RFC3339))})
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	return s.outbox.AppendEvents(ctx, evs...)
}

// caseFormFields are the draft's free-text fields the case page's form
// offers (each stage requires some of them; the refusal names which).
var caseFormFields = []struct{ Name, Label string }{
	{"vulnerability.nature", "Nature of the vulnerability (14(2)(b))"},
	{"vulnerability.exploit", "Nature of the exploit (14(2)(b))"},
	{"incidentNature", "Nature of the incident (14(4)(b))"},
	{"initialAssessment", "Initial assessment (14(4)(b))"},
	{"measuresTaken", "Corrective or mitigating measures taken"},
	{"userMeasures", "Measures users can take"},
	{"sensitivity", "Sensitivity of the information"},
	{"severityImpact", "Severity and impact (final report)"},
	{"maliciousActor", "Malicious actor, where known"},
	{"fixDetails", "Details of the security update or other corrective measures"},
	{"rootCause", "Root cause (incident final report)"},
	{"mitigations", "Mitigations applied and ongoing (incident final report)"},
	{"statusUpdate", "Status update (intermediate report)"},
}

// caseRow is a case in the list page.
type caseRow struct {
	*store.Case
	Priority string
	Next     *art14.Clock
}

func (s *Server) dashboardCases(w http.ResponseWriter, r *http.Request) {
	p, sess, ok := s.member(w, r)
	if !ok {
		return
	}
	var rows []caseRow
	if s.cases() != nil && p.org.Kind == store.KindManufacturer {
		list, views, _, err := s.listCaseViews(r.Context(), p.org.ID, store.Page{Limit: 500})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range list {
			v := &views[i]
			row := caseRow{Case: &list[i], Priority: v.Priority}
			for j := range v.Clocks {
				ck := &v.Clocks[j]
				if ck.Submitted.IsZero() && !ck.Due.IsZero() && (row.Next == nil || ck.Due.Before(row.Next.Due)) {
					row.Next = ck
				}
			}
			rows = append(rows, row)
		}
	}
	s.page(w, r, http.StatusOK, "cases", map[string]any{"Title": "Article 14 cases", "Org": p.org, "Cases": rows, "CSRF": s.csrfToken(sess),
		"Flash": r.URL.Query().Get("flash"), "Error": r.URL.Query().Get("error")})
}

// memberCase returns the signed-in member's case of the path, or answers.
func (s *Server) memberCase(w http.ResponseWriter, r *http.Request) (*principal, string, *store.Case, bool) {
	p, sess, ok := s.member(w, r)
	if !ok {
		return nil, "", nil, false
	}
	if s.cases() == nil || p.org.Kind != store.KindManufacturer {
		s.publicFail(w, r, store.ErrNotFound)
		return nil, "", nil, false
	}
	c, err := s.cases().Case(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.publicFail(w, r, err)
		return nil, "", nil, false
	}
	return p, sess, c, true
}

func (s *Server) dashboardCase(w http.ResponseWriter, r *http.Request) {
	p, sess, c, ok := s.memberCase(w, r)
	if !ok {
		return
	}
	v, kc, err := s.caseView(r.Context(), c, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stages := []art14.Stage{art14.StageEarlyWarning, art14.StageNotification, art14.StageFinal, art14.StageIntermediate, art14.StageUserInfo}
	s.page(w, r, http.StatusOK, "case", map[string]any{"Title": "Case " + c.ID, "Org": p.org, "Case": v, "Product": kc.Product, "Awareness": kc.Awareness,
		"Stages": stages, "Fields": caseFormFields, "CSRF": s.csrfToken(sess), "Flash": r.URL.Query().Get("flash"), "Error": r.URL.Query().Get("error")})
}

// memberCaseToChange is memberCase for a form that changes the case: a
// role without the write scope is sent back to the case page.
func (s *Server) memberCaseToChange(w http.ResponseWriter, r *http.Request) (*principal, *store.Case, bool) {
	p, _, c, ok := s.memberCase(w, r)
	if !ok {
		return nil, nil, false
	}
	if !p.can(store.ScopeWrite) {
		back(w, r, "/dashboard/cases/"+c.ID, "error", "your role cannot change cases")
		return nil, nil, false
	}
	return p, c, true
}

// backToCase answers a case form: back to the case page with the refusal
// as its error or flash as its message, or the server's error.
func (s *Server) backToCase(w http.ResponseWriter, r *http.Request, c *store.Case, err error, flash func() string) {
	var rf *refusal
	switch {
	case errors.As(err, &rf):
		back(w, r, "/dashboard/cases/"+c.ID, "error", rf.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		back(w, r, "/dashboard/cases/"+c.ID, "flash", flash())
	}
}

func (s *Server) dashboardAcknowledge(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.memberCaseToChange(w, r)
	if !ok {
		return
	}
	_, err := s.acknowledge(r.Context(), p, c, nil)
	s.backToCase(w, r, c, err, func() string { return "Acknowledged" })
}

// caseFormJSON turns the case form's fields into a partial draft.
func caseFormJSON(r *http.Request) json.RawMessage {
	d := map[string]any{}
	vuln := map[string]string{}
	for _, f := range caseFormFields {
		v := strings.TrimSpace(r.FormValue(f.Name))
		if v == "" {
			continue
		}
		if k, ok := strings.CutPrefix(f.Name, "vulnerability."); ok {
			vuln[k] = v
			continue
		}
		d[f.Name] = v
	}
	if len(vuln) > 0 {
		d["vulnerability"] = vuln
	}
	if est := strings.ToUpper(strings.TrimSpace(r.FormValue("mainEstablishment"))); est != "" {
		d["product"] = map[string]string{"mainEstablishment": est}
	}
	var states []string
	for _, m := range strings.Split(r.FormValue("memberStates"), ",") {
		if m = strings.ToUpper(strings.TrimSpace(m)); m != "" {
			states = append(states, m)
		}
	}
	if len(states) > 0 {
		d["memberStates"] = states
	}
	out, _ := json.Marshal(d)
	return out
}

func (s *Server) dashboardSubmitStage(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.memberCaseToChange(w, r)
	if !ok {
		return
	}
	st := art14.Stage(r.FormValue("stage"))
	req := &SubmitStageRequest{Fields: caseFormJSON(r), Channel: r.FormValue("channel"), ReceiptID: r.FormValue("receipt")}
	out, err := s.submitStage(r.Context(), p, c, st, req)
	s.backToCase(w, r, c, err, func() string { return fmt.Sprintf("Submitted %s; it is log entry %d", st, out.Record.LogIndex) })
}
