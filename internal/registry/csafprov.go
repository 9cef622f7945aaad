package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// The registry as a CSAF trusted provider per manufacturer (issue 14,
// docs/CSAF.md "Provider"): a manufacturer publishes a version's CSAF VEX
// or an Art. 14 case's security advisory at a TLP; the registry keeps the
// current revision in the store, signs with the manufacturer's OpenPGP key
// (generated on first publish, kept in DATA/csaf-keys/<org>/ mode 0600, or
// uploaded) and serves the documents as the organisation's provider
// directory under /.well-known/csaf/<org>/ (provider-metadata.json, ROLIE
// feeds, index.txt, changes.csv, .sha256, .sha512, .asc). The TLP:AMBER
// and TLP:RED folders are access-protected: a token of the organisation or
// of an authority (CSAF requirement 5); the API serves them too. The registry
// itself lists the providers at /.well-known/csaf-aggregator/aggregator.json
// (role csaf_lister).

// csafRoutes are the CSAF provider's endpoints.
func (s *Server) csafRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/versions/{id}/csaf", api: true, h: s.apiPublishVersionCSAF},
		{method: "POST", path: "/api/v1/cases/{id}/csaf", api: true, h: s.apiPublishCaseCSAF},
		{method: "GET", path: "/api/v1/csaf", api: true, h: s.apiListCSAF},
		{method: "GET", path: "/api/v1/csaf/{id}", api: true, h: s.apiCSAFDocument},
		{method: "POST", path: "/api/v1/csaf/key", api: true, h: s.apiCSAFKey},
		{method: "POST", path: "/api/v1/csaf/refresh", api: true, h: s.apiRefreshCSAF},
		{method: "GET", path: "/.well-known/csaf/{org}/{file...}", h: s.csafFile},
		{method: "GET", path: "/.well-known/csaf-aggregator/aggregator.json", h: s.csafAggregator},
	}
}

// PublishCSAFRequest asks to publish (or revise) a CSAF document at a TLP.
type PublishCSAFRequest struct {
	TLP string `json:"tlp"` // WHITE (default), GREEN, AMBER or RED
}

// CSAFPublished is what a publish did to one document.
type CSAFPublished struct {
	TrackingID string    `json:"trackingId"`
	TLP        string    `json:"tlp"`
	Revision   int       `json:"revision"`
	Current    time.Time `json:"currentReleaseDate"`
	// Outcome is "published" (a new document), "revised" (a new revision)
	// or "unchanged" (the new document says what the stored one does).
	Outcome string `json:"outcome"`
	// URL is the document's URL in the provider directory (TLP:AMBER and
	// TLP:RED ones need a token of the organisation or an authority).
	URL string `json:"url"`
	// Warnings are the CSAF 2.0 optional tests (6.2) the document fails,
	// each with its test id and JSON pointer: it is published all the same.
	Warnings []csaf.Problem `json:"warnings,omitempty"`
}

// CSAFList is an organisation's published CSAF documents.
type CSAFList struct {
	Items []CSAFPublished `json:"items"`
	// ProviderMetadata is the organisation's provider-metadata.json URL
	// ("" when nothing is published yet).
	ProviderMetadata string `json:"providerMetadata,omitempty"`
}

// CSAFKey is an organisation's OpenPGP signing key after a rotation.
type CSAFKey struct {
	Fingerprint string `json:"fingerprint"`
	Previous    string `json:"previous,omitempty"`
	PublicKey   string `json:"publicKey"`
}

var orgIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// csafKeyDir is where an organisation's signing keys live: one armoured
// private key per fingerprint (FPR.asc, 0600) and "current", the
// fingerprint that signs.
func (s *Server) csafKeyDir(orgID string) (string, error) {
	if !orgIDPattern.MatchString(orgID) {
		return "", fmt.Errorf("organisation ID %q cannot name a key folder", orgID)
	}
	return filepath.Join(s.cfg.Data, "csaf-keys", orgID), nil
}

// csafKeys caches the loaded signers by organisation.
type csafKeys struct {
	once    sync.Once
	mu      sync.Mutex
	signers map[string]*csaf.Signer
	sites   map[string]csafSite
}

// maxCachedSites bounds how many organisations' built provider
// directories are kept in memory; past it one is dropped (at random, by
// map order) and rebuilt when asked for again.
const maxCachedSites = 64

type csafSite struct {
	key  string // what the site was built from
	site csaf.Site
}

func (s *Server) csafKeys() *csafKeys {
	s.csaf.once.Do(func() {
		s.csaf.signers, s.csaf.sites = map[string]*csaf.Signer{}, map[string]csafSite{}
	})
	return &s.csaf
}

// csafSigner returns the organisation's current signer; with create, a key
// is generated when it has none. Without create and without a key it
// returns nil.
func (s *Server) csafSigner(org *store.Org, create bool) (*csaf.Signer, error) {
	ks := s.csafKeys()
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if sg := ks.signers[org.ID]; sg != nil {
		return sg, nil
	}
	dir, err := s.csafKeyDir(org.ID)
	if err != nil {
		return nil, err
	}
	cur, err := os.ReadFile(filepath.Join(dir, "current"))
	if errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, nil
		}
		sg, priv, err := csaf.GenerateSigner(org.Name+" CSAF", "")
		if err != nil {
			return nil, fmt.Errorf("generating the CSAF signing key of %s: %w", org.ID, err)
		}
		if err := storeCSAFKey(dir, sg.Fingerprint, priv); err != nil {
			return nil, err
		}
		if db := s.cases(); db != nil {
			if err := db.RecordCSAFKey(context.Background(), store.Actor{OrgID: org.ID, UserID: "CSAF provider", Remote: "local"}, sg.Fingerprint, "generated on first publish", ""); err != nil {
				return nil, err
			}
		}
		ks.signers[org.ID] = sg
		return sg, nil
	}
	if err != nil {
		return nil, err
	}
	sg, err := loadCSAFKey(dir, strings.TrimSpace(string(cur)))
	if err != nil {
		return nil, err
	}
	ks.signers[org.ID] = sg
	return sg, nil
}

func loadCSAFKey(dir, fpr string) (*csaf.Signer, error) {
	f, err := os.Open(filepath.Join(dir, fpr+".asc"))
	if err != nil {
		return nil, fmt.Errorf("the CSAF signing key %s: %w", fpr, err)
	}
	defer f.Close()
	return csaf.LoadSigner(f, nil)
}

// storeCSAFKey writes a private key (0600) and makes it current, each file
// through a temporary file and rename.
func storeCSAFKey(dir, fpr string, priv []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, fpr+".asc"), priv); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "current"), []byte(fpr+"\n"))
}

func writeAtomic(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// rotateCSAFKey makes a new key (generated, or the uploaded armoured
// private key) the organisation's current one. The old key stays in the
// folder: its public key is still served under openpgp/, so signatures
// fetched before the rotation still verify; every document is signed anew
// with the new key.
func (s *Server) rotateCSAFKey(ctx context.Context, a store.Actor, org *store.Org, upload []byte) (*CSAFKey, error) {
	old, err := s.csafSigner(org, false)
	if err != nil {
		return nil, err
	}
	var sg *csaf.Signer
	var priv []byte
	if len(bytes.TrimSpace(upload)) == 0 {
		if sg, priv, err = csaf.GenerateSigner(org.Name+" CSAF", ""); err != nil {
			return nil, err
		}
	} else {
		if sg, err = csaf.LoadSigner(bytes.NewReader(upload), nil); err != nil {
			return nil, &csafInputError{field: "body", err: err}
		}
		priv = upload
	}
	dir, err := s.csafKeyDir(org.ID)
	if err != nil {
		return nil, err
	}
	ks := s.csafKeys()
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if err := storeCSAFKey(dir, sg.Fingerprint, priv); err != nil {
		return nil, err
	}
	ks.signers[org.ID] = sg
	delete(ks.sites, org.ID)
	out := &CSAFKey{Fingerprint: sg.Fingerprint, PublicKey: string(sg.PublicKey)}
	if old != nil && old.Fingerprint != sg.Fingerprint {
		out.Previous = old.Fingerprint
	}
	how := "generated"
	if len(bytes.TrimSpace(upload)) > 0 {
		how = "uploaded"
	}
	if db := s.cases(); db != nil {
		if err := db.RecordCSAFKey(ctx, a, sg.Fingerprint, how, out.Previous); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// csafPublicKey returns the armoured public key of one of the
// organisation's keys, current or retired.
func (s *Server) csafPublicKey(orgID, fpr string) ([]byte, error) {
	if !regexp.MustCompile(`^[0-9A-F]{16,64}$`).MatchString(fpr) {
		return nil, store.ErrNotFound
	}
	dir, err := s.csafKeyDir(orgID)
	if err != nil {
		return nil, store.ErrNotFound
	}
	sg, err := loadCSAFKey(dir, fpr)
	if err != nil {
		return nil, store.ErrNotFound
	}
	return sg.PublicKey, nil
}

// csafInputError is a request the CSAF provider refuses (422).
type csafInputError struct {
	field string
	err   error
}

func (e *csafInputError) Error() string { return e.err.Error() }

func (e *csafInputError) Unwrap() error { return e.err }

func (s *Server) csafFail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *csafInputError
	if errors.As(err, &ie) {
		problem(w, r, Problem{Type: ProblemType + "csaf", Title: "The CSAF document cannot be published", Status: http.StatusUnprocessableEntity, Field: ie.field, Detail: ie.err.Error()})
		return
	}
	s.fail(w, r, err)
}

func normTLP(t string) (string, error) {
	t = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(t), "TLP:")))
	switch t {
	case "":
		return "WHITE", nil
	case "WHITE", "GREEN", "AMBER", "RED":
		return t, nil
	}
	return "", &csafInputError{field: "tlp", err: fmt.Errorf("TLP %q: one of WHITE, GREEN, AMBER, RED", t)}
}

func (s *Server) csafBase() string {
	return strings.TrimRight(s.cfg.BaseURL, "/")
}

func (s *Server) csafPublisher(org *store.Org) csaf.Publisher {
	return csaf.Publisher{Category: "vendor", Name: org.Name, Namespace: s.csafBase()}
}

// csafFolder is the organisation's CSAF folder below the base URL.
func csafFolder(orgID string) string { return ".well-known/csaf/" + orgID }

// versionCSAF builds a version's CSAF VEX from its stored findings.
func (s *Server) versionCSAF(ctx context.Context, v *store.Version, trackingID, tlp string, now time.Time) (*csaf.Advisory, error) {
	src, err := s.versionSources(ctx, v)
	if err != nil {
		return nil, err
	}
	return s.csafVEX(src, trackingID, tlp, now)
}

// csafVEX builds the CSAF VEX of a version's sources.
func (s *Server) csafVEX(src *versionSources, trackingID, tlp string, now time.Time) (*csaf.Advisory, error) {
	v, prod, owner := src.version, src.product, src.owner
	vendor := prod.Manufacturer
	if vendor == "" {
		vendor = owner.Name
	}
	dev := deviceIdentity(prod, src.device)
	dev.Vendor, dev.Name, dev.Version = vendor, prod.Name, v.Version
	a, err := csaf.VEX(src.findings, csaf.Options{Publisher: s.csafPublisher(owner), TrackingID: trackingID, Now: now, TLP: tlp,
		Device: dev, ComponentCPEs: src.cpes})
	if errors.Is(err, csaf.ErrNoVulnerabilities) {
		return nil, &csafInputError{field: "id", err: fmt.Errorf("version %s: %w", v.ID, err)}
	}
	return a, err
}

// deviceIdentity is what the registry knows identifies a registered
// product: its model (model_numbers) and the purl and CPE of its device
// component (the dossier's identifiers, else the SBOM's subject). Nothing
// is made up: without them the device has no identification helper and
// optional test 6.2.16 warns.
func deviceIdentity(prod *store.Product, dev *store.Component) csaf.Device {
	var d csaf.Device
	if prod != nil {
		d.Model = strings.TrimSpace(prod.Model)
	}
	if dev != nil {
		d.PURL = dev.PURL
		if len(dev.CPEs) > 0 {
			d.CPE = dev.CPEs[0]
		}
	}
	return d
}

// caseDevice is the identity of a case's registered product and version
// (deviceIdentity without the names: csaf.FromCase takes those from the
// case); empty when the case names none the store has.
func (s *Server) caseDevice(ctx context.Context, c *store.Case) (csaf.Device, error) {
	if c.ProductID == "" {
		return csaf.Device{}, nil
	}
	prod, err := s.store.Product(ctx, c.OrgID, c.ProductID)
	if errors.Is(err, store.ErrNotFound) {
		return csaf.Device{}, nil
	}
	if err != nil {
		return csaf.Device{}, err
	}
	var dev *store.Component
	if c.VersionID != "" {
		v, err := s.store.Version(ctx, c.OrgID, c.VersionID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return csaf.Device{}, err
		default:
			if dev, err = s.versionDevice(ctx, v); err != nil {
				return csaf.Device{}, err
			}
		}
	}
	return deviceIdentity(prod, dev), nil
}

// caseCSAF builds a case's security advisory.
func (s *Server) caseCSAF(ctx context.Context, c *store.Case, trackingID, tlp string, now time.Time) (*csaf.Advisory, error) {
	owner, err := s.store.Org(ctx, c.OrgID)
	if err != nil {
		return nil, err
	}
	kc, err := decodeCase(c)
	if err != nil {
		return nil, err
	}
	dev, err := s.caseDevice(ctx, c)
	if err != nil {
		return nil, err
	}
	a, err := csaf.FromCase(kc, csaf.Options{Publisher: s.csafPublisher(owner), TrackingID: trackingID, Now: now, TLP: tlp, Device: dev})
	if err != nil {
		return nil, &csafInputError{field: "id", err: err}
	}
	return a, nil
}

func csafTrackingID(source, sourceID, tlp string) string {
	kind := "VEX"
	if source == store.CSAFFromCase {
		kind = "SA"
	}
	return strings.ToUpper("DMR-" + kind + "-" + sourceID + "-" + tlp)
}

// publishCSAF makes and stores the document of a source at a TLP: a new
// one, the next revision of the stored one, or nothing when the new
// document says what the stored one does. It is checked (schema and
// mandatory tests) before it is stored.
func (s *Server) publishCSAF(ctx context.Context, a store.Actor, org *store.Org, source, sourceID, tlp string,
	build func(trackingID string, now time.Time) (*csaf.Advisory, error)) (*CSAFPublished, error) {
	db := s.cases()
	if db == nil {
		return nil, errors.New("this store keeps no CSAF documents")
	}
	prev, err := db.CSAFDocumentFor(ctx, org.ID, source, sourceID, tlp)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	trackingID := csafTrackingID(source, sourceID, tlp)
	var pa *csaf.Advisory
	if prev != nil {
		trackingID = prev.TrackingID
		pa = &csaf.Advisory{}
		if err := json.Unmarshal(prev.Content, pa); err != nil {
			return nil, fmt.Errorf("stored CSAF document %s: %w", prev.TrackingID, err)
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	doc, err := build(trackingID, now)
	if err != nil {
		return nil, err
	}
	// the canonical URL (section 5.1, optional test 6.2.11): where the
	// provider directory serves it, under the year of its initial release
	year := now
	if prev != nil {
		year = prev.Initial
	}
	doc.Document.References = append(doc.Document.References, csaf.Reference{Category: "self",
		Summary: "The canonical URL of this document.", URL: s.csafURL(org.ID, tlp, year, trackingID)})
	changed, err := csaf.Revise(doc, pa, "Regenerated from the registry's current findings and decisions.")
	if err != nil {
		return nil, err
	}
	if !changed {
		v := s.csafView(prev, "unchanged")
		v.Warnings, err = csaf.OptionalTests(prev.Content, csafSchemas)
		return v, err
	}
	data, err := csaf.Marshal(doc) // keys sorted (6.2.13)
	if err != nil {
		return nil, err
	}
	probs, err := csaf.CheckBytes(data, csafSchemas)
	if err != nil {
		return nil, fmt.Errorf("checking the CSAF document: %w", err)
	}
	if len(probs) > 0 {
		return nil, &csafInputError{field: "id", err: fmt.Errorf("the CSAF document %s fails %s at %s: %s; it is not published", trackingID, probs[0].Test, probs[0].Pointer, probs[0].Message)}
	}
	warnings, err := csaf.OptionalTests(data, csafSchemas)
	if err != nil {
		return nil, fmt.Errorf("the optional tests of the CSAF document: %w", err)
	}
	if _, err := s.csafSigner(org, true); err != nil { // the key exists before anything is public
		return nil, err
	}
	t := doc.Document.Tracking
	initial, _ := time.Parse(time.RFC3339, t.InitialReleaseDate)
	current, _ := time.Parse(time.RFC3339, t.CurrentReleaseDate)
	d := &store.CSAFDocument{OrgID: org.ID, TrackingID: trackingID, TLP: tlp, Source: source, SourceID: sourceID, Title: doc.Document.Title,
		Initial: initial, Current: current, Revision: 1, Content: data}
	outcome := "published"
	if prev != nil {
		d.Revision, outcome = prev.Revision+1, "revised"
	}
	if err := db.PutCSAFDocument(ctx, a, d); err != nil {
		return nil, err
	}
	v := s.csafView(d, outcome)
	v.Warnings = warnings
	return v, nil
}

// csafURL is a document's URL in the organisation's provider directory.
func (s *Server) csafURL(orgID, tlp string, initial time.Time, trackingID string) string {
	return s.csafBase() + "/" + csafFolder(orgID) + "/" + strings.ToLower(tlp) + "/" + fmt.Sprint(initial.UTC().Year()) + "/" + csaf.FileName(trackingID)
}

func (s *Server) csafView(d *store.CSAFDocument, outcome string) *CSAFPublished {
	u := s.csafURL(d.OrgID, d.TLP, d.Initial, d.TrackingID)
	return &CSAFPublished{TrackingID: d.TrackingID, TLP: d.TLP, Revision: d.Revision, Current: d.Current, Outcome: outcome, URL: u}
}

func (s *Server) readPublishRequest(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req PublishCSAFRequest
	if r.ContentLength != 0 {
		if !decodeJSON(w, r, &req) {
			return "", false
		}
	}
	tlp, err := normTLP(req.TLP)
	if err != nil {
		s.csafFail(w, r, err)
		return "", false
	}
	return tlp, true
}

func publishStatus(p *CSAFPublished) int {
	if p.Outcome == "published" {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (s *Server) apiPublishVersionCSAF(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	v, err := s.store.Version(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tlp, ok := s.readPublishRequest(w, r)
	if !ok {
		return
	}
	out, err := s.publishCSAF(r.Context(), p.actor(), p.org, store.CSAFFromVersion, v.ID, tlp, func(id string, now time.Time) (*csaf.Advisory, error) {
		return s.versionCSAF(r.Context(), v, id, tlp, now)
	})
	if err != nil {
		s.csafFail(w, r, err)
		return
	}
	writeJSON(w, publishStatus(out), out)
}

func (s *Server) apiPublishCaseCSAF(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.caseOwner(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	tlp, ok := s.readPublishRequest(w, r)
	if !ok {
		return
	}
	out, err := s.publishCSAF(r.Context(), p.actor(), p.org, store.CSAFFromCase, c.ID, tlp, func(id string, now time.Time) (*csaf.Advisory, error) {
		return s.caseCSAF(r.Context(), c, id, tlp, now)
	})
	if err != nil {
		s.csafFail(w, r, err)
		return
	}
	writeJSON(w, publishStatus(out), out)
}

// apiListCSAF lists the caller's documents (an authority's or the
// operator's: every organisation's).
func (s *Server) apiListCSAF(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	out := CSAFList{Items: []CSAFPublished{}}
	if db := s.cases(); db != nil {
		list, err := db.CSAFDocumentHeads(r.Context(), p.readOrg())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range list {
			out.Items = append(out.Items, *s.csafView(&list[i], "stored"))
			if p.readOrg() != "" {
				out.ProviderMetadata = s.csafBase() + "/" + csafFolder(list[i].OrgID) + "/provider-metadata.json"
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// apiCSAFDocument returns a document at any TLP to its organisation and to
// authorities.
func (s *Server) apiCSAFDocument(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	db := s.cases()
	if db == nil {
		notFound(w, r)
		return
	}
	d, err := db.CSAFDocument(r.Context(), p.readOrg(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(d.Content)
}

// apiCSAFKey rotates the caller's signing key: an empty body generates
// one, an armoured OpenPGP private key (unencrypted) is taken as it is.
func (s *Server) apiCSAFKey(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	k, err := s.rotateCSAFKey(r.Context(), p.actor(), p.org, body)
	if err != nil {
		s.csafFail(w, r, err)
		return
	}
	s.log.Info("CSAF signing key rotated", "org", p.org.ID, "fingerprint", k.Fingerprint, "previous", k.Previous)
	writeJSON(w, http.StatusOK, k)
}

// apiRefreshCSAF regenerates the caller's documents now.
func (s *Server) apiRefreshCSAF(w http.ResponseWriter, r *http.Request) {
	p, ok := s.manufacturer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	out, err := s.refreshCSAF(r.Context(), p.actor(), p.org.ID, nil)
	if err != nil {
		s.csafFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, CSAFList{Items: out})
}

// refreshCSAF regenerates the stored documents of an organisation ("" =
// every organisation's), only those of the given versions when versions is
// not nil, and stores a new revision of each that changed.
func (s *Server) refreshCSAF(ctx context.Context, a store.Actor, orgID string, versions map[string]bool) ([]CSAFPublished, error) {
	db := s.cases()
	out := []CSAFPublished{}
	if db == nil {
		return out, nil
	}
	list, err := db.CSAFDocumentHeads(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		if versions != nil && (d.Source != store.CSAFFromVersion || !versions[d.SourceID]) {
			continue
		}
		org, err := s.store.Org(ctx, d.OrgID)
		if err != nil {
			return nil, err
		}
		var build func(string, time.Time) (*csaf.Advisory, error)
		switch d.Source {
		case store.CSAFFromVersion:
			v, err := s.store.Version(ctx, d.OrgID, d.SourceID)
			if err != nil {
				return nil, err
			}
			build = func(id string, now time.Time) (*csaf.Advisory, error) { return s.versionCSAF(ctx, v, id, d.TLP, now) }
		default:
			c, err := db.Case(ctx, d.OrgID, d.SourceID)
			if err != nil {
				return nil, err
			}
			build = func(id string, now time.Time) (*csaf.Advisory, error) { return s.caseCSAF(ctx, c, id, d.TLP, now) }
		}
		act := a
		if act.OrgID == "" {
			act.OrgID = d.OrgID
		}
		p, err := s.publishCSAF(ctx, act, org, d.Source, d.SourceID, d.TLP, build)
		if errors.Is(err, csaf.ErrNoVulnerabilities) {
			// every finding went away: the published revision stays (a VEX
			// document needs a vulnerability to speak of)
			s.log.Warn("CSAF VEX kept: the version has no findings left", "trackingId", d.TrackingID)
			out = append(out, *s.csafView(&d, "unchanged"))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("regenerating CSAF document %s: %w", d.TrackingID, err)
		}
		out = append(out, *p)
	}
	return out, nil
}

// csafAfterRematch regenerates the published VEX documents of the versions
// a re-match changed findings of.
func (s *Server) csafAfterRematch(res *monitor.Result) {
	if res == nil || len(res.Changes) == 0 || s.cases() == nil {
		return
	}
	versions := map[string]bool{}
	for _, ch := range res.Changes {
		versions[ch.Finding.VersionID] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := s.refreshCSAF(ctx, store.Actor{UserID: "re-match " + res.JobID, Remote: "local"}, "", versions)
	if err != nil {
		s.log.Error("regenerating CSAF documents after a re-match", "job", res.JobID, "err", err)
		return
	}
	n := 0
	for _, p := range out {
		if p.Outcome == "revised" {
			n++
		}
	}
	if n > 0 {
		s.log.Info("CSAF documents revised after a re-match", "job", res.JobID, "revised", n)
	}
}

// csafProviderSite builds (or returns the cached) provider directory of
// an organisation: all its documents, the TLP:AMBER and TLP:RED folders
// served only to a token of the organisation or an authority (csafFile).
// It returns nil when the organisation publishes nothing.
func (s *Server) csafProviderSite(ctx context.Context, orgID string) (csaf.Site, error) {
	db := s.cases()
	if db == nil || !orgIDPattern.MatchString(orgID) {
		return nil, nil
	}
	docs, err := db.CSAFDocumentHeads(ctx, orgID) // the bytes only when the site is built
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	org, err := s.store.Org(ctx, orgID)
	if err != nil {
		return nil, err
	}
	sg, err := s.csafSigner(org, true)
	if err != nil {
		return nil, err
	}
	var key strings.Builder
	key.WriteString(sg.Fingerprint + "|" + org.Name)
	last := time.Time{}
	for _, d := range docs {
		key.WriteString("|" + d.TrackingID + ":" + d.SHA256)
		if d.Current.After(last) {
			last = d.Current
		}
	}
	ks := s.csafKeys()
	ks.mu.Lock()
	c, ok := ks.sites[orgID]
	ks.mu.Unlock()
	if ok && c.key == key.String() {
		return c.site, nil
	}
	full, err := db.CSAFDocuments(ctx, orgID)
	if err != nil {
		return nil, err
	}
	contents := make([][]byte, len(full))
	for i := range full {
		contents[i] = full[i].Content
	}
	site, _, err := csaf.BuildProvider(csaf.Provider{BaseURL: s.csafBase(), Folder: csafFolder(orgID), Publisher: s.csafPublisher(org), Signer: sg, Now: last},
		contents, csafSchemas)
	if err != nil {
		return nil, err
	}
	ks.mu.Lock()
	for id := range ks.sites { // a bounded cache: a site holds its documents' bytes
		if len(ks.sites) < maxCachedSites {
			break
		}
		delete(ks.sites, id)
	}
	ks.sites[orgID] = csafSite{key: key.String(), site: site}
	ks.mu.Unlock()
	return site, nil
}

// csafFile serves a file of an organisation's provider directory, a
// directory listing for a folder, and the organisation's retired public
// keys under openpgp/.
func (s *Server) csafFile(w http.ResponseWriter, r *http.Request) {
	orgID, file := r.PathValue("org"), r.PathValue("file")
	site, err := s.csafProviderSite(r.Context(), orgID)
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	if site == nil {
		s.notFoundPage(w, r)
		return
	}
	prefix := csafFolder(orgID) + "/"
	if top, _, _ := strings.Cut(file, "/"); top == "amber" || top == "red" {
		// access-protected (CSAF requirement 5): the organisation's tokens and authorities'
		p, ok := s.bearer(w, r, store.ScopeRead)
		if !ok {
			return
		}
		if p.org.ID != orgID && p.org.Kind != store.KindAuthority && p.org.Kind != store.KindOperator {
			problem(w, r, Problem{Type: ProblemType + "forbidden", Status: http.StatusForbidden, Detail: "TLP:" + strings.ToUpper(top) + " documents are for the organisation and authorities"})
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
	}
	if data, ok := site[prefix+file]; ok {
		w.Header().Set("Content-Type", csafContentType(file))
		if w.Header().Get("Cache-Control") == "" {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		_, _ = w.Write(data)
		return
	}
	if fpr, ok := strings.CutPrefix(file, "openpgp/"); ok && strings.HasSuffix(fpr, ".asc") {
		if pub, err := s.csafPublicKey(orgID, strings.TrimSuffix(fpr, ".asc")); err == nil {
			w.Header().Set("Content-Type", "application/pgp-keys")
			_, _ = w.Write(pub)
			return
		}
	}
	dir := strings.TrimSuffix(file, "/")
	if dir != "" {
		dir += "/"
	}
	var entries []string
	seen := map[string]bool{}
	for _, name := range site.Names() {
		rest, ok := strings.CutPrefix(name, prefix+dir)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		if !seen[rest] {
			seen[rest] = true
			entries = append(entries, rest)
		}
	}
	if len(entries) == 0 {
		s.notFoundPage(w, r)
		return
	}
	if file != "" && !strings.HasSuffix(file, "/") {
		http.Redirect(w, r, "/"+prefix+file+"/", http.StatusMovedPermanently)
		return
	}
	sort.Strings(entries)
	var b strings.Builder
	title := html.EscapeString("/" + prefix + dir)
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " + title + "</title></head><body><h1>Index of " + title + "</h1><pre>\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "<a href=\"%s\">%s</a>\n", html.EscapeString(e), html.EscapeString(e))
	}
	b.WriteString("</pre></body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	_, _ = io.WriteString(w, b.String())
}

func csafContentType(name string) string {
	switch path.Ext(name) {
	case ".json":
		return "application/json"
	case ".asc":
		return "text/plain; charset=utf-8"
	case ".csv":
		return "text/csv; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// csafAggregator lists every organisation's provider (role csaf_lister):
// those with a published document.
func (s *Server) csafAggregator(w http.ResponseWriter, r *http.Request) {
	db := s.cases()
	var orgs []string
	last := time.Unix(0, 0).UTC()
	if db != nil {
		docs, err := db.CSAFDocumentHeads(r.Context(), "")
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		seen := map[string]bool{}
		for _, d := range docs {
			if !seen[d.OrgID] {
				seen[d.OrgID] = true
				orgs = append(orgs, d.OrgID)
			}
			if d.Current.After(last) {
				last = d.Current
			}
		}
	}
	type providerEntry struct {
		Metadata map[string]any `json:"metadata"`
	}
	providers := []providerEntry{}
	for _, id := range orgs {
		site, err := s.csafProviderSite(r.Context(), id)
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		pmdName := csafFolder(id) + "/provider-metadata.json"
		var pmd struct {
			LastUpdated string         `json:"last_updated"`
			Publisher   csaf.Publisher `json:"publisher"`
			Role        string         `json:"role"`
		}
		if err := json.Unmarshal(site[pmdName], &pmd); err != nil {
			s.publicFail(w, r, err)
			return
		}
		providers = append(providers, providerEntry{Metadata: map[string]any{"last_updated": pmd.LastUpdated, "publisher": pmd.Publisher, "role": pmd.Role,
			"url": s.csafBase() + "/" + pmdName}})
	}
	if len(providers) == 0 {
		s.notFoundPage(w, r) // the schema wants one provider at least
		return
	}
	doc := map[string]any{
		"aggregator": map[string]any{"category": "lister", "name": s.cfg.Issuer, "namespace": s.csafBase(),
			"contact_details": "Operator of " + s.csafBase()},
		"aggregator_version": csaf.Version,
		"canonical_url":      s.csafBase() + "/.well-known/csaf-aggregator/aggregator.json",
		"csaf_providers":     providers,
		"last_updated":       last.Format(time.RFC3339),
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	if probs, err := csaf.CheckAggregator(data, csafSchemas); err != nil || len(probs) > 0 {
		if err == nil {
			err = fmt.Errorf("aggregator.json fails the aggregator schema: %v", probs)
		}
		s.publicFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(append(data, '\n'))
}
