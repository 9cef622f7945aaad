package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// csp is the Content-Security-Policy of every response: no scripts at all,
// styles and images only from the registry itself.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// wrap adds, around one route: a request ID (X-Request-Id), security
// headers, panic recovery, metrics and one structured log line per request.
// Secrets (Authorization, cookies, form values) are never logged.
func (s *Server) wrap(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.acceptForwarded(r)
		id := newRequestID()
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		hdr := w.Header()
		hdr.Set("X-Request-Id", id)
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin") // "no-referrer" would make browsers send Origin: null on our own forms
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					problem(sw, r, Problem{Status: http.StatusInternalServerError, Detail: "internal error"})
				}
			}
			d := time.Since(start)
			s.metrics.observe(pattern, sw.status, d)
			s.log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("id", id), slog.String("method", r.Method),
				slog.String("route", pattern), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
				slog.Int("bytes", sw.bytes), slog.Duration("duration", d), slog.String("remote", r.RemoteAddr))
		}()
		h(sw, r)
	})
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
