package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// ProblemType is the base of the problem type URIs the API answers with.
const ProblemType = "https://dualmark.dev/problems/"

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Field names the part of the request at fault (an extension member).
	Field string `json:"field,omitempty"`
	// RequestID lets an operator find the request in the logs.
	RequestID string `json:"requestId,omitempty"`
}

// problem writes p as application/problem+json.
func problem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	problem(w, r, Problem{Type: ProblemType + "not-found", Status: http.StatusNotFound, Detail: "no such resource"})
}

func badRequest(w http.ResponseWriter, r *http.Request, field, format string, args ...any) {
	problem(w, r, Problem{Type: ProblemType + "bad-request", Status: http.StatusBadRequest, Field: field, Detail: fmt.Sprintf(format, args...)})
}

// fail maps an error from the store, the intake or the body reader to a
// problem; anything unexpected is a 500 whose detail does not leak internals.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *intake.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, r)
	case errors.Is(err, store.ErrConflict):
		problem(w, r, Problem{Type: ProblemType + "conflict", Status: http.StatusConflict, Detail: "the resource already exists or was changed meanwhile"})
	case errors.As(err, &tooBig):
		problem(w, r, Problem{Type: ProblemType + "too-large", Title: "Upload too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the request body exceeds this registry's limit of %d bytes (serve --max-upload); nothing was stored", tooBig.Limit)})
	case errors.As(err, &ie):
		problem(w, r, Problem{Type: ProblemType + "invalid-upload", Title: "The upload cannot be registered", Status: http.StatusUnprocessableEntity, Field: ie.Field, Detail: ie.Err.Error() + "; nothing was stored"})
	default:
		s.log.ErrorContext(r.Context(), "request failed", "err", err)
		problem(w, r, Problem{Status: http.StatusInternalServerError, Detail: "internal error; the request id names it in the server log"})
	}
}

// isClientError reports whether err is the uploader's fault (422 or 413).
func isClientError(err error) bool { return statusOf(err) != http.StatusInternalServerError }

func statusOf(err error) int {
	var ie *intake.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &ie):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
