package registry

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/registry/auth"
	"github.com/dualmark/dualmark/internal/registry/store"
)

const (
	sessionCookie = "dm_session"
	preCookie     = "dm_login" // binds the login form's CSRF token before a session exists
	sessionTTL    = 8 * time.Hour
)

// sign returns the HMAC-SHA256 of msg under the server's session key.
func (s *Server) sign(msg string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteStrictMode})
}

// session returns the member a valid session cookie names, and the cookie
// value (the CSRF tokens of its forms are derived from it).
func (s *Server) session(r *http.Request) (*principal, string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, "", false
	}
	body, mac, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.sign("session|"+body))) {
		return nil, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, "", false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return nil, "", false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return nil, "", false
	}
	u, err := s.store.User(r.Context(), parts[0])
	if err != nil || u.OrgID != parts[1] {
		return nil, "", false
	}
	org, err := s.store.Org(r.Context(), u.OrgID)
	if err != nil {
		return nil, "", false
	}
	p := &principal{org: org, userID: "user:" + u.ID, scopes: []string{store.ScopeRead, store.ScopeWrite, store.ScopeLabel}, remote: remoteHost(r)}
	return p, c.Value, true
}

func (s *Server) csrfToken(session string) string { return s.sign("csrf|" + session) }

// member authenticates a web request; a POST must also carry the form's CSRF
// token and, when the browser sends one, an Origin of this registry.
func (s *Server) member(w http.ResponseWriter, r *http.Request) (*principal, string, bool) {
	p, sess, ok := s.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil, "", false
	}
	if r.Method == http.MethodPost && (!s.sameOrigin(r) || !hmac.Equal([]byte(r.FormValue("csrf")), []byte(s.csrfToken(sess)))) {
		problem(w, r, Problem{Type: ProblemType + "csrf", Status: http.StatusForbidden, Detail: "the form's CSRF token is missing or wrong: reload the page and try again"})
		return nil, "", false
	}
	return p, sess, true
}

func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not sent by this client; SameSite=Strict cookies still hold
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	body, err := s.render(name, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, r, http.StatusOK, "")
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	pre := hex.EncodeToString(b)
	s.setCookie(w, preCookie, pre, 3600)
	s.page(w, r, status, "login", map[string]any{"Title": "Members' login", "CSRF": s.sign("login|" + pre), "Error": msg})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	pre, err := r.Cookie(preCookie)
	if err != nil || !s.sameOrigin(r) || !hmac.Equal([]byte(r.FormValue("csrf")), []byte(s.sign("login|"+pre.Value))) {
		s.loginForm(w, r, http.StatusForbidden, "The form expired. Please try again.")
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	for _, k := range []string{"ip:" + remoteHost(r), "email:" + email} {
		if wait := s.limiter.blocked(k); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			s.loginForm(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %d seconds.", int(wait.Seconds())+1))
			return
		}
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	if err == nil {
		err = auth.CheckPassword(r.FormValue("password"), u.PasswordHash)
	} else if errors.Is(err, store.ErrNotFound) {
		// spend the same time as a real check, so timing does not tell which e-mail addresses exist
		_ = auth.CheckPassword(r.FormValue("password"), s.dummyHash())
		err = auth.ErrMismatch
	}
	if err != nil {
		s.limiter.fail("ip:" + remoteHost(r))
		s.limiter.fail("email:" + email)
		s.log.WarnContext(r.Context(), "login failed", "remote", remoteHost(r))
		s.loginForm(w, r, http.StatusUnauthorized, "Wrong e-mail address or password.")
		return
	}
	exp := time.Now().Add(sessionTTL).Unix()
	body := base64.RawURLEncoding.EncodeToString([]byte(u.ID + "|" + u.OrgID + "|" + strconv.FormatInt(exp, 10)))
	s.setCookie(w, sessionCookie, body+"."+s.sign("session|"+body), int(sessionTTL.Seconds()))
	s.setCookie(w, preCookie, "", -1)
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

var dummy struct {
	once sync.Once
	hash string
}

func (s *Server) dummyHash() string {
	dummy.once.Do(func() { dummy.hash, _ = auth.HashPassword("dummy password for timing", *s.cfg.Passwords) })
	return dummy.hash
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.member(w, r); !ok {
		return
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// productRow is one product of the dashboard with its newest version.
type productRow struct {
	store.Product
	Latest *store.Version
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	p, sess, ok := s.member(w, r)
	if !ok {
		return
	}
	var list []store.Product
	var next string
	var err error
	caption := "Your products and their newest version"
	switch p.org.Kind {
	case store.KindLab: // the lab's queue: products shared with it
		list, next, err = s.store.Queue(r.Context(), p.org.ID, pageOf(r))
		caption = "Products shared with your lab for testing, and their newest version"
	default:
		list, next, err = s.store.ListProducts(r.Context(), store.ProductQuery{OrgID: p.readOrg(), Page: pageOf(r)})
		if p.org.Kind == store.KindAuthority {
			caption = "Every registered product and its newest version (read-only)"
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]productRow, 0, len(list))
	for _, pr := range list {
		v, err := s.store.LatestVersion(r.Context(), pr.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, err)
			return
		}
		rows = append(rows, productRow{Product: pr, Latest: v})
	}
	chart, err := s.portfolioChart(r.Context(), p) // chart.go
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "dashboard", map[string]any{"Title": "Dashboard", "Org": p.org, "Products": rows, "Next": next, "Chart": chart, "Caption": caption,
		"CSRF": s.csrfToken(sess), "Flash": r.URL.Query().Get("flash"), "Manufacturer": p.org.Kind == store.KindManufacturer})
}

func (s *Server) dashboardProduct(w http.ResponseWriter, r *http.Request) {
	p, sess, ok := s.member(w, r)
	if !ok {
		return
	}
	org, err := s.visibleProduct(r.Context(), p, r.PathValue("id")) // a lab: shared with it
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	pr, err := s.store.Product(r.Context(), org, r.PathValue("id"))
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	versions, next, err := s.store.ListVersions(r.Context(), org, pr.ID, pageOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "dashproduct", map[string]any{"Title": pr.Name, "Org": p.org, "Product": pr, "Versions": versions, "Next": next,
		"CSRF": s.csrfToken(sess), "Flash": r.URL.Query().Get("flash"), "Error": r.URL.Query().Get("error"), "Manufacturer": p.org.Kind == store.KindManufacturer && pr.OrgID == p.org.ID})
}

// back redirects to a dashboard page with a message.
func back(w http.ResponseWriter, r *http.Request, path, key, msg string) {
	http.Redirect(w, r, path+"?"+url.Values{key: {msg}}.Encode(), http.StatusSeeOther)
}

func (s *Server) dashboardUpload(w http.ResponseWriter, r *http.Request) {
	p, sess, ok := s.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if p.org.Kind != store.KindManufacturer {
		problem(w, r, Problem{Type: ProblemType + "forbidden", Status: http.StatusForbidden, Detail: "only manufacturers register products"})
		return
	}
	// the CSRF token travels as a query parameter: reading the multipart body
	// first would mean reading an attacker's upload before checking it
	if !s.sameOrigin(r) || !hmac.Equal([]byte(r.URL.Query().Get("csrf")), []byte(s.csrfToken(sess))) {
		problem(w, r, Problem{Type: ProblemType + "csrf", Status: http.StatusForbidden, Detail: "the form's CSRF token is missing or wrong: reload the page and try again"})
		return
	}
	productID := r.URL.Query().Get("product")
	if productID != "" {
		if _, err := s.store.Product(r.Context(), p.org.ID, productID); err != nil {
			s.publicFail(w, r, err)
			return
		}
	}
	up, hash, cleanup, err := readUpload(w, r, s.cfg.MaxUpload, filepath.Join(s.cfg.Data, "tmp"))
	defer cleanup()
	if err == nil {
		var c *Created
		if c, err = s.register(r.Context(), p, up, hash, "", productID); err == nil {
			back(w, r, "/dashboard/products/"+c.Product.ID, "flash", "Registered version "+c.Version.Version+": "+c.Version.Verdicts)
			return
		}
	}
	if isClientError(err) {
		s.page(w, r, statusOf(err), "uploadfailed", map[string]any{"Title": "Upload failed", "Error": err.Error()})
		return
	}
	s.fail(w, r, err)
}

func (s *Server) dashboardIssue(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.member(w, r)
	if !ok {
		return
	}
	v, err := s.store.Version(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	l, _, err := s.issue(r.Context(), p, v.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back(w, r, "/dashboard/products/"+v.ProductID, "flash", "Issued label "+l.ID[:16]+"…; its public page is /p/"+l.ID)
}

func (s *Server) dashboardRevoke(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.member(w, r)
	if !ok {
		return
	}
	l, err := s.store.Label(r.Context(), r.PathValue("id"))
	if err != nil || l.OrgID != p.org.ID {
		s.publicFail(w, r, store.ErrNotFound)
		return
	}
	err = s.revoke(r.Context(), p, l.ID, r.FormValue("reason"))
	switch {
	case errors.Is(err, errReason) || errors.Is(err, store.ErrConflict):
		back(w, r, "/dashboard/products/"+l.ProductID, "error", err.Error())
	case err != nil:
		s.fail(w, r, err)
	default:
		back(w, r, "/dashboard/products/"+l.ProductID, "flash", "Revoked label "+l.ID[:16]+"…")
	}
}

// limiter counts failures per key in a sliding window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) > l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = f
	}
	return f
}

// blocked returns how long key must wait (0 when it may try).
func (l *limiter) blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	f := l.prune(key, now)
	if len(f) < l.max {
		return 0
	}
	return l.window - now.Sub(f[0])
}

func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.prune(key, time.Now()), time.Now())
	if len(l.fails) > 100000 { // bound memory under a spray of keys
		for k := range l.fails {
			delete(l.fails, k)
			break
		}
	}
}
