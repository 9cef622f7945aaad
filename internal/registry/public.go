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
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/qr"
	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/tlog"
)

var labelIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Public is the JSON form of a product page (the same URL with Accept:
// application/json).
type Public struct {
	ProductID string         `json:"productId"`
	Version   string         `json:"version"`
	Uploaded  time.Time      `json:"uploaded"`
	Record    *intake.Record `json:"record"`
	// SupportEnded is true once the support period's last day has passed.
	SupportEnded bool         `json:"supportEnded"`
	Label        *PublicLabel `json:"label,omitempty"`
}

// PublicLabel is a label's live status and where to get what verifies it.
type PublicLabel struct {
	ID       string     `json:"id"`
	Status   string     `json:"status"` // valid | superseded | revoked
	Reason   string     `json:"reason,omitempty"`
	Issued   time.Time  `json:"issued"`
	Changed  *time.Time `json:"changed,omitempty"`
	LogIndex uint64     `json:"logIndex"`
	URL      string     `json:"url"`    // the page the QR code leads to
	Bundle   string     `json:"bundle"` // label bundle
	Proof    string     `json:"proof"`  // C2SP .tlog-proof
	Trust    string     `json:"trust"`  // the registry's trust file
	Log      string     `json:"log"`    // the log's tlog-tiles root
}

// resolve finds the version a public id names: a label ID (what the QR code
// carries) or a product ID (its newest version).
func (s *Server) resolve(ctx context.Context, id string) (*store.Version, *store.Label, error) {
	if labelIDPattern.MatchString(id) {
		l, err := s.store.Label(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		v, err := s.store.Version(ctx, "", l.VersionID)
		return v, l, err
	}
	v, err := s.store.LatestVersion(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return v, v.Label, nil
}

func (s *Server) public(v *store.Version, l *store.Label, now time.Time) (*Public, error) {
	rec, err := intake.ParseRecord(v.Public)
	if err != nil {
		return nil, err
	}
	p := &Public{ProductID: v.ProductID, Version: v.Version, Uploaded: v.Created, Record: rec}
	if end, err := time.Parse("2006-01-02", rec.SupportEnd); err == nil {
		p.SupportEnded = now.After(end.Add(24 * time.Hour))
	}
	if l != nil {
		base := s.cfg.BaseURL + "/p/" + l.ID
		p.Label = &PublicLabel{ID: l.ID, Status: l.Status, Reason: l.Reason, Issued: l.Issued, Changed: l.Changed, LogIndex: l.LogIndex,
			URL: base, Bundle: base + "/bundle.json", Proof: base + "/proof.tlog-proof", Trust: s.cfg.BaseURL + "/trust.json", Log: s.cfg.BaseURL + "/log/"}
	}
	return p, nil
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// productPage serves /p/{id}: HTML or JSON by the Accept header, with an
// ETag over the body so that clients revalidate cheaply.
func (s *Server) productPage(w http.ResponseWriter, r *http.Request) {
	lang := pickLanguage(r)
	key := r.PathValue("id") + "|html|" + lang
	w.Header().Set("Vary", "Accept, Accept-Language")
	if wantsJSON(r) {
		key = r.PathValue("id") + "|json"
	} else {
		w.Header().Set("Content-Language", lang)
	}
	now := time.Now()
	if c, ok := s.pages.get(key, now); ok {
		serveWithTag(w, r, c.ctype, c.body, c.tag, "public, no-cache")
		return
	}
	v, l, err := s.resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	p, err := s.public(v, l, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body []byte
	ctype := "text/html; charset=utf-8"
	if wantsJSON(r) {
		ctype = "application/json"
		body, err = json.MarshalIndent(p, "", "  ")
		body = append(body, '\n')
	} else {
		body, err = s.render("product", productView(p, lang))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tag := etag(body)
	s.pages.put(key, cachedPage{ctype: ctype, body: body, tag: tag}, now)
	serveWithTag(w, r, ctype, body, tag, "public, no-cache")
}

// serveTagged writes body with a strong ETag and answers 304 to a matching
// If-None-Match.
func serveTagged(w http.ResponseWriter, r *http.Request, ctype string, body []byte, cache string) {
	serveWithTag(w, r, ctype, body, etag(body), cache)
}

// etag is the strong entity tag of a body: 128 bits of its SHA-256.
func etag(body []byte) string {
	h := sha256.Sum256(body)
	return `"` + hex.EncodeToString(h[:16]) + `"`
}

func serveWithTag(w http.ResponseWriter, r *http.Request, ctype string, body []byte, tag, cache string) {
	hdr := w.Header()
	hdr.Set("ETag", tag)
	hdr.Set("Cache-Control", cache)
	if hdr.Get("Vary") == "" {
		hdr.Set("Vary", "Accept")
	}
	for _, m := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if strings.TrimSpace(m) == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Content-Type", ctype)
	_, _ = w.Write(body)
}

// publicFail answers a public page's error: a 404 page for people, a
// problem document for machines.
func (s *Server) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) && !wantsJSON(r) {
		s.notFoundPage(w, r)
		return
	}
	s.fail(w, r, err)
}

func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) || strings.HasPrefix(r.URL.Path, "/api/") {
		notFound(w, r)
		return
	}
	lang := pickLanguage(r)
	w.Header().Set("Content-Language", lang)
	body, err := s.render("notfound", map[string]any{"Title": translateText(lang, "notfound.title"), "Lang": lang})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write(body)
}

// labelFor finds a label by ID for the download routes.
func (s *Server) labelFor(w http.ResponseWriter, r *http.Request) (*store.Label, *label.Bundle, bool) {
	id := r.PathValue("id")
	if !labelIDPattern.MatchString(id) {
		s.publicFail(w, r, store.ErrNotFound)
		return nil, nil, false
	}
	l, err := s.store.Label(r.Context(), id)
	if err != nil {
		s.publicFail(w, r, err)
		return nil, nil, false
	}
	b, err := label.ParseBundle(l.Bundle, "stored bundle "+id)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	return l, b, true
}

func (s *Server) bundleFile(w http.ResponseWriter, r *http.Request) {
	l, _, ok := s.labelFor(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.label.json"`, l.ID[:16]))
	serveTagged(w, r, label.BundleMediaType, l.Bundle, "public, max-age=31536000, immutable")
}

// TLogProof renders a bundle's inclusion proof and checkpoint in the C2SP
// tlog-proof format (c2sp.org/tlog-proof@v1).
func TLogProof(b *label.Bundle) []byte {
	var buf bytes.Buffer
	buf.WriteString("c2sp.org/tlog-proof@v1\n")
	fmt.Fprintf(&buf, "index %d\n", b.Log.LogIndex)
	for _, h := range b.Log.InclusionProof {
		buf.WriteString(h + "\n")
	}
	buf.WriteString("\n")
	buf.WriteString(b.Log.Checkpoint)
	return buf.Bytes()
}

func (s *Server) proofFile(w http.ResponseWriter, r *http.Request) {
	l, b, ok := s.labelFor(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.tlog-proof"`, l.ID[:16]))
	serveTagged(w, r, "text/plain; charset=utf-8", TLogProof(b), "public, max-age=31536000, immutable")
}

func (s *Server) qrFile(w http.ResponseWriter, r *http.Request) {
	l, _, ok := s.labelFor(w, r)
	if !ok {
		return
	}
	code, err := qr.New(s.cfg.BaseURL + "/p/" + l.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveTagged(w, r, "image/svg+xml", code.SVG(6), "public, max-age=86400")
}

func (s *Server) trustFile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Disposition", `attachment; filename="trust.json"`)
	serveTagged(w, r, "application/json", s.trust, "public, max-age=300")
}

// logFiles serves the C2SP tlog-tiles resources of the log directory:
// the checkpoint and the witness-cosigned checkpoint
// (tlog.CosignedCheckpointFile; both revalidated every time) and tiles and entry bundles
// (immutable: a partial tile's path carries its width). Nothing else in the
// directory is reachable.
func (s *Server) logFiles(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, "/log/")
	clean := path.Clean("/" + rel)[1:]
	checkpoint := rel == "checkpoint" || rel == tlog.CosignedCheckpointFile
	if clean != rel || (!checkpoint && !strings.HasPrefix(rel, "tile/")) || strings.Contains(rel, "..") {
		notFound(w, r)
		return
	}
	cache := "public, max-age=31536000, immutable"
	ctype := "application/octet-stream"
	if checkpoint {
		cache, ctype = "no-cache", "text/plain; charset=utf-8"
	}
	f, err := http.Dir(s.logDir).Open(rel)
	if err != nil {
		notFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// SearchResult is one product found by the search.
type SearchResult struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model,omitempty"`
	URL          string `json:"url"`
}

// searchPage finds products by manufacturer, model or name, or a label by
// its ID (which leads straight to its page).
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		badRequest(w, r, "q", "the search text is longer than 200 characters")
		return
	}
	if labelIDPattern.MatchString(strings.ToLower(q)) {
		if _, err := s.store.Label(r.Context(), strings.ToLower(q)); err == nil {
			http.Redirect(w, r, "/p/"+strings.ToLower(q), http.StatusSeeOther)
			return
		}
	}
	var results []SearchResult
	next := ""
	if q != "" {
		list, n, err := s.store.ListProducts(r.Context(), store.ProductQuery{Text: q, Page: pageOf(r)})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next = n
		for _, p := range list {
			results = append(results, SearchResult{ID: p.ID, Name: p.Name, Manufacturer: p.Manufacturer, Model: p.Model, URL: s.cfg.BaseURL + "/p/" + p.ID})
		}
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"query": q, "results": nonNil(results), "next": next})
		return
	}
	lang := pickLanguage(r)
	w.Header().Set("Vary", "Accept, Accept-Language")
	w.Header().Set("Content-Language", lang)
	body, err := s.render("search", map[string]any{"Title": translateText(lang, "search.title"), "Query": q, "Results": results, "Next": next, "Searched": q != "", "Lang": lang})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveTagged(w, r, "text/html; charset=utf-8", body, "public, no-cache")
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// view of a product page for the template
type pageView struct {
	Title string
	*Public
	Verdicts  []verdictView
	Statuses  map[string]string
	Lang      string // page language (see i18n.go)
	Languages []languageLink
}

// verdictView is one row of the verdict table: the regime's title and the
// verdict's text in the page language, the verdict itself for the CSS class.
type verdictView struct{ Regime, Verdict, Text string }

func productView(p *Public, lang string) pageView {
	v := pageView{Title: p.Record.Product.Name, Public: p, Lang: lang, Languages: languageLinks()}
	for id, vd := range p.Record.Verdicts {
		title := intake.RegimeTitle(id)
		if m, ok := catalogs[lang]["regime."+id]; ok && lang != "en" {
			title = m
		}
		text := vd
		if m, ok := catalogs[lang]["v."+vd]; ok {
			text = m
		}
		v.Verdicts = append(v.Verdicts, verdictView{title, vd, text})
	}
	sort.Slice(v.Verdicts, func(i, j int) bool { return v.Verdicts[i].Regime < v.Verdicts[j].Regime })
	return v
}
