// Package witness is a C2SP transparency-log witness (c2sp.org/tlog-witness)
// and the client a log uses to ask witnesses for cosignatures.
//
// The server follows the logs whose keys it is given, answers
// POST /add-checkpoint — 404 for an unknown log, 403 for a bad or missing
// log signature, 400 for a malformed request, 409 (with the size it holds)
// for a wrong old size, 422 for a failed consistency proof or a same-size
// fork — and cosigns accepted checkpoints per c2sp.org/tlog-cosignature
// with ML-DSA-44 (type 0x06) and Ed25519 (type 0x04) keys. It keeps the
// latest cosigned checkpoint of each log in SQLite, checking and storing in
// one transaction before it answers, and serves it at
// GET /<hex SHA-256 of origin>/checkpoint.
//
// The client submits a checkpoint to several witnesses at once, retries a
// failing one a bounded number of times without holding up the others,
// keeps only cosignatures that verify against the witness keys it was
// given, and returns the checkpoint with them added.
package witness

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
	"golang.org/x/mod/sumdb/note"
)

// Config configures a witness server.
type Config struct {
	Keys  *keys.WitnessSet
	Trust *keys.Trust // the log keys of the logs followed
	// Origins restricts the logs followed; empty follows every log origin
	// that has keys in Trust.
	Origins []string
	Store   *Store
	Now     func() time.Time // time.Now when nil
}

// Witness is a witness server. It is an http.Handler.
type Witness struct {
	cfg     Config
	signers []note.Signer
	origins map[string]bool
	mu      sync.Mutex // serialises check-and-store within the process (SQLite does across processes)

	// hook, when set (tests only), is called at named points of an
	// add-checkpoint: "checked" (before signing and storing) and "stored"
	// (after the commit, before answering).
	hook func(stage string)
}

// New returns a witness for cfg.
func New(cfg Config) (*Witness, error) {
	if cfg.Keys == nil || cfg.Trust == nil || cfg.Store == nil {
		return nil, errors.New("witness: keys, trust file and store are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Witness{cfg: cfg, origins: map[string]bool{}}
	for _, k := range []*keys.PrivateKey{cfg.Keys.MLDSA44, cfg.Keys.Ed25519} {
		s, err := tlog.NewCosigner(cfg.Keys.Name, k)
		if err != nil {
			return nil, err
		}
		w.signers = append(w.signers, tlog.WithClock(s, cfg.Now))
	}
	for _, k := range cfg.Trust.Keys {
		if k.Role == keys.RoleLog && k.Revoked == nil {
			w.origins[k.Origin] = true
		}
	}
	if len(cfg.Origins) > 0 {
		want := map[string]bool{}
		for _, o := range cfg.Origins {
			if !w.origins[o] {
				return nil, fmt.Errorf("witness: the trust file has no log keys for origin %q", o)
			}
			want[o] = true
		}
		w.origins = want
	}
	if len(w.origins) == 0 {
		return nil, errors.New("witness: the trust file lists no log keys, so there is no log to follow")
	}
	return w, nil
}

// Origins returns the origins of the logs the witness follows.
func (w *Witness) Origins() []string {
	var out []string
	for o := range w.origins {
		out = append(out, o)
	}
	return out
}

// Error is an add-checkpoint failure with its HTTP status.
type Error struct {
	Status int
	Size   uint64 // for 409: the size of the latest cosigned checkpoint
	Msg    string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Msg)
}

func fail(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

var emptyRoot = sha256.Sum256(nil)

// AddCheckpoint runs the add-checkpoint checks on a request body and, when
// they pass, stores the checkpoint and returns the cosignature lines. Any
// failure is an *Error carrying the HTTP status.
func (w *Witness) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	req, err := ParseRequest(body)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	text, _, err := tlog.SplitNote(req.Checkpoint)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "checkpoint: %v", err)
	}
	cp, err := tlog.ParseCheckpointText(text)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "%v", err)
	}
	if !w.origins[cp.Origin] {
		return nil, fail(http.StatusNotFound, "unknown log %q", cp.Origin)
	}
	if _, err := tlog.OpenCheckpoint(req.Checkpoint, w.cfg.Trust, false); err != nil {
		return nil, fail(http.StatusForbidden, "%v", err)
	}
	switch {
	case cp.Size > math.MaxInt64:
		return nil, fail(http.StatusBadRequest, "tree size %d is beyond what this witness stores (2^63-1)", cp.Size)
	case req.OldSize > cp.Size:
		return nil, fail(http.StatusBadRequest, "old size %d is larger than the checkpoint size %d", req.OldSize, cp.Size)
	case cp.Size == 0 && !bytes.Equal(cp.Root, emptyRoot[:]):
		return nil, fail(http.StatusUnprocessableEntity, "a checkpoint of size 0 must have the empty tree's root hash")
	case req.OldSize == 0 && len(req.Proof) > 0:
		return nil, fail(http.StatusUnprocessableEntity, "old size 0 needs an empty consistency proof, got %d lines", len(req.Proof))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var lines []byte
	err = w.cfg.Store.Advance(ctx, cp.Origin, func(cur *State) (*State, error) {
		if err := checkAgainst(cur, req, cp); err != nil {
			return nil, err
		}
		w.at("checked")
		lines = nil
		for _, s := range w.signers {
			l, err := tlog.SignatureLineFor(s, text)
			if err != nil {
				return nil, fmt.Errorf("cosigning: %w", err)
			}
			lines = append(lines, l...)
		}
		cosigned, err := tlog.AddSignatures(req.Checkpoint, lines)
		if err != nil {
			return nil, err
		}
		return &State{Size: cp.Size, Root: cp.Root, Note: cosigned, Updated: w.cfg.Now()}, nil
	})
	var we *Error
	if errors.As(err, &we) {
		if we.Status == http.StatusUnprocessableEntity {
			// Keep the evidence; failing to keep it changes nothing for the client.
			_ = w.cfg.Store.Refuse(ctx, cp.Origin, req.OldSize, req.Checkpoint, we.Msg, w.cfg.Now())
		}
		return nil, we
	}
	if err != nil {
		return nil, fail(http.StatusInternalServerError, "%v", err)
	}
	w.at("stored")
	return lines, nil
}

// checkAgainst checks a request against the stored state of its log.
func checkAgainst(cur *State, req *Request, cp *tlog.Checkpoint) error {
	var held uint64
	if cur != nil {
		held = cur.Size
	}
	if req.OldSize != held {
		return &Error{Status: http.StatusConflict, Size: held, Msg: fmt.Sprintf("old size %d, but the latest cosigned checkpoint has size %d", req.OldSize, held)}
	}
	if cur == nil {
		return nil
	}
	if cp.Size == cur.Size {
		if !bytes.Equal(cp.Root, cur.Root) {
			return fail(http.StatusUnprocessableEntity, "checkpoint of size %d has another root hash than the one cosigned: the log forked", cp.Size)
		}
		return nil
	}
	old := &tlog.Checkpoint{Origin: cp.Origin, Size: cur.Size, Root: cur.Root}
	if err := tlog.VerifyConsistency(old, cp, req.Proof); err != nil {
		return fail(http.StatusUnprocessableEntity, "%v", err)
	}
	return nil
}

func (w *Witness) at(stage string) {
	if w.hook != nil {
		w.hook(stage)
	}
}

// ServeHTTP serves POST /add-checkpoint and GET /<origin hash>/checkpoint.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/add-checkpoint":
		if r.Method != http.MethodPost {
			rw.Header().Set("Allow", http.MethodPost)
			http.Error(rw, "add-checkpoint takes POST", http.StatusMethodNotAllowed)
			return
		}
		w.serveAdd(rw, r)
	case strings.HasSuffix(r.URL.Path, "/checkpoint") && r.Method == http.MethodGet:
		w.serveCheckpoint(rw, r, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/checkpoint"))
	default:
		http.NotFound(rw, r)
	}
}

func (w *Witness) serveAdd(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		http.Error(rw, "reading request: "+err.Error(), http.StatusBadRequest)
		return
	}
	lines, err := w.AddCheckpoint(r.Context(), body)
	var we *Error
	if errors.As(err, &we) {
		if we.Status == http.StatusConflict {
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", we.Size)
			return
		}
		http.Error(rw, we.Msg, we.Status)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(lines)
}

func (w *Witness) serveCheckpoint(rw http.ResponseWriter, r *http.Request, hash string) {
	for o := range w.origins {
		if originHash(o) != hash {
			continue
		}
		st, err := w.cfg.Store.Latest(r.Context(), o)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		if st == nil {
			break
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Header().Set("Content-Length", strconv.Itoa(len(st.Note)))
		rw.Write(st.Note)
		return
	}
	http.NotFound(rw, r)
}

// originHash is the monitoring-path name of a log: hex SHA-256 of its origin.
func originHash(origin string) string {
	sum := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(sum[:])
}
