package registry

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Several replicas, one log appender.
//
// Every replica shares one PostgreSQL database; exactly one of them — the
// log appender — holds the registry's signing keys and its transparency log.
// A replica opened with Config.Appender set is not the appender: it has no
// keys and no log, and it forwards the few routes that need them (listed in
// forwardedRoutes: label issuance and revocation, the trust file and /log/)
// to the appender's URL as a reverse proxy. The appender authenticates the
// forwarded request itself (tokens and session cookies live in the shared
// database and the shared session.key), so forwarding adds no trust. The
// client's address travels in forwardHeader, MAC'd with the shared session
// key, so the appender's audit log records the client and not the replica;
// a header without a valid MAC is dropped.

// forwardedRoutes are the routes a replica that is not the log appender
// forwards to it: those that sign, append to or read the log.
var forwardedRoutes = map[string]bool{
	"POST /api/v1/versions/{id}/label":              true,
	"POST /api/v1/labels/{id}/revoke":               true,
	"POST /dashboard/versions/{id}/label":           true,
	"POST /dashboard/labels/{id}/revoke":            true,
	"POST /api/v1/versions/{id}/reports":            true, // the registry signs the attachment
	"POST /api/v1/cases/{id}/stages/{stage}/submit": true, // the registry signs the stage
	"POST /dashboard/cases/{id}/submit":             true,
	"GET /trust.json":                               true,
	// the CSAF provider signs with keys kept in the appender's data folder (csafprov.go)
	"POST /api/v1/versions/{id}/csaf":                  true,
	"POST /api/v1/cases/{id}/csaf":                     true,
	"POST /api/v1/csaf/key":                            true,
	"POST /api/v1/csaf/refresh":                        true,
	"GET /.well-known/csaf/{org}/{file...}":            true,
	"GET /.well-known/csaf-aggregator/aggregator.json": true,
	"GET /log/": true,
}

// forwardHeader carries "ip;unix-seconds;mac" from a replica to the appender.
const forwardHeader = "X-Dualmark-Forwarded-Client"

// forwardSkew is how old (or early) a forwarded client header may be.
const forwardSkew = time.Minute

func (s *Server) forwardMAC(ip, method, path string, unix int64) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "dualmark-forward\n%s\n%s\n%s\n%d", ip, method, path, unix)
	return hex.EncodeToString(m.Sum(nil))
}

// forwardedClient returns the client address a replica vouches for, or "".
func (s *Server) forwardedClient(r *http.Request, now time.Time) string {
	v := r.Header.Get(forwardHeader)
	if v == "" {
		return ""
	}
	parts := strings.Split(v, ";")
	if len(parts) != 3 || net.ParseIP(parts[0]) == nil {
		return ""
	}
	unix, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || now.Sub(time.Unix(unix, 0)).Abs() > forwardSkew {
		return ""
	}
	want := s.forwardMAC(parts[0], r.Method, r.URL.Path, unix)
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return ""
	}
	return parts[0]
}

// acceptForwarded replaces r's remote address with the client a replica
// forwarded for (when its MAC holds) and drops the header either way.
func (s *Server) acceptForwarded(r *http.Request) {
	if ip := s.forwardedClient(r, time.Now()); ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	r.Header.Del(forwardHeader)
}

// newForwarder returns the handler that sends a request on to the appender.
func (s *Server) newForwarder(appender *url.URL) http.HandlerFunc {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(appender)
			pr.Out.Host = pr.In.Host // the public host: the appender's same-origin check of dashboard forms compares it with Origin
			now := time.Now().Unix()
			ip := remoteHost(pr.In)
			pr.Out.Header.Set(forwardHeader, fmt.Sprintf("%s;%d;%s", ip, now, s.forwardMAC(ip, pr.In.Method, pr.Out.URL.Path, now)))
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.Method == http.MethodPost && resp.StatusCode < 400 {
				s.pages.clear() // the appender changed a label: this replica's cached pages are stale
			}
			// this replica's wrap set these already; the appender's request id is kept apart
			resp.Header.Set("X-Appender-Request-Id", resp.Header.Get("X-Request-Id"))
			for _, h := range []string{"X-Request-Id", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
				resp.Header.Del(h)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.ErrorContext(r.Context(), "log appender does not answer", "appender", appender.Host, "err", err)
			w.Header().Set("Retry-After", "5")
			problem(w, r, Problem{Type: ProblemType + "appender-unavailable", Status: http.StatusServiceUnavailable,
				Detail: "this replica forwards label issuance and the log to the registry's log appender, which does not answer; nothing was changed, try again"})
		},
	}
	return rp.ServeHTTP
}

// checkReplica validates a non-appender configuration.
func checkReplica(cfg Config) (*url.URL, error) {
	u, err := url.Parse(cfg.Appender)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registry: appender URL %q: want http(s)://HOST[:PORT]", cfg.Appender)
	}
	if !strings.HasPrefix(cfg.Database, "postgres://") && !strings.HasPrefix(cfg.Database, "postgresql://") {
		return nil, errors.New("registry: a replica that does not append to the log must share the appender's PostgreSQL database")
	}
	if len(cfg.Witnesses) > 0 {
		return nil, errors.New("registry: witnesses are the log appender's to ask, not a forwarding replica's")
	}
	return u, nil
}
