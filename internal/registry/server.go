// Package registry is dualmark's public registry server, where every label's
// QR code leads: public product pages (/p/{id}, HTML for people and JSON for
// machines) with the FCC registry fields, the CTA-2120 label data, the support
// period and the label's live status; a search page; the transparency log
// served as static C2SP tlog-tiles under /log/; a token-authenticated JSON
// API under /api/v1 (described by an OpenAPI 3.1 document) where
// manufacturers register products and versions and issue and revoke labels
// with the server's keys; a members' web UI; and /healthz, /readyz and
// /metrics. It keeps its state in a store (package store), its keys, trust
// file and log in the data directory.
package registry

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/registry/auth"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
)

// DefaultMaxUpload is the default limit of an upload request body.
const DefaultMaxUpload = 64 << 20

// Config configures a Server.
type Config struct {
	// Data is the data directory: registry.db (SQLite), keys/, trust.json,
	// log/ and session.key live there. It is created when missing.
	Data string
	// Database is a postgres:// URL; "" means SQLite in Data/registry.db.
	Database string
	// BaseURL is the public URL of the registry, used in QR codes and links
	// (default http://127.0.0.1:8080).
	BaseURL string
	// Issuer names the registry in the labels it signs (default "dualmark registry").
	Issuer string
	// AdvisoryDB is an advisory database folder for scanning uploads; ""
	// means uploads are assessed without a scan.
	AdvisoryDB string
	// MaxUpload limits upload request bodies (default DefaultMaxUpload).
	MaxUpload int64
	// Logger receives structured logs (default: discarded).
	Logger *slog.Logger
	// Passwords are the argon2id parameters for new passwords
	// (default auth.DefaultParams).
	Passwords *auth.Params
	// InsecureCookies drops the Secure flag of session cookies, for tests
	// and plain-HTTP loopback use; never set it behind a public address.
	InsecureCookies bool
	// Witnesses are witness submission URLs (c2sp.org/tlog-witness) asked to
	// cosign the log's checkpoint after every label; their keys must be in
	// WitnessTrust. None means labels are issued without cosignatures.
	Witnesses []string
	// WitnessTrust is the trust file listing the witnesses' keys and the
	// quorum (as "dualmark label issue --witness --trust" reads it).
	WitnessTrust string
	// WitnessBackoff is the pause before retrying a witness that does not
	// answer (default: witness.Client's).
	WitnessBackoff time.Duration
	// Notify configures the webhook dispatcher and the daily job
	// (notify.go); the zero value runs both with their defaults.
	Notify NotifyConfig
	// Appender is the URL of the replica that appends to the log, for a
	// replica that does not: "" (the default) makes this server the log
	// appender, with its keys and log in Data. A replica with Appender set
	// needs a shared PostgreSQL Database and the appender's session.key in
	// Data; it forwards label issuance, revocation, /trust.json and /log/
	// to the appender (see replica.go).
	Appender string
	// NoReassess turns off the background re-assessment of versions whose
	// findings a re-match changed (reassess.go); Reassess still drains the
	// queue when called. Replicas with Appender set never run the worker.
	NoReassess bool
}

// Timeouts bound how long one connection may take over each part of a
// request, so that a client that sends its headers or body a byte at a
// time (slowloris) or holds idle connections open cannot tie up the
// server. A zero field takes its default.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers (default 10 s).
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included (default 5 min:
	// an upload of DefaultMaxUpload at about 220 kB/s).
	Read time.Duration
	// Write bounds writing a response (default 5 min).
	Write time.Duration
	// Idle bounds how long a kept-alive connection may wait for its next
	// request (default 2 min).
	Idle time.Duration
	// MaxHeaderBytes bounds a request's headers (default 64 KiB; net/http
	// answers 431 past it).
	MaxHeaderBytes int
}

// Default server timeouts and header limit (see Timeouts).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 5 * time.Minute
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
)

// HTTPServer returns the http.Server that serves h with the timeouts and
// header limit of t. The registry is meant to be served by it: an
// http.Server without them waits for a slow client for ever.
func HTTPServer(h http.Handler, t Timeouts) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	maxHeader := t.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderBytes
	}
	return &http.Server{Handler: h,
		ReadHeaderTimeout: or(t.ReadHeader, DefaultReadHeaderTimeout),
		ReadTimeout:       or(t.Read, DefaultReadTimeout),
		WriteTimeout:      or(t.Write, DefaultWriteTimeout),
		IdleTimeout:       or(t.Idle, DefaultIdleTimeout),
		MaxHeaderBytes:    maxHeader,
	}
}

// Server is a running registry.
type Server struct {
	cfg       Config
	store     store.Store
	outbox    store.Outbox // events, subscriptions, deliveries, portfolio counts (notify.go)
	reassess  *reassessor  // the re-assessment worker (reassess.go); nil when not running
	notify    *notifier
	keys      *keys.Set
	tlog      *tlog.Log
	logDir    string
	trust     []byte
	secret    []byte // HMAC key of session cookies and CSRF tokens
	log       *slog.Logger
	metrics   *metrics
	mux       *http.ServeMux
	ready     atomic.Bool
	logMu     sync.Mutex // one label or revocation appended at a time
	witnessMu sync.Mutex // one checkpoint submitted to the witnesses at a time
	limiter   *limiter
	routes    []route
	pages     pageCache
	watch     watch    // monitoring (crisis.go)
	csaf      csafKeys // CSAF provider: signers and built sites (csafprov.go)
}

// route is one registered handler; API routes are listed in the OpenAPI document.
type route struct {
	method, path string
	api          bool
	h            http.HandlerFunc
}

// Open prepares the data directory (generating the registry's key set, trust
// file and session key on first start), opens the store and the log, and
// builds the handler.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Data == "" {
		return nil, errors.New("registry: a data directory is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Issuer == "" {
		cfg.Issuer = "dualmark registry"
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	var appender *url.URL
	if cfg.Appender != "" {
		var err error
		if appender, err = checkReplica(cfg); err != nil {
			return nil, err
		}
	}
	if len(cfg.Witnesses) > 0 && cfg.WitnessTrust == "" {
		return nil, errors.New("registry: witnesses need a trust file with their keys")
	}
	if len(cfg.Witnesses) > 0 { // a wrong URL or trust file fails at start, not at the first label
		tr, err := keys.LoadTrust(cfg.WitnessTrust)
		if err != nil {
			return nil, fmt.Errorf("registry: witness trust file: %w", err)
		}
		if _, err := witness.EndpointsFromTrust(tr, cfg.Witnesses); err != nil {
			return nil, fmt.Errorf("registry: witness trust file %s: %w", cfg.WitnessTrust, err)
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Passwords == nil {
		p := auth.DefaultParams
		cfg.Passwords = &p
	}
	if err := os.MkdirAll(filepath.Join(cfg.Data, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	removeStaleTmp(filepath.Join(cfg.Data, "tmp"), time.Hour, time.Now())
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(), logDir: filepath.Join(cfg.Data, "log"), limiter: newLimiter(5, time.Minute)}
	var err error
	if cfg.Appender != "" {
		// the appender's session key, never a new one: sessions and forwarded
		// client addresses must verify on every replica
		if s.secret, err = os.ReadFile(filepath.Join(cfg.Data, "session.key")); err != nil || len(s.secret) != 32 {
			return nil, fmt.Errorf("registry: a replica needs the log appender's session.key (32 bytes) in %s: %v", cfg.Data, err)
		}
	} else {
		if s.keys, s.trust, err = loadOrCreateKeys(cfg.Data, cfg.Issuer); err != nil {
			return nil, err
		}
		if s.secret, err = loadOrCreateSecret(filepath.Join(cfg.Data, "session.key")); err != nil {
			return nil, err
		}
	}
	dsn := cfg.Database
	if dsn == "" {
		dsn = filepath.Join(cfg.Data, "registry.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s.store, s.outbox = db, db
	db.SetCaseOpener(s.openCaseFor) // Art. 14 cases opened by re-matches (art14.go)
	tlog.QuietLibraryLogs()
	if appender == nil {
		if s.tlog, err = tlog.Open(ctx, s.logDir, s.keys); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening the transparency log: %w", err)
		}
		if n, err := s.recoverRevocations(ctx); err != nil { // a crash between the log and the store (recover.go)
			s.tlog.Close(ctx)
			db.Close()
			return nil, fmt.Errorf("recovering revocations from the log: %w", err)
		} else if n > 0 {
			s.log.Warn("recorded revocations found in the log but not in the store", "count", n)
		}
	}
	s.mux = http.NewServeMux()
	var forward http.HandlerFunc
	if appender != nil {
		forward = s.newForwarder(appender)
	}
	for _, rt := range s.routeTable() {
		s.routes = append(s.routes, rt)
		pattern := rt.method + " " + rt.path
		h := rt.h
		if forward != nil && forwardedRoutes[pattern] {
			h = forward
		}
		s.mux.Handle(pattern, s.wrap(pattern, h))
	}
	s.mux.Handle("/", s.wrap("/", func(w http.ResponseWriter, r *http.Request) { s.notFoundPage(w, r) }))
	if err := s.startNotify(); err != nil {
		s.tlog.Close(ctx)
		db.Close()
		return nil, err
	}
	if !cfg.NoReassess && cfg.Appender == "" {
		s.startReassess()
	}
	s.ready.Store(true)
	return s, nil
}

// removeStaleTmp removes what a crashed process left in DATA/tmp: upload
// spools and work folders older than age (a running request's are younger).
func removeStaleTmp(dir string, age time.Duration, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > age {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// loadOrCreateKeys loads DATA/keys and DATA/trust.json, creating both on
// first start.
func loadOrCreateKeys(data, issuer string) (*keys.Set, []byte, error) {
	dir, trustPath := filepath.Join(data, "keys"), filepath.Join(data, "trust.json")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		now := time.Now().UTC()
		set, err := keys.GenerateSet(issuer, "", nil, now)
		if err != nil {
			return nil, nil, err
		}
		if err := set.Write(dir); err != nil {
			return nil, nil, err
		}
		t := &keys.Trust{Version: keys.TrustVersion}
		if err := t.AddSet(set, now, false); err != nil {
			return nil, nil, err
		}
		if err := t.Save(trustPath); err != nil {
			return nil, nil, err
		}
	}
	set, err := keys.LoadSet(dir)
	if err != nil {
		return nil, nil, err
	}
	if _, err := keys.LoadTrust(trustPath); err != nil {
		return nil, nil, err
	}
	trust, err := os.ReadFile(trustPath)
	return set, trust, err
}

func loadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		return nil, fmt.Errorf("%s: want 32 bytes, have %d", path, len(b))
	}
	b = make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// Handler returns the registry's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.store }

// Trust returns the trust file that verifies the registry's labels (nil on
// a replica that is not the log appender).
func (s *Server) Trust() []byte { return s.trust }

// Appends reports whether this server is the log appender.
func (s *Server) Appends() bool { return s.tlog != nil }

// LogDir returns the transparency-log directory.
func (s *Server) LogDir() string { return s.logDir }

// Close marks the server not ready, then flushes the log and closes the
// store. Call it after http.Server.Shutdown has let in-flight requests end.
func (s *Server) Close(ctx context.Context) error {
	s.ready.Store(false)
	s.stopReassess()
	s.stopNotify()
	s.logMu.Lock()
	defer s.logMu.Unlock()
	var err error
	if s.tlog != nil {
		err = s.tlog.Close(ctx)
	}
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// InitAdmin creates the operator organisation and an admin API token, and
// returns the token: it is shown once and never stored in the clear.
func (s *Server) InitAdmin(ctx context.Context) (string, error) {
	a := store.Actor{UserID: "serve --init-admin", Remote: "local"}
	orgs, err := s.store.ListOrgs(ctx)
	if err != nil {
		return "", err
	}
	var op *store.Org
	for i := range orgs {
		if orgs[i].Kind == store.KindOperator {
			op = &orgs[i]
		}
	}
	if op == nil {
		op = &store.Org{Name: s.cfg.Issuer, Kind: store.KindOperator}
		if err := s.store.CreateOrg(ctx, a, op); err != nil {
			return "", err
		}
	}
	a.OrgID = op.ID
	secret, hash := auth.NewToken()
	t := &store.Token{OrgID: op.ID, Name: "admin (serve --init-admin)", Hash: hash, Scopes: []string{store.ScopeAdmin}}
	if err := s.store.CreateToken(ctx, a, t); err != nil {
		return "", err
	}
	return secret, nil
}

func (s *Server) routeTable() []route {
	return append([]route{
		// operations
		{method: "GET", path: "/healthz", h: s.healthz},
		{method: "GET", path: "/readyz", h: s.readyz},
		{method: "GET", path: "/metrics", h: s.metricsHandler},
		// public
		{method: "GET", path: "/{$}", h: s.searchPage},
		{method: "GET", path: "/search", h: s.searchPage},
		{method: "GET", path: "/p/{id}", h: s.productPage},
		{method: "GET", path: "/p/{id}/bundle.json", h: s.bundleFile},
		{method: "GET", path: "/p/{id}/proof.tlog-proof", h: s.proofFile},
		{method: "GET", path: "/p/{id}/qr.svg", h: s.qrFile},
		{method: "GET", path: "/trust.json", h: s.trustFile},
		{method: "GET", path: "/log/", h: s.logFiles},
		{method: "GET", path: "/static/{file}", h: s.staticFile},
		// web UI for members
		{method: "GET", path: "/login", h: s.loginPage},
		{method: "POST", path: "/login", h: s.loginSubmit},
		{method: "POST", path: "/logout", h: s.logout},
		{method: "GET", path: "/dashboard", h: s.dashboard},
		{method: "GET", path: "/dashboard/products/{id}", h: s.dashboardProduct},
		{method: "POST", path: "/dashboard/upload", h: s.dashboardUpload},
		{method: "POST", path: "/dashboard/versions/{id}/label", h: s.dashboardIssue},
		{method: "POST", path: "/dashboard/labels/{id}/revoke", h: s.dashboardRevoke},
		// API
		{method: "GET", path: "/api/v1/openapi.json", api: true, h: s.openapi},
		{method: "GET", path: "/api/v1/products", api: true, h: s.apiListProducts},
		{method: "POST", path: "/api/v1/products", api: true, h: s.apiCreateProduct},
		{method: "GET", path: "/api/v1/products/{id}", api: true, h: s.apiProduct},
		{method: "GET", path: "/api/v1/products/{id}/versions", api: true, h: s.apiListVersions},
		{method: "POST", path: "/api/v1/products/{id}/versions", api: true, h: s.apiCreateVersion},
		{method: "GET", path: "/api/v1/versions/{id}", api: true, h: s.apiVersion},
		{method: "GET", path: "/api/v1/versions/{id}/assessment", api: true, h: s.apiAssessment},
		{method: "GET", path: "/api/v1/versions/{id}/reassessments", api: true, h: s.apiReassessments},
		{method: "POST", path: "/api/v1/versions/{id}/label", api: true, h: s.apiIssueLabel},
		{method: "POST", path: "/api/v1/labels/{id}/revoke", api: true, h: s.apiRevokeLabel},
		{method: "GET", path: "/api/v1/tokens", api: true, h: s.apiListTokens},
		{method: "POST", path: "/api/v1/tokens", api: true, h: s.apiCreateToken},
		{method: "DELETE", path: "/api/v1/tokens/{id}", api: true, h: s.apiRevokeToken},
		{method: "GET", path: "/api/v1/orgs", api: true, h: s.apiListOrgs},
		{method: "POST", path: "/api/v1/orgs", api: true, h: s.apiCreateOrg},
		{method: "POST", path: "/api/v1/orgs/{id}/users", api: true, h: s.apiCreateUser},
		{method: "POST", path: "/api/v1/orgs/{id}/tokens", api: true, h: s.apiCreateOrgToken},
		{method: "GET", path: "/api/v1/audit", api: true, h: s.apiAudit},
		// registry2: the CLI client's token check
		{method: "GET", path: "/api/v1/whoami", api: true, h: s.apiWhoAmI},
		// registry2: labs and authorities (labs.go)
		{method: "GET", path: "/api/v1/products/{id}/shares", api: true, h: s.apiListShares},
		{method: "POST", path: "/api/v1/products/{id}/shares", api: true, h: s.apiShare},
		{method: "DELETE", path: "/api/v1/products/{id}/shares/{org}", api: true, h: s.apiUnshare},
		{method: "GET", path: "/api/v1/queue", api: true, h: s.apiQueue},
		{method: "GET", path: "/api/v1/versions/{id}/reports", api: true, h: s.apiListReports},
		{method: "POST", path: "/api/v1/versions/{id}/reports", api: true, h: s.apiAttachReport},
		{method: "GET", path: "/api/v1/reports/{id}/content", api: true, h: s.apiReportContent},
		// monitoring (issue 13, crisis.go)
		{method: "GET", path: "/api/v1/vulnerabilities/{id}/affected", api: true, h: s.apiAffected},
		{method: "GET", path: "/api/v1/vulnerabilities/{id}/report", api: true, h: s.apiSituation},
		{method: "GET", path: "/api/v1/situation", api: true, h: s.apiQuerySituation},
		{method: "POST", path: "/api/v1/admin/advisories", api: true, h: s.apiImportAdvisories},
		// CSAF advisories in (issue 14 item 5, csafin.go)
		{method: "POST", path: "/api/v1/admin/csaf", api: true, h: s.apiImportCSAF},
	}, append(append(s.notifyRoutes(), s.art14Routes()...), s.csafRoutes()...)...)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 when the store answers and the server is not shutting down.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "shutting down"})
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		problem(w, r, Problem{Status: http.StatusServiceUnavailable, Detail: "the database does not answer"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ready")
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	g := map[string]float64{}
	if n, err := s.store.CountProducts(r.Context()); err == nil {
		g["dualmark_registry_products"] = float64(n)
	}
	s.metrics.write(w, g)
}
