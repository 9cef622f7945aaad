package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/tlog"
)

// recoverRevocations records in the store the revocations the log holds
// but the store does not. revoke appends to the log first — a revocation in
// the log is in effect for every offline verifier — and then updates the
// store; a crash between the two left the public page saying "valid" while
// the log said "revoked" (found by TestKillAtRandomPoints). Every entry
// before the log size recorded in DATA/log-recovered at the previous start
// was checked then, so only the entries the last process appended are
// scanned (the whole log when the file is missing). Entries are this
// server's own (nobody else writes the log directory), so their signatures
// are not checked again.
func (s *Server) recoverRevocations(ctx context.Context) (int, error) {
	mark := filepath.Join(s.cfg.Data, "log-recovered")
	var from uint64
	if b, err := os.ReadFile(mark); err == nil {
		if from, err = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err != nil {
			return 0, fmt.Errorf("%s: %w", mark, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	size, err := s.tlog.AwaitPublished(ctx) // what the dead process integrated, published
	if err != nil {
		return 0, err
	}
	r := tlog.NewReader(s.logDir)
	n, err := s.recoverFrom(ctx, r, from, size)
	if err != nil {
		return n, err
	}
	tmp := mark + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatUint(size, 10)+"\n"), 0o600); err != nil {
		return n, err
	}
	return n, os.Rename(tmp, mark)
}

// recoverFrom records the revocations in log entries [from, size) that the
// store lacks.
func (s *Server) recoverFrom(ctx context.Context, r *tlog.Reader, from, size uint64) (int, error) {
	if from >= size {
		return 0, nil
	}
	type pending struct {
		id string
		rp label.RevocationPredicate
	}
	var found []pending
	err := r.Entries(ctx, from, size, func(_ uint64, data []byte) bool {
		var env label.Envelope
		if json.Unmarshal(data, &env) != nil || env.PayloadType != label.PayloadType {
			return true
		}
		body, err := base64.StdEncoding.DecodeString(env.Payload)
		if err != nil {
			return true
		}
		var st label.Statement
		var rp label.RevocationPredicate
		if json.Unmarshal(body, &st) != nil || st.PredicateType != label.RevocationPredicateType || len(st.Subject) == 0 || json.Unmarshal(st.Predicate, &rp) != nil {
			return true
		}
		found = append(found, pending{st.Subject[0].Digest["sha256"], rp})
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("reading the log from entry %d: %w", from, err)
	}
	n := 0
	for _, p := range found {
		l, err := s.store.Label(ctx, p.id)
		if errors.Is(err, store.ErrNotFound) {
			continue // a label the store never recorded: nobody holds its bundle
		}
		if err != nil {
			return n, err
		}
		if l.Status == store.StatusRevoked {
			continue
		}
		at := p.rp.RevokedAt
		if at.IsZero() {
			at = time.Now()
		}
		a := store.Actor{OrgID: l.OrgID, UserID: "recovery at start", Remote: "local"}
		if err := s.store.RevokeLabel(ctx, a, l.OrgID, l.ID, p.rp.Reason, at.UTC()); err != nil {
			return n, fmt.Errorf("recording the revocation of %s found in the log: %w", l.ID, err)
		}
		n++
	}
	return n, nil
}
