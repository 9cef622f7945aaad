package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/auth"
	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/witness"
)

// principal is who makes a request: a token holder or a logged-in member.
type principal struct {
	org    *store.Org
	userID string // user or token ID, for the audit log
	scopes []string
	remote string
}

func (p *principal) can(scope string) bool {
	return slices.Contains(p.scopes, scope) || slices.Contains(p.scopes, store.ScopeAdmin)
}

// readOrg is the organisation filter for reads: authorities and the operator
// read every organisation's products; everyone else only their own.
func (p *principal) readOrg() string {
	if p.org.Kind == store.KindAuthority || p.org.Kind == store.KindOperator {
		return ""
	}
	return p.org.ID
}

func (p *principal) actor() store.Actor {
	return store.Actor{OrgID: p.org.ID, UserID: p.userID, Remote: p.remote}
}

func remoteHost(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// bearer authenticates an API request by its bearer token and checks scope.
// It answers 401 or 403 itself and returns false then.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request, scope string) (*principal, bool) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || !auth.ValidTokenSyntax(secret) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dualmark registry"`)
		problem(w, r, Problem{Type: ProblemType + "unauthenticated", Status: http.StatusUnauthorized, Detail: "send an API token: Authorization: Bearer dmr_…"})
		return nil, false
	}
	t, err := s.store.TokenByHash(r.Context(), auth.HashToken(secret))
	if err == nil {
		var org *store.Org
		if org, err = s.store.Org(r.Context(), t.OrgID); err == nil {
			p := &principal{org: org, userID: "token:" + t.ID, scopes: t.Scopes, remote: remoteHost(r)}
			return s.checkScope(w, r, p, scope)
		}
	}
	if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return nil, false
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="dualmark registry", error="invalid_token"`)
	problem(w, r, Problem{Type: ProblemType + "unauthenticated", Status: http.StatusUnauthorized, Detail: "the token is unknown or revoked"})
	return nil, false
}

func (s *Server) checkScope(w http.ResponseWriter, r *http.Request, p *principal, scope string) (*principal, bool) {
	if scope != "" && !p.can(scope) {
		problem(w, r, Problem{Type: ProblemType + "forbidden", Status: http.StatusForbidden, Detail: fmt.Sprintf("this token lacks the %q scope", scope)})
		return nil, false
	}
	return p, true
}

// manufacturer additionally requires the caller to be a manufacturer.
func (s *Server) manufacturer(w http.ResponseWriter, r *http.Request, scope string) (*principal, bool) {
	return s.bearerOf(w, r, scope, store.KindManufacturer, "only manufacturers register products and labels")
}

// operator requires an admin token of the registry's own organisation.
func (s *Server) operator(w http.ResponseWriter, r *http.Request) (*principal, bool) {
	return s.bearerOf(w, r, store.ScopeAdmin, store.KindOperator, "only the registry operator manages organisations")
}

// bearerOf is bearer for an organisation of one kind: another kind is a
// 403 whose detail says who may.
func (s *Server) bearerOf(w http.ResponseWriter, r *http.Request, scope, kind, who string) (*principal, bool) {
	p, ok := s.bearer(w, r, scope)
	if !ok {
		return nil, false
	}
	if p.org.Kind != kind {
		problem(w, r, Problem{Type: ProblemType + "forbidden", Status: http.StatusForbidden, Detail: who})
		return nil, false
	}
	return p, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// decodeJSON reads a small JSON request body strictly.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		badRequest(w, r, "body", "request body: %v", err)
		return false
	}
	return true
}

func pageOf(r *http.Request) store.Page {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("limit"))
	return store.Page{After: q.Get("after"), Limit: n}
}

// List is one page of a list; Next is the "after" value of the next page.
type List[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// answerList answers a list read: the server's error when err is not nil,
// else the items (an empty list rather than null) and the next page's
// cursor as a List.
func answerList[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T, next string, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[T]{Items: nonNil(items), Next: next})
}

// rawBody is an answer written as it is, with its media type.
type rawBody struct {
	ctype string
	data  []byte
}

// reads answers a GET that needs the read scope with what fetch returns for
// the caller's organisation filter (JSON, or a rawBody as it is).
func (s *Server) reads(w http.ResponseWriter, r *http.Request, fetch func(ctx context.Context, org string) (any, error)) {
	s.readsAs(w, r, func(_ context.Context, p *principal) (string, error) { return p.readOrg(), nil }, fetch)
}

// readsAs is reads with the organisation filter from filter: labs read a
// product shared with them (see labs.go).
func (s *Server) readsAs(w http.ResponseWriter, r *http.Request, filter func(context.Context, *principal) (string, error), fetch func(ctx context.Context, org string) (any, error)) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	org, err := filter(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := fetch(r.Context(), org)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if raw, ok := v.(rawBody); ok {
		w.Header().Set("Content-Type", raw.ctype)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(raw.data)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// WhoAmI says whom a token belongs to: its organisation and what it may do.
type WhoAmI struct {
	Org     *store.Org `json:"org"`
	TokenID string     `json:"tokenId"`
	Scopes  []string   `json:"scopes"`
}

// apiWhoAmI answers any valid token, whatever its scopes, so a client can
// check a token before storing it.
func (s *Server) apiWhoAmI(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, "")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, WhoAmI{Org: p.org, TokenID: strings.TrimPrefix(p.userID, "token:"), Scopes: p.scopes})
}

func (s *Server) apiListProducts(w http.ResponseWriter, r *http.Request) {
	s.reads(w, r, func(ctx context.Context, org string) (any, error) {
		list, next, err := s.store.ListProducts(ctx, store.ProductQuery{OrgID: org, Text: r.URL.Query().Get("q"), Page: pageOf(r)})
		return List[store.Product]{Items: nonNil(list), Next: next}, err
	})
}

func (s *Server) apiProduct(w http.ResponseWriter, r *http.Request) {
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleProduct(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		return s.store.Product(ctx, org, r.PathValue("id"))
	})
}

func (s *Server) apiListVersions(w http.ResponseWriter, r *http.Request) {
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleProduct(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		if _, err := s.store.Product(ctx, org, r.PathValue("id")); err != nil {
			return nil, err
		}
		list, next, err := s.store.ListVersions(ctx, org, r.PathValue("id"), pageOf(r))
		return List[store.Version]{Items: nonNil(list), Next: next}, err
	})
}

func (s *Server) apiVersion(w http.ResponseWriter, r *http.Request) {
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleVersion(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		return s.store.Version(ctx, org, r.PathValue("id"))
	})
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleVersion(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		v, err := s.store.Version(ctx, org, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return rawBody{ctype: label.AssessmentMediaType, data: v.Assessment}, nil
	})
}

// Created is the answer to a product or version upload.
type Created struct {
	Product  *store.Product `json:"product"`
	Version  *store.Version `json:"version"`
	Replayed bool           `json:"replayed,omitempty"` // answered from an earlier request with the same Idempotency-Key
}

func (s *Server) apiCreateProduct(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	s.upload(w, r, p, "")
}

func (s *Server) apiCreateVersion(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	if _, err := s.store.Product(r.Context(), p.org.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.upload(w, r, p, r.PathValue("id"))
}

// upload registers a new product (productID "") or a version of one. The
// whole request is read, assessed and stored in one transaction, or nothing
// is stored.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, p *principal, productID string) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		badRequest(w, r, "Idempotency-Key", "the key is longer than 200 characters")
		return
	}
	up, hash, cleanup, err := readUpload(w, r, s.cfg.MaxUpload, filepath.Join(s.cfg.Data, "tmp"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer cleanup()
	c, err := s.register(r.Context(), p, up, hash, key, productID)
	if errors.Is(err, errKeyReused) {
		problem(w, r, Problem{Type: ProblemType + "idempotency-key-reused", Status: http.StatusUnprocessableEntity, Field: "Idempotency-Key", Detail: err.Error()})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/versions/"+c.Version.ID)
	if c.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, c)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

var errKeyReused = errors.New("this Idempotency-Key was used for a different request; use a new key for a new upload")

// register assesses and stores an upload; with an idempotency key seen
// before it returns the first request's result instead.
func (s *Server) register(ctx context.Context, p *principal, up *intake.Upload, hash, key, productID string) (*Created, error) {
	if key != "" {
		if c, err := s.replay(ctx, p, key, hash, productID); c != nil || err != nil {
			return c, err
		}
	}
	keep, files := s.keepFiles()
	res, err := intake.Process(up, intake.Options{AdvisoryDB: s.cfg.AdvisoryDB, TempDir: filepath.Join(s.cfg.Data, "tmp"), Keep: keep})
	if err != nil {
		return nil, err
	}
	v, err := newVersion(res, up)
	if err != nil {
		return nil, err
	}
	v.Files, v.FilesKept = *files, true
	var idem *store.Idempotency
	if key != "" {
		idem = &store.Idempotency{OrgID: p.org.ID, Key: key, RequestHash: hash}
	}
	var prod *store.Product
	if productID == "" {
		d := res.Dossier
		prod = &store.Product{OrgID: p.org.ID, Name: d.Product.Name, Manufacturer: d.Manufacturer.Name, Brand: d.Product.Brand, Model: d.Product.Model}
		err = s.store.CreateProduct(ctx, p.actor(), prod, v, idem)
	} else {
		v.ProductID, v.OrgID = productID, p.org.ID
		if err = s.store.CreateVersion(ctx, p.actor(), v, idem); err == nil {
			prod, err = s.store.Product(ctx, p.org.ID, productID)
		}
	}
	if errors.Is(err, store.ErrConflict) && key != "" {
		// a concurrent request with the same key won
		if c, rerr := s.replay(ctx, p, key, hash, productID); c != nil || rerr != nil {
			return c, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	s.pages.clear()
	s.indexUpload(ctx, v)
	return &Created{Product: prod, Version: meta(v)}, nil
}

// meta drops a version's blobs for answers.
func meta(v *store.Version) *store.Version {
	c := *v
	c.Dossier, c.SBOM, c.Assessment, c.Summary, c.Public = nil, nil, nil, nil, nil
	return &c
}

// replay returns the answer to an earlier request with the same idempotency
// key (nil when there was none); another body with the key is errKeyReused.
func (s *Server) replay(ctx context.Context, p *principal, key, hash, productID string) (*Created, error) {
	idem, err := s.store.Idempotent(ctx, p.org.ID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	wantKind := "version"
	if productID == "" {
		wantKind = "product"
	}
	if idem.RequestHash != hash || idem.Kind != wantKind {
		return nil, errKeyReused
	}
	c := &Created{Replayed: true}
	if idem.Kind == "product" {
		if c.Product, err = s.store.Product(ctx, p.org.ID, idem.ResourceID); err != nil {
			return nil, err
		}
		first, _, err := s.store.ListVersions(ctx, p.org.ID, idem.ResourceID, store.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(first) == 0 {
			return nil, store.ErrNotFound
		}
		c.Version = &first[0]
	} else {
		if c.Version, err = s.store.Version(ctx, p.org.ID, idem.ResourceID); err != nil {
			return nil, err
		}
		if c.Product, err = s.store.Product(ctx, p.org.ID, c.Version.ProductID); err != nil {
			return nil, err
		}
	}
	c.Version = meta(c.Version)
	return c, nil
}

func newVersion(res *intake.Result, up *intake.Upload) (*store.Version, error) {
	sum, err := intake.SummaryJSON(res.Summary)
	if err != nil {
		return nil, err
	}
	pub, err := json.Marshal(res.Record)
	if err != nil {
		return nil, err
	}
	fw := res.Dossier.Product.FirmwareVersion
	if fw == "" {
		fw = "unversioned"
	}
	return &store.Version{Version: fw, SBOMDigest: res.SBOMDigest, Dossier: up.Dossier, SBOM: up.SBOM,
		Assessment: res.Assessment, Summary: sum, Public: pub, Verdicts: intake.Verdicts(res.Summary)}, nil
}

// IssuedLabel is the answer to issuing a label.
type IssuedLabel struct {
	Label  *store.Label `json:"label"`
	URL    string       `json:"url"` // the public page, which the QR code encodes
	QR     string       `json:"qr"`
	Bundle string       `json:"bundle"`
	// Witnesses says which witnesses cosigned the label's checkpoint (only
	// when the registry runs with witnesses).
	Witnesses []witness.Outcome `json:"witnesses,omitempty"`
}

func (s *Server) apiIssueLabel(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeLabel)
	if !ok {
		return
	}
	l, outs, err := s.issue(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := s.cfg.BaseURL + "/p/" + l.ID
	writeJSON(w, http.StatusCreated, IssuedLabel{Label: l, URL: base, QR: base + "/qr.svg", Bundle: base + "/bundle.json", Witnesses: outs})
}

// issue signs a label for one of p's versions with the registry's keys,
// appends it to the log, has the witnesses cosign the checkpoint (when
// configured) and records it. The outcomes say what each witness did.
func (s *Server) issue(ctx context.Context, p *principal, versionID string) (*store.Label, []witness.Outcome, error) {
	if s.tlog == nil {
		return nil, nil, errNotAppender
	}
	v, err := s.store.Version(ctx, p.org.ID, versionID)
	if err != nil {
		return nil, nil, err
	}
	sum, err := intake.ParseSummary(v.Summary)
	if err != nil {
		return nil, nil, err
	}
	var arts []label.Artifact
	if len(v.SBOM) > 0 {
		dir, err := os.MkdirTemp(filepath.Join(s.cfg.Data, "tmp"), "label-")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, intake.SBOMFileName(v.Dossier))
		if err := os.WriteFile(path, v.SBOM, 0o600); err != nil {
			return nil, nil, err
		}
		arts = append(arts, label.Artifact{Role: "sbom", Path: path})
	}
	s.logMu.Lock()
	b, err := label.Issue(ctx, sum, arts, s.keys, s.tlog, time.Now())
	s.logMu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("issuing the label: %w", err)
	}
	outs, err := s.cosign(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	l := &store.Label{ID: label.ID(&b.Envelope), VersionID: v.ID, ProductID: v.ProductID, OrgID: v.OrgID,
		ProductDigest: sum.Product.Digest(), LogIndex: b.Log.LogIndex, Bundle: b.Marshal()}
	if err := s.store.AddLabel(ctx, p.actor(), l); err != nil {
		return nil, nil, err
	}
	s.pages.clear()
	s.kickNotify() // a superseded label's event
	l.Bundle = nil
	return l, outs, nil
}

// RevokeRequest is the body of a revocation.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiRevokeLabel(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeLabel)
	if !ok {
		return
	}
	var req RevokeRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if err := s.revoke(r.Context(), p, r.PathValue("id"), req.Reason); err != nil {
		if errors.Is(err, errReason) {
			badRequest(w, r, "reason", "%v", err)
			return
		}
		s.fail(w, r, err)
		return
	}
	l, err := s.store.Label(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l.Bundle = nil
	writeJSON(w, http.StatusOK, l)
}

// errNotAppender is what a replica that is not the log appender would meet
// if a route that signs were not forwarded (a bug, hence a 500).
var errNotAppender = errors.New("this replica is not the log appender")

var errReason = errors.New("a reason of 1 to 500 characters is required")

// revoke appends a signed revocation of one of p's labels to the log and
// records it. Revoking a revoked label is a conflict.
func (s *Server) revoke(ctx context.Context, p *principal, id, reason string) error {
	if s.tlog == nil {
		return errNotAppender
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return errReason
	}
	l, err := s.store.Label(ctx, id)
	if err != nil {
		return err
	}
	if l.OrgID != p.org.ID {
		return store.ErrNotFound
	}
	if l.Status == store.StatusRevoked {
		return fmt.Errorf("%w: the label is already revoked", store.ErrConflict)
	}
	b, err := label.ParseBundle(l.Bundle, "stored bundle "+id)
	if err != nil {
		return err
	}
	s.logMu.Lock()
	_, err = label.Revoke(ctx, b, reason, s.keys, s.tlog, time.Now())
	s.logMu.Unlock()
	if err != nil {
		return fmt.Errorf("revoking the label: %w", err)
	}
	// the revocation is in the log, in effect for every verifier: the store
	// must follow, so a failing write (a dropped database connection) is
	// retried; what still fails is recorded at the next start (recover.go)
	at := time.Now().UTC()
	for try := 0; ; try++ {
		err = s.store.RevokeLabel(ctx, p.actor(), p.org.ID, id, reason, at)
		if err == nil || try == 3 || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	s.pages.clear()
	s.kickNotify() // the label.revoked event
	return err
}

// TokenRequest asks for a new API token.
type TokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// NewToken is a created token; Secret is shown this once.
type NewToken struct {
	Token  *store.Token `json:"token"`
	Secret string       `json:"secret"`
}

var knownScopes = []string{store.ScopeRead, store.ScopeWrite, store.ScopeLabel, store.ScopeAdmin}

// makeToken creates a token for org with scopes the caller holds itself.
func (s *Server) makeToken(w http.ResponseWriter, r *http.Request, p *principal, orgID string) {
	var req TokenRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Name == "" || len(req.Name) > 100 {
		badRequest(w, r, "name", "a name of 1 to 100 characters is required")
		return
	}
	if len(req.Scopes) == 0 {
		badRequest(w, r, "scopes", "name at least one scope of %s", strings.Join(knownScopes, ", "))
		return
	}
	for _, sc := range req.Scopes {
		if !slices.Contains(knownScopes, sc) {
			badRequest(w, r, "scopes", "unknown scope %q (known: %s)", sc, strings.Join(knownScopes, ", "))
			return
		}
		if !p.can(sc) {
			problem(w, r, Problem{Type: ProblemType + "forbidden", Status: http.StatusForbidden, Field: "scopes", Detail: fmt.Sprintf("you cannot grant the %q scope you do not hold", sc)})
			return
		}
	}
	secret, hash := auth.NewToken()
	t := &store.Token{OrgID: orgID, Name: req.Name, Hash: hash, Scopes: req.Scopes}
	if err := s.store.CreateToken(r.Context(), p.actor(), t); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, NewToken{Token: t, Secret: secret})
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeAdmin)
	if !ok {
		return
	}
	s.makeToken(w, r, p, p.org.ID)
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeAdmin)
	if !ok {
		return
	}
	list, err := s.store.ListTokens(r.Context(), p.org.ID)
	answerList(s, w, r, list, "", err)
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeAdmin)
	if !ok {
		return
	}
	if err := s.store.RevokeToken(r.Context(), p.actor(), p.org.ID, r.PathValue("id"), time.Now().UTC()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// OrgRequest creates an organisation.
type OrgRequest struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Contact string `json:"contact,omitempty"`
}

func (s *Server) apiCreateOrg(w http.ResponseWriter, r *http.Request) {
	p, ok := s.operator(w, r)
	if !ok {
		return
	}
	var req OrgRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	kinds := []string{store.KindManufacturer, store.KindLab, store.KindAuthority}
	if !slices.Contains(kinds, req.Kind) {
		badRequest(w, r, "kind", "kind must be one of %s", strings.Join(kinds, ", "))
		return
	}
	if req.Name == "" || len(req.Name) > 200 {
		badRequest(w, r, "name", "a name of 1 to 200 characters is required")
		return
	}
	o := &store.Org{Name: req.Name, Kind: req.Kind, Contact: req.Contact}
	if err := s.store.CreateOrg(r.Context(), p.actor(), o); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *Server) apiListOrgs(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.operator(w, r); !ok {
		return
	}
	list, err := s.store.ListOrgs(r.Context())
	answerList(s, w, r, list, "", err)
}

// UserRequest creates a member who logs in to the web UI.
type UserRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	p, ok := s.operator(w, r)
	if !ok {
		return
	}
	var req UserRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	org, err := s.store.Org(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !strings.Contains(req.Email, "@") || len(req.Email) > 254 {
		badRequest(w, r, "email", "an e-mail address is required")
		return
	}
	if len(req.Password) < 12 {
		badRequest(w, r, "password", "the password must have at least 12 characters")
		return
	}
	hash, err := auth.HashPassword(req.Password, *s.cfg.Passwords)
	if err != nil {
		badRequest(w, r, "password", "%v", err)
		return
	}
	u := &store.User{OrgID: org.ID, Email: req.Email, PasswordHash: hash}
	if err := s.store.CreateUser(r.Context(), p.actor(), u); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) apiCreateOrgToken(w http.ResponseWriter, r *http.Request) {
	p, ok := s.operator(w, r)
	if !ok {
		return
	}
	org, err := s.store.Org(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.makeToken(w, r, p, org.ID)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	list, err := s.store.ListAudit(r.Context(), p.readOrg(), pageOf(r))
	if err != nil {
		badRequest(w, r, "after", "%v", err)
		return
	}
	next := ""
	if len(list) > 0 && len(list) == store.PageLimit(pageOf(r)) {
		next = strconv.FormatInt(list[len(list)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, List[store.AuditEntry]{Items: nonNil(list), Next: next})
}

// readUpload reads a multipart or JSON upload within max bytes and returns it
// with the SHA-256 of its content (for idempotency keys) and a function that
// removes what it spooled. A multipart upload streams: each evidence part is
// copied to a file in a private folder under tmp as it arrives, the size
// limit cut in while it streams (a 413), and only the dossier and the SBOM —
// which the store keeps — are held in memory. A JSON upload is decoded in
// memory within the same limit.
func readUpload(w http.ResponseWriter, r *http.Request, max int64, tmp string) (*intake.Upload, string, func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	ct := r.Header.Get("Content-Type")
	up := &intake.Upload{Evidence: map[string][]byte{}, Spooled: map[string]string{}}
	digests := map[string]string{} // evidence name → "size sha256"
	cleanup := func() {}
	fail := func(err error) (*intake.Upload, string, func(), error) {
		cleanup()
		return nil, "", func() {}, err
	}
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		mr, err := r.MultipartReader()
		if err != nil {
			return fail(&intake.Error{Field: "body", Err: err})
		}
		spool, err := os.MkdirTemp(tmp, "upload-")
		if err != nil {
			return fail(fmt.Errorf("upload spool folder: %w", err))
		}
		cleanup = func() { os.RemoveAll(spool) }
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fail(uploadErr(err))
			}
			switch name := part.FormName(); name {
			case "dossier", "sbom":
				data, err := io.ReadAll(part)
				if err != nil {
					return fail(uploadErr(err))
				}
				if name == "dossier" {
					up.Dossier = data
				} else {
					up.SBOM = data
				}
			case "evidence":
				if part.FileName() == "" {
					return fail(&intake.Error{Field: "evidence", Err: errors.New("each evidence part needs a file name")})
				}
				path, digest, err := spoolPart(spool, part)
				if err != nil {
					return fail(err)
				}
				if digest != "" {
					up.Spooled[part.FileName()], digests[part.FileName()] = path, digest
				}
			case "csrf":
				if _, err := io.Copy(io.Discard, part); err != nil {
					return fail(uploadErr(err))
				}
			default:
				return fail(&intake.Error{Field: name, Err: errors.New("unknown form field (send dossier, sbom and evidence)")})
			}
		}
	case strings.HasPrefix(ct, "application/json"):
		var j struct {
			Dossier  string            `json:"dossier"`
			SBOM     string            `json:"sbom"`
			Evidence map[string][]byte `json:"evidence"` // base64
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return fail(uploadErr(err))
		}
		up.Dossier, up.SBOM = []byte(j.Dossier), []byte(j.SBOM)
		for k, v := range j.Evidence {
			up.Evidence[k] = v
		}
		return up, memoryHash(up), cleanup, nil
	default:
		return fail(&intake.Error{Field: "Content-Type", Err: fmt.Errorf("send multipart/form-data or application/json, not %q", ct)})
	}
	return up, uploadHash(up, digests), cleanup, nil
}

// spoolPart copies one evidence part to a new file in dir and returns its
// path and "size sha256"; an empty part is no file ("" digest), as a
// browser sends for an empty file input.
func spoolPart(dir string, part io.Reader) (string, string, error) {
	f, err := os.CreateTemp(dir, "evidence-")
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), part)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", uploadErr(err)
	}
	if n == 0 {
		return "", "", os.Remove(f.Name())
	}
	return f.Name(), fmt.Sprintf("%d %x", n, h.Sum(nil)), nil
}

// uploadHash is the SHA-256 over an upload's content (not its encoding, so a
// retried multipart request with another boundary is the same request):
// the dossier and the SBOM, and each evidence file's name, size and digest.
func uploadHash(up *intake.Upload, evidence map[string]string) string {
	h := sha256.New()
	part := func(name string, b []byte) {
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	part("dossier", up.Dossier)
	part("sbom", up.SBOM)
	names := make([]string, 0, len(evidence))
	for n := range evidence {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "evidence %s %s\n", n, evidence[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// memoryHash is uploadHash of an upload held in memory.
func memoryHash(up *intake.Upload) string {
	d := map[string]string{}
	for k, v := range up.Evidence {
		d[k] = fmt.Sprintf("%d %x", len(v), sha256.Sum256(v))
	}
	return uploadHash(up, d)
}

// uploadErr keeps a too-large body's error (a 413) and turns others into
// problems with the body.
func uploadErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return &intake.Error{Field: "body", Err: err}
}
