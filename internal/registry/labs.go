package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// Lab and authority flows. A manufacturer shares a product with a lab
// (POST /api/v1/products/{id}/shares); the lab finds it in its queue
// (GET /api/v1/queue), reads the product, its versions and assessments, and
// attaches test reports to versions (POST /api/v1/versions/{id}/reports).
// The registry signs an attestation of each attachment with its label keys
// (an in-toto statement whose subject is the report's SHA-256 and whose
// predicate names the lab, its accreditation and the version; producer
// accredited-lab as docs/ASSESSMENT.md's evidence provenance says), so the
// manufacturer can put the report into its dossier's evidence with a digest
// anyone can check against the registry's trust file. A lab sees only the
// products shared with it and only its own reports; unsharing ends its
// access. An authority reads everything, changes nothing.

// TestReportPredicateType is the predicate type of a test-report attestation.
const TestReportPredicateType = "https://dualmark.dev/test-report/v1"

// TestReportPredicate is what the registry attests about an attached report.
type TestReportPredicate struct {
	Producer      string    `json:"producer"` // always "accredited-lab"
	Lab           string    `json:"lab"`
	LabOrgID      string    `json:"labOrgId"`
	Accreditation string    `json:"accreditation"`
	Title         string    `json:"title"`
	ProductID     string    `json:"productId"`
	VersionID     string    `json:"versionId"`
	Registry      string    `json:"registry"` // the registry's base URL
	AttachedAt    time.Time `json:"attachedAt"`
}

// ShareRequest shares a product with a lab.
type ShareRequest struct {
	Org string `json:"org"` // the lab organisation's ID
}

// ReportRequest attaches a test report (JSON; content base64).
type ReportRequest struct {
	Name          string `json:"name"`
	Title         string `json:"title"`
	Accreditation string `json:"accreditation"`
	Content       []byte `json:"content"`
}

// AttachedReport is a report as the API shows it, with its attestation.
type AttachedReport struct {
	*store.TestReport
	Lab         string          `json:"lab"`
	Producer    string          `json:"producer"`
	Attestation json.RawMessage `json:"attestation"`
}

// lab requires a lab's token with scope.
func (s *Server) lab(w http.ResponseWriter, r *http.Request, scope string) (*principal, bool) {
	return s.bearerOf(w, r, scope, store.KindLab, "only labs attach test reports and have a queue")
}

// visibleProduct returns the organisation filter under which p reads a
// product: a lab reads a product shared with it unfiltered; everyone else
// reads with their usual filter (their own, or all for authorities).
func (s *Server) visibleProduct(ctx context.Context, p *principal, productID string) (string, error) {
	if p.org.Kind != store.KindLab {
		return p.readOrg(), nil
	}
	ok, err := s.store.SharedWith(ctx, productID, p.org.ID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", store.ErrNotFound
	}
	return "", nil
}

// visibleVersion is visibleProduct for a version ID.
func (s *Server) visibleVersion(ctx context.Context, p *principal, versionID string) (string, error) {
	if p.org.Kind != store.KindLab {
		return p.readOrg(), nil
	}
	v, err := s.store.Version(ctx, "", versionID)
	if err != nil {
		return "", err
	}
	return s.visibleProduct(ctx, p, v.ProductID)
}

func (s *Server) apiShare(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	if _, err := s.store.Product(r.Context(), p.org.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	var req ShareRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	o, err := s.store.Org(r.Context(), req.Org)
	if err != nil || o.Kind != store.KindLab {
		badRequest(w, r, "org", "no lab organisation has this ID")
		return
	}
	if err := s.store.ShareProduct(r.Context(), p.actor(), p.org.ID, r.PathValue("id"), o.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, store.Share{ProductID: r.PathValue("id"), OrgID: o.ID, OrgName: o.Name, Created: time.Now().UTC()})
}

func (s *Server) apiListShares(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	if _, err := s.store.Product(r.Context(), p.org.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.store.ListShares(r.Context(), r.PathValue("id"))
	answerList(s, w, r, list, "", err)
}

func (s *Server) apiUnshare(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	if err := s.store.UnshareProduct(r.Context(), p.actor(), p.org.ID, r.PathValue("id"), r.PathValue("org")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request) {
	p, ok := s.lab(w, r, store.ScopeRead)
	if !ok {
		return
	}
	list, next, err := s.store.Queue(r.Context(), p.org.ID, pageOf(r))
	answerList(s, w, r, list, next, err)
}

func (s *Server) apiAttachReport(w http.ResponseWriter, r *http.Request) {
	p, ok := s.lab(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	ctx := r.Context()
	if _, err := s.visibleVersion(ctx, p, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.store.Version(ctx, "", r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req ReportRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, uploadErr(err))
		return
	}
	req.Name, req.Title, req.Accreditation = strings.TrimSpace(req.Name), strings.TrimSpace(req.Title), strings.TrimSpace(req.Accreditation)
	switch {
	case req.Name == "" || len(req.Name) > 200 || req.Name != path.Base(req.Name) || strings.ContainsAny(req.Name, `\/`):
		badRequest(w, r, "name", "a file name of 1 to 200 characters without a folder is required")
		return
	case req.Title == "" || len(req.Title) > 300:
		badRequest(w, r, "title", "a title of 1 to 300 characters is required")
		return
	case req.Accreditation == "" || len(req.Accreditation) > 300:
		badRequest(w, r, "accreditation", "the lab's accreditation (for example ISO/IEC 17025 with its number) is required")
		return
	case len(req.Content) == 0:
		badRequest(w, r, "content", "the report's content (base64) is required")
		return
	}
	sum := sha256.Sum256(req.Content)
	rep := &store.TestReport{ID: store.NewID(), VersionID: v.ID, ProductID: v.ProductID, LabOrgID: p.org.ID, Name: req.Name, Title: req.Title,
		Accreditation: req.Accreditation, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(req.Content)), Content: req.Content,
		Created: time.Now().UTC().Truncate(time.Second)}
	env, err := s.attest(p, rep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rep.Attestation, err = json.Marshal(env); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.AddTestReport(ctx, p.actor(), rep); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, reportView(rep, p.org.Name))
}

// attest signs the attachment of a report with the registry's label keys.
func (s *Server) attest(p *principal, rep *store.TestReport) (*label.Envelope, error) {
	if s.keys == nil {
		return nil, errNotAppender
	}
	pred, err := json.Marshal(TestReportPredicate{Producer: "accredited-lab", Lab: p.org.Name, LabOrgID: p.org.ID, Accreditation: rep.Accreditation,
		Title: rep.Title, ProductID: rep.ProductID, VersionID: rep.VersionID, Registry: s.cfg.BaseURL, AttachedAt: rep.Created})
	if err != nil {
		return nil, err
	}
	st := &label.Statement{Type: label.StatementType, PredicateType: TestReportPredicateType, Predicate: pred,
		Subject: []label.ResourceDescriptor{{Name: "test-report:" + rep.Name, Digest: map[string]string{"sha256": rep.SHA256}}}}
	return label.Sign(st, s.keys)
}

func reportView(rep *store.TestReport, lab string) AttachedReport {
	c := *rep
	att := json.RawMessage(c.Attestation)
	c.Content, c.Attestation = nil, nil
	return AttachedReport{TestReport: &c, Lab: lab, Producer: "accredited-lab", Attestation: att}
}

// apiListReports lists a version's reports: all of them for its
// manufacturer and authorities, a lab's own for a lab it is shared with.
func (s *Server) apiListReports(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	ctx := r.Context()
	org, err := s.visibleVersion(ctx, p, r.PathValue("id"))
	if err == nil {
		_, err = s.store.Version(ctx, org, r.PathValue("id"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	labFilter := ""
	if p.org.Kind == store.KindLab {
		labFilter = p.org.ID
	}
	list, err := s.store.TestReports(ctx, r.PathValue("id"), labFilter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]AttachedReport, 0, len(list))
	for i := range list {
		full, err := s.store.TestReport(ctx, list[i].ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name := ""
		if o, err := s.store.Org(ctx, full.LabOrgID); err == nil {
			name = o.Name
		}
		out = append(out, reportView(full, name))
	}
	writeJSON(w, http.StatusOK, List[AttachedReport]{Items: out})
}

// apiReportContent answers a report's file to those who may list it.
func (s *Server) apiReportContent(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	ctx := r.Context()
	rep, err := s.store.TestReport(ctx, r.PathValue("id"))
	if err == nil {
		err = s.mayReadReport(ctx, p, rep)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", rep.Name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Digest", "sha-256="+rep.SHA256)
	_, _ = w.Write(rep.Content)
}

func (s *Server) mayReadReport(ctx context.Context, p *principal, rep *store.TestReport) error {
	switch p.org.Kind {
	case store.KindAuthority, store.KindOperator:
		return nil
	case store.KindLab:
		if rep.LabOrgID != p.org.ID {
			return store.ErrNotFound
		}
		_, err := s.visibleProduct(ctx, p, rep.ProductID) // unshared: no more access
		return err
	}
	if _, err := s.store.Product(ctx, p.org.ID, rep.ProductID); err != nil {
		return err
	}
	return nil
}
