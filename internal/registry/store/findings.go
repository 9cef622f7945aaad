package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Finding reasons a finding was resolved with.
const (
	ResolvedWithdrawn = "advisory withdrawn"         // its record was withdrawn or left the database
	ResolvedNoMatch   = "advisory no longer matches" // the changed record does not affect the component's version
	ResolvedVEX       = "VEX decision"               // a VEX statement rules the vulnerability out
)

// Finding kinds of history events (and of Change).
const (
	EventOpened   = "opened"
	EventChanged  = "changed"
	EventResolved = "resolved"
	EventReopened = "reopened"
)

// FindingState is what a re-match computes for one (version, component,
// vulnerability): the snapshot a finding stores.
type FindingState struct {
	VersionID   string   `json:"versionId"`
	ComponentID int64    `json:"componentId"`
	VulnID      string   `json:"vulnerability"`
	Aliases     []string `json:"aliases,omitempty"`
	Severity    string   `json:"severity"`
	KEV         bool     `json:"kev"`
	EPSS        *float64 `json:"epss,omitempty"`
	Fixed       []string `json:"fixed,omitempty"`
	// VEXStatus is the status of a VEX statement about it ("not_affected"
	// and "fixed" resolve the finding), "" for none.
	VEXStatus string `json:"vexStatus,omitempty"`
	// SSVC is CISA's SSVC Exploitation decision matching gave (none, poc,
	// active; "" when no record gives one, migration 0009): "active" opens
	// an Art. 14 case as a KEV listing does.
	SSVC string `json:"ssvc,omitempty"`
}

// Finding is a stored finding with its history fields.
type Finding struct {
	ID int64 `json:"id"`
	FindingState
	FirstSeen   time.Time  `json:"firstSeen"`
	LastChanged time.Time  `json:"lastChanged"`
	Resolved    *time.Time `json:"resolved,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// Pair is one (product version, component) a re-match evaluates.
type Pair struct {
	VersionID   string
	ComponentID int64
}

// VerdictChange is a version's scan-driven state before and after a re-match.
type VerdictChange struct {
	VersionID string `json:"versionId"`
	Before    string `json:"before"`
	After     string `json:"after"`
}

// Change is one finding change a re-match committed: the hook point for
// notifications (the outbox is written by whoever consumes these).
type Change struct {
	Kind    string  `json:"kind"` // EventOpened, EventChanged, EventResolved, EventReopened
	Finding Finding `json:"finding"`
	// KEVAdded is set on a change that made the finding KEV-listed.
	KEVAdded bool `json:"kevAdded,omitempty"`
	// FixAdded is set on a change of an open finding that had no fixed
	// version and now has one.
	FixAdded bool `json:"fixAdded,omitempty"`
}

// Rematch is what one re-match commits in one transaction.
type Rematch struct {
	JobID string
	// Scope are the pairs re-evaluated: their open findings missing from
	// States are resolved with Reasons[vuln id], else ResolvedNoMatch.
	Scope  []Pair
	States []FindingState
	// Shared are states given once for many pairs (the versions of one
	// matching context that contain a component): the commit digests them
	// once and expands them only for the pairs whose stored digest differs.
	Shared  []SharedStates
	Reasons map[string]string
	// Sums are advisory record checksums to store (advisory_sums); Gone
	// are ids to remove; Full replaces the whole table with Sums.
	Sums map[string]uint64
	Gone []string
	Full bool
	At   time.Time
	// Known, when not nil, are the state digests of the scope's pairs as
	// the re-match read them (AllPairStates, PairStatesOfComponents): the
	// commit uses them instead of reading them again, unless another job
	// finished since they were read; pairs missing from it are read.
	Known *PairStates
}

// SharedStates are the finding states of one component in every version
// of Versions (VersionID and ComponentID of the states are ignored).
type SharedStates struct {
	ComponentID int64
	Versions    []string
	States      []FindingState
}

// Job is a re-match job row.
type Job struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	State    string     `json:"state"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Plan     string     `json:"plan"`
	Detail   string     `json:"detail,omitempty"`
}

// Job states.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// StartJob records a running re-match job with its plan.
func (s *DB) StartJob(ctx context.Context, j *Job) error {
	if j.ID == "" {
		j.ID = NewID()
	}
	j.State, j.Started = JobRunning, now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO monitor_jobs (id, kind, state, started, plan) VALUES (?, ?, ?, ?, ?)`, j.ID, j.Kind, j.State, micros(j.Started), j.Plan)
		return err
	})
}

// RunningJobs returns the jobs left running (by a crash), oldest first.
func (s *DB) RunningJobs(ctx context.Context) ([]Job, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, kind, state, started, finished, plan, detail FROM monitor_jobs WHERE state = ? ORDER BY id`), JobRunning)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var st int64
		var fin sql.NullInt64
		if err := rows.Scan(&j.ID, &j.Kind, &j.State, &st, &fin, &j.Plan, &j.Detail); err != nil {
			return nil, err
		}
		j.Started, j.Finished = fromMicros(st), optMicros(fin)
		out = append(out, j)
	}
	return out, rows.Err()
}

// FailJob marks a job failed with the reason.
func (s *DB) FailJob(ctx context.Context, id, detail string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `UPDATE monitor_jobs SET state = ?, finished = ?, detail = ? WHERE id = ?`, JobFailed, micros(time.Now()), detail, id)
		return err
	})
}

// AdvisorySums returns the advisory record checksums the findings were last
// matched against (empty before the first re-match).
func (s *DB) AdvisorySums(ctx context.Context) (map[string]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT vid, sum FROM advisory_sums`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = uint64(v)
	}
	return out, rows.Err()
}

func epssEqual(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func sameState(a, b *FindingState) bool {
	return a.Severity == b.Severity && a.KEV == b.KEV && epssEqual(a.EPSS, b.EPSS) && a.VEXStatus == b.VEXStatus && a.SSVC == b.SSVC &&
		slices.Equal(a.Aliases, b.Aliases) && slices.Equal(a.Fixed, b.Fixed)
}

// suppressed reports whether a VEX status resolves the finding.
func suppressed(vex string) bool { return vex == "not_affected" || vex == "fixed" }

type pairKey struct {
	v string
	c int64
}

// ScanState is a version's scan-driven state: its open vulnerabilities,
// those KEV-listed and the critical ones (distinct vulnerability ids).
type ScanState struct{ Open, KEV, Critical int }

func (s ScanState) String() string {
	return fmt.Sprintf("open vulnerabilities %d, KEV-listed %d, critical %d", s.Open, s.KEV, s.Critical)
}

// allVersionsAt is the number of versions from which scanStates counts
// every version's findings in one pass instead of by IN lists (a first full
// re-match touches every version: 20 IN-list queries over millions of
// findings, each a scan on PostgreSQL).
const allVersionsAt = 2000

// scanStates counts the versions' scan states inside tx.
func (s *DB) scanStates(ctx context.Context, tx *sql.Tx, versions []string) (map[string]ScanState, error) {
	out := map[string]ScanState{}
	const count = `SELECT version_id, COUNT(DISTINCT vuln_id), COUNT(DISTINCT CASE WHEN kev <> 0 THEN vuln_id END), COUNT(DISTINCT CASE WHEN severity = 'critical' THEN vuln_id END)
 FROM findings WHERE resolved IS NULL`
	var want map[string]bool
	in := func(part []string) (*sql.Rows, error) {
		return tx.QueryContext(ctx, s.q(count+` AND version_id IN (`+inList(len(part))+`) GROUP BY version_id`), anys(part)...)
	}
	if len(versions) >= allVersionsAt {
		want = make(map[string]bool, len(versions))
		for _, v := range versions {
			want[v] = true
		}
		versions = []string{""} // one pass over every version
		in = func([]string) (*sql.Rows, error) { return tx.QueryContext(ctx, count+` GROUP BY version_id`) }
	}
	err := chunks(versions, func(part []string) error {
		rows, err := in(part)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			var st ScanState
			if err := rows.Scan(&v, &st.Open, &st.KEV, &st.Critical); err != nil {
				return err
			}
			if want == nil || want[v] {
				out[v] = st
			}
		}
		return rows.Err()
	})
	return out, err
}

// CommitRematch writes a re-match: findings opened, changed, resolved and
// reopened with their history events, the scan-state changes of the
// versions whose findings changed (verdict_changes), the vulnerabilities'
// KEV/EPSS snapshots, the advisory checksums, and the job finished, all in
// one transaction, so a crash leaves the previous findings and the job
// running. It returns the changes and the verdict changes committed.
func (s *DB) CommitRematch(ctx context.Context, rm *Rematch) ([]Change, []VerdictChange, error) {
	at := rm.At
	if at.IsZero() {
		at = now()
	}
	var changes []Change
	var verdicts []VerdictChange
	large := rm.Full || len(rm.Scope)+len(rm.States) >= largeRematch
	err := s.rematchTx(ctx, large, func(tx *sql.Tx) error {
		changes, verdicts = nil, nil
		want := map[pairKey]map[string]*FindingState{}
		for i := range rm.States {
			st := &rm.States[i]
			k := pairKey{st.VersionID, st.ComponentID}
			if want[k] == nil {
				want[k] = map[string]*FindingState{}
			}
			want[k][st.VulnID] = st
		}
		scope := map[pairKey]bool{}
		for _, p := range rm.Scope {
			scope[pairKey{p.VersionID, p.ComponentID}] = true
		}
		for k := range want {
			scope[k] = true
		}
		for i := range rm.Shared {
			for _, v := range rm.Shared[i].Versions {
				scope[pairKey{v, rm.Shared[i].ComponentID}] = true
			}
		}
		// only pairs whose finding states differ from the last commit's
		digests, err := s.knownDigests(ctx, tx, rm.Known, scope)
		if err != nil {
			return err
		}
		newDigest := map[pairKey]string{}
		// shared states: one digest per group, expanded into want only for
		// the pairs whose stored digest differs (the others leave scope)
		for i := range rm.Shared {
			g := &rm.Shared[i]
			var states map[string]*FindingState
			if len(g.States) > 0 {
				states = make(map[string]*FindingState, len(g.States))
				for j := range g.States {
					states[g.States[j].VulnID] = &g.States[j]
				}
			}
			d := stateDigest(states)
			for _, v := range g.Versions {
				k := pairKey{v, g.ComponentID}
				if want[k] != nil {
					continue // also given in States: digested below
				}
				if digests[k] == d {
					delete(scope, k)
					continue
				}
				newDigest[k] = d
				if states != nil {
					want[k] = states
				}
			}
		}
		for k := range scope {
			if _, ok := newDigest[k]; ok {
				continue
			}
			d := stateDigest(want[k])
			if digests[k] == d {
				delete(scope, k)
				continue
			}
			newDigest[k] = d
		}
		existing, err := s.findingsOfPairs(ctx, tx, scope)
		if err != nil {
			return err
		}
		// versions whose open findings in scope change: their scan state
		// is counted before and after the writes
		touched := map[string]bool{}
		for k := range scope {
			if touched[k.v] {
				continue
			}
			for vid, st := range want[k] {
				f, ok := existing[k][vid]
				open := !suppressed(st.VEXStatus)
				if (!ok && open) || (ok && (f.Resolved == nil) != open) || (ok && open && (f.KEV != st.KEV || f.Severity != st.Severity)) {
					touched[k.v] = true
				}
			}
			for vid, f := range existing[k] {
				if _, ok := want[k][vid]; !ok && f.Resolved == nil {
					touched[k.v] = true
				}
			}
		}
		touchedList := make([]string, 0, len(touched))
		for v := range touched {
			touchedList = append(touchedList, v)
		}
		slices.Sort(touchedList)
		before, err := s.scanStates(ctx, tx, touchedList)
		if err != nil {
			return err
		}
		w := s.newFindingWriter(tx, rm.JobID, at)
		defer w.close()
		fixAdded := false // set by the changed case for its event
		// event queues a finding's history event and change; the events
		// and finding ids are written once the new findings have their IDs
		event := func(f *Finding, kind, detail string, kevAdded bool) error {
			w.event(f, kind, detail)
			changes = append(changes, Change{Kind: kind, Finding: *f, KEVAdded: kevAdded, FixAdded: fixAdded})
			fixAdded = false
			return nil
		}
		write := func(f *Finding) error { return w.update(ctx, f) }
		addIDs := func(f *Finding) error { w.knownBy(f); return nil }
		// the changes of new findings are completed with their IDs after
		// the inserts: opened[i] is the index in changes of w.inserted[i]
		var opened []int
		for k := range scope {
			have := existing[k]
			for vid, st := range want[k] {
				if st.VersionID != k.v || st.ComponentID != k.c { // shared states
					c := *st
					c.VersionID, c.ComponentID = k.v, k.c
					st = &c
				}
				f, ok := have[vid]
				open := !suppressed(st.VEXStatus)
				switch {
				case !ok:
					nf := &Finding{FindingState: *st, FirstSeen: at, LastChanged: at}
					if !open {
						nf.Resolved, nf.Reason = &at, ResolvedVEX
					}
					if err := w.insert(ctx, nf); err != nil {
						return err
					}
					if err := addIDs(nf); err != nil {
						return err
					}
					kind := EventOpened
					if !open {
						kind = EventResolved
					}
					opened = append(opened, len(changes))
					if err := event(nf, kind, nf.Reason, open && st.KEV); err != nil {
						return err
					}
				case f.Resolved != nil && open:
					kevAdded := st.KEV && !f.KEV
					f.FindingState, f.LastChanged, f.Resolved, f.Reason = *st, at, nil, ""
					if err := write(f); err != nil {
						return err
					}
					if err := addIDs(f); err != nil {
						return err
					}
					if err := event(f, EventReopened, "", kevAdded); err != nil {
						return err
					}
				case f.Resolved == nil && !open:
					f.FindingState, f.LastChanged, f.Resolved, f.Reason = *st, at, &at, ResolvedVEX
					if err := write(f); err != nil {
						return err
					}
					if err := event(f, EventResolved, ResolvedVEX, false); err != nil {
						return err
					}
				case !sameState(&f.FindingState, st):
					kevAdded := st.KEV && !f.KEV && open
					detail := describeChange(&f.FindingState, st)
					fix := open && len(f.Fixed) == 0 && len(st.Fixed) > 0
					f.FindingState, f.LastChanged = *st, at
					if err := write(f); err != nil {
						return err
					}
					if err := addIDs(f); err != nil {
						return err
					}
					if f.Resolved == nil {
						fixAdded = fix
						if err := event(f, EventChanged, detail, kevAdded); err != nil {
							return err
						}
					}
				}
			}
			for vid, f := range have {
				if _, ok := want[k][vid]; ok || f.Resolved != nil {
					continue
				}
				reason := rm.Reasons[vid]
				if reason == "" {
					reason = ResolvedNoMatch
				}
				f.LastChanged, f.Resolved, f.Reason = at, &at, reason
				if err := write(f); err != nil {
					return err
				}
				if err := event(f, EventResolved, reason, false); err != nil {
					return err
				}
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		for i, c := range opened {
			changes[c].Finding.ID = w.inserted[i].ID
		}
		// the outbox events of these changes, committed with them — except
		// for a store's first full re-match, whose findings are the backlog
		// of versions registered before monitoring ran, not news (and, at
		// 1,000 versions, a first full re-match is already near its 60 s
		// budget)
		backlog := false
		if rm.Full {
			var one int
			switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM advisory_sums LIMIT 1`).Scan(&one); {
			case errors.Is(err, sql.ErrNoRows):
				backlog = true
			case err != nil:
				return err
			}
		}
		if !backlog {
			if err := s.findingEvents(ctx, tx, changes, at); err != nil {
				return err
			}
		}
		// and the Art. 14 cases they open (cases.go)
		if _, err := s.openCases(ctx, tx, changes, at); err != nil {
			return err
		}
		if err := s.writeSums(ctx, tx, rm); err != nil {
			return err
		}
		if err := s.writeDigests(ctx, tx, newDigest); err != nil {
			return err
		}
		after, err := s.scanStates(ctx, tx, touchedList)
		if err != nil {
			return err
		}
		vb := s.newBatch(tx, `INSERT INTO verdict_changes (version_id, job_id, at, before, after) VALUES `, ``, 5)
		defer vb.close()
		for _, v := range touchedList {
			if before[v] == after[v] {
				continue
			}
			vc := VerdictChange{VersionID: v, Before: before[v].String(), After: after[v].String()}
			if err := vb.add(ctx, vc.VersionID, rm.JobID, micros(at), vc.Before, vc.After); err != nil {
				return err
			}
			verdicts = append(verdicts, vc)
		}
		if err := vb.flush(ctx); err != nil {
			return err
		}
		// snapshots change only with a pair's states (its digest covers KEV
		// and EPSS), so only the changed pairs' states are written
		// one state per vulnerability (its enrichment is the same in every
		// pair: a first full re-match has millions of states, thousands of
		// vulnerabilities)
		var changedStates []FindingState
		seenVuln := map[string]bool{}
		for k := range scope {
			for vid, st := range want[k] {
				if !seenVuln[vid] {
					seenVuln[vid] = true
					changedStates = append(changedStates, *st)
				}
			}
		}
		if err := s.writeSnapshots(ctx, tx, changedStates); err != nil {
			return err
		}
		if rm.JobID != "" {
			if _, err := s.exec(ctx, tx, `UPDATE monitor_jobs SET state = ?, finished = ?, detail = ? WHERE id = ?`, JobDone, micros(time.Now()), fmt.Sprintf("%d pairs, %d changes", len(scope), len(changes)), rm.JobID); err != nil {
				return err
			}
		}
		// last, so the counter's row is locked only for the commit (crisis_index.go)
		return s.bumpCrisis(ctx, tx)
	})
	if err != nil {
		return nil, nil, err
	}
	if large && s.d.dollar {
		// statistics for the planner after a bulk write (where autovacuum is
		// off or has not run, the next delta's joins planned on empty-table
		// estimates scanned every finding: ~1 s per query at 1,000 versions)
		_, _ = s.db.ExecContext(ctx, `ANALYZE findings, finding_ids, finding_events, version_components, component_keys`)
	}
	return changes, verdicts, nil
}

// largeRematch is the number of pairs and states from which a commit runs
// with a larger SQLite page cache (rematchTx).
const largeRematch = 200_000

// largeCacheKiB is the SQLite page cache a large commit may grow to (the
// connections' default is 64 MiB, sql.go): a first full re-match of
// 10,000 versions writes ~5 M findings with their ids and history in one
// transaction, several GB of pages, and with the default cache SQLite
// spilled dirty pages to the WAL and wrote them again, ~27 GB of writes
// for a 2.5 GB database. Taken only as pages are read; given back after.
const largeCacheKiB = 1 << 20

// rematchTx runs fn in one transaction; on SQLite, when large, on a
// connection whose page cache may grow to largeCacheKiB meanwhile.
func (s *DB) rematchTx(ctx context.Context, large bool, fn func(*sql.Tx) error) error {
	if s.d.name != "sqlite" || !large {
		return s.tx(ctx, fn)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, largeCacheKiB)); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -65536`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stateDigest is a digest of a pair's finding states ("" for none).
func stateDigest(states map[string]*FindingState) string {
	if len(states) == 0 {
		return ""
	}
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := sha256.New()
	buf := make([]byte, 0, 256)
	for _, id := range ids {
		st := states[id]
		// the encoding the digests were always stored in:
		// id, aliases, severity, kev, epss, fixed, vex status
		buf = buf[:0]
		if st.SSVC != "" { // only then: digests of findings without one stay as before migration 0009
			buf = append(buf, "ssvc="...)
			buf = append(buf, st.SSVC...)
			buf = append(buf, 0)
		}
		buf = append(buf, id...)
		buf = append(buf, 0)
		buf = appendList(buf, st.Aliases)
		buf = append(buf, 0)
		buf = append(buf, st.Severity...)
		buf = append(buf, 0)
		buf = strconv.AppendBool(buf, st.KEV)
		buf = append(buf, 0)
		if st.EPSS != nil {
			buf = strconv.AppendFloat(buf, *st.EPSS, 'g', -1, 64)
		} else {
			buf = append(buf, '-')
		}
		buf = append(buf, 0)
		buf = appendList(buf, st.Fixed)
		buf = append(buf, 0)
		buf = append(buf, st.VEXStatus...)
		buf = append(buf, 1)
		h.Write(buf)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:12])
}

// appendList appends joinList(l) to buf.
func appendList(buf []byte, l []string) []byte {
	for i, s := range l {
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = append(buf, s...)
	}
	return buf
}

// pairDigests reads the stored state digests of the pairs' edges.
func (s *DB) pairDigests(ctx context.Context, tx *sql.Tx, scope map[pairKey]bool) (map[pairKey]string, error) {
	comps := map[int64]bool{}
	for k := range scope {
		comps[k.c] = true
	}
	list := make([]int64, 0, len(comps))
	for c := range comps {
		list = append(list, c)
	}
	out := map[pairKey]string{}
	err := chunks(list, func(part []int64) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT component_id, version_id, state FROM version_components WHERE component_id IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k pairKey
			var d string
			if err := rows.Scan(&k.c, &k.v, &d); err != nil {
				return err
			}
			if scope[k] {
				out[k] = d
			}
		}
		return rows.Err()
	})
	return out, err
}

// writeDigests stores the pairs' new state digests (every edge of a pair:
// one per SBOM ref), many pairs per statement.
func (s *DB) writeDigests(ctx context.Context, tx *sql.Tx, digests map[pairKey]string) error {
	if len(digests) == 0 {
		return nil
	}
	b := s.newBatch(tx, `UPDATE version_components SET state = v.column3 FROM (VALUES `,
		`)`+s.valuesAs(3)+` WHERE version_components.component_id = v.column1 AND version_components.version_id = v.column2`, 3)
	b.row0 = s.pgCasts("bigint", "text", "text")
	defer b.close()
	for k, d := range digests {
		if err := b.add(ctx, k.c, k.v, d); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// writeSnapshots records the KEV/EPSS snapshot of every vulnerability of
// the states.
func (s *DB) writeSnapshots(ctx context.Context, tx *sql.Tx, states []FindingState) error {
	seen := map[string]bool{}
	b := s.newBatch(tx, `INSERT INTO vuln_snapshots (vuln_id, aliases, kev, epss) VALUES `,
		` ON CONFLICT (vuln_id) DO UPDATE SET aliases = excluded.aliases, kev = excluded.kev, epss = excluded.epss`, 4)
	defer b.close()
	for i := range states {
		f := &states[i]
		if seen[f.VulnID] {
			continue
		}
		seen[f.VulnID] = true
		if err := b.add(ctx, f.VulnID, joinList(f.Aliases), boolInt(f.KEV), epssArg(f.EPSS)); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

func describeChange(a, b *FindingState) string {
	var parts []string
	if a.Severity != b.Severity {
		parts = append(parts, "severity "+a.Severity+" → "+b.Severity)
	}
	if a.KEV != b.KEV {
		parts = append(parts, fmt.Sprintf("KEV %t → %t", a.KEV, b.KEV))
	}
	if !epssEqual(a.EPSS, b.EPSS) {
		parts = append(parts, "EPSS")
	}
	if !slices.Equal(a.Fixed, b.Fixed) {
		parts = append(parts, "fixed versions")
	}
	if !slices.Equal(a.Aliases, b.Aliases) {
		parts = append(parts, "aliases")
	}
	if a.VEXStatus != b.VEXStatus {
		parts = append(parts, "VEX "+a.VEXStatus+" → "+b.VEXStatus)
	}
	if a.SSVC != b.SSVC {
		parts = append(parts, "SSVC exploitation "+a.SSVC+" → "+b.SSVC)
	}
	return strings.Join(parts, ", ")
}

func (s *DB) writeSums(ctx context.Context, tx *sql.Tx, rm *Rematch) error {
	if rm.Full {
		if _, err := s.exec(ctx, tx, `DELETE FROM advisory_sums`); err != nil {
			return err
		}
	}
	for _, id := range rm.Gone {
		if _, err := s.exec(ctx, tx, `DELETE FROM advisory_sums WHERE vid = ?`, id); err != nil {
			return err
		}
	}
	if len(rm.Sums) == 0 {
		return nil
	}
	b := s.newBatch(tx, `INSERT INTO advisory_sums (vid, sum) VALUES `, ` ON CONFLICT (vid) DO UPDATE SET sum = excluded.sum`, 2)
	defer b.close()
	for id, v := range rm.Sums {
		if err := b.add(ctx, id, int64(v)); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func epssArg(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func optArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

const findingCols = `id, version_id, component_id, vuln_id, aliases, severity, kev, epss, fixed, vex_status, first_seen, last_changed, resolved, reason, ssvc`

func scanFinding(sc interface{ Scan(...any) error }) (*Finding, error) {
	var f Finding
	var aliases, fixed string
	var kev int
	var epss sql.NullFloat64
	var first, last int64
	var res sql.NullInt64
	if err := sc.Scan(&f.ID, &f.VersionID, &f.ComponentID, &f.VulnID, &aliases, &f.Severity, &kev, &epss, &fixed, &f.VEXStatus, &first, &last, &res, &f.Reason, &f.SSVC); err != nil {
		return nil, err
	}
	f.Aliases, f.Fixed, f.KEV = splitList(aliases), splitList(fixed), kev != 0
	if epss.Valid {
		v := epss.Float64
		f.EPSS = &v
	}
	f.FirstSeen, f.LastChanged, f.Resolved = fromMicros(first), fromMicros(last), optMicros(res)
	return &f, nil
}

// findingsOfPairs reads every finding (open or resolved) of the pairs.
func (s *DB) findingsOfPairs(ctx context.Context, tx *sql.Tx, scope map[pairKey]bool) (map[pairKey]map[string]*Finding, error) {
	byComp := map[int64][]string{}
	for k := range scope {
		byComp[k.c] = append(byComp[k.c], k.v)
	}
	comps := make([]int64, 0, len(byComp))
	for c := range byComp {
		comps = append(comps, c)
	}
	out := map[pairKey]map[string]*Finding{}
	err := chunks(comps, func(part []int64) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT `+findingCols+` FROM findings WHERE component_id IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFinding(rows)
			if err != nil {
				return err
			}
			k := pairKey{f.VersionID, f.ComponentID}
			if !scope[k] {
				continue
			}
			if out[k] == nil {
				out[k] = map[string]*Finding{}
			}
			out[k][f.VulnID] = f
		}
		return rows.Err()
	})
	return out, err
}

// FindingQuery selects findings.
type FindingQuery struct {
	// IDs are vulnerability ids (record ids or aliases, any case).
	IDs []string
	// OrgID restricts to one organisation's versions when not empty.
	OrgID string
	// Open leaves out resolved findings.
	Open bool
	// VersionIDs restricts to versions when not empty.
	VersionIDs []string
}

// Findings returns the findings known under any of q.IDs (or, without IDs,
// of q.VersionIDs), ordered by version and component.
func (s *DB) Findings(ctx context.Context, q FindingQuery) ([]Finding, error) {
	var out []Finding
	run := func(query string, args []any) error {
		if q.OrgID != "" {
			query += ` AND f.version_id IN (SELECT id FROM versions WHERE org_id = ?)`
			args = append(args, q.OrgID)
		}
		if q.Open {
			query += ` AND f.resolved IS NULL`
		}
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFinding(rows)
			if err != nil {
				return err
			}
			out = append(out, *f)
		}
		return rows.Err()
	}
	cols := `f.` + strings.ReplaceAll(findingCols, ", ", ", f.")
	var err error
	switch {
	case len(q.IDs) > 0:
		ids := make([]string, len(q.IDs))
		for i, id := range q.IDs {
			ids[i] = strings.ToUpper(strings.TrimSpace(id))
		}
		// a semi-join, not DISTINCT over every column: a finding is known
		// under several of the ids (record id and aliases)
		err = run(`SELECT `+cols+` FROM findings f WHERE f.id IN (SELECT finding_id FROM finding_ids WHERE vid IN (`+inList(len(ids))+`))`, anys(ids))
	case len(q.VersionIDs) > 0:
		err = chunks(q.VersionIDs, func(part []string) error {
			return run(`SELECT `+cols+` FROM findings f WHERE f.version_id IN (`+inList(len(part))+`)`, anys(part))
		})
	default:
		err = run(`SELECT `+cols+` FROM findings f WHERE 1 = 1`, nil)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if c := strings.Compare(a.VersionID, b.VersionID); c != 0 {
			return c
		}
		if a.ComponentID != b.ComponentID {
			return int(a.ComponentID - b.ComponentID)
		}
		return strings.Compare(a.VulnID, b.VulnID)
	})
	return out, nil
}

// Snapshot is an open vulnerability's enrichment as the findings hold it:
// a delta re-match compares it with the new KEV and EPSS data.
type Snapshot struct {
	VulnID  string
	Aliases []string
	KEV     bool
	EPSS    *float64
}

// Snapshots returns the KEV/EPSS snapshot of every vulnerability a
// finding was stored for.
func (s *DB) Snapshots(ctx context.Context) ([]Snapshot, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT vuln_id, aliases, kev, epss FROM vuln_snapshots`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		var sn Snapshot
		var aliases string
		var kev int
		var epss sql.NullFloat64
		if err := rows.Scan(&sn.VulnID, &aliases, &kev, &epss); err != nil {
			return nil, err
		}
		sn.Aliases, sn.KEV = splitList(aliases), kev != 0
		if epss.Valid {
			v := epss.Float64
			sn.EPSS = &v
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// LastJob returns the ID of the newest finished re-match job ("" before
// the first): a cache of the advisory checksums is valid while it stays.
func (s *DB) LastJob(ctx context.Context) (string, error) {
	var id sql.NullString
	err := s.db.QueryRowContext(ctx, s.q(`SELECT MAX(id) FROM monitor_jobs WHERE state = ?`), JobDone).Scan(&id)
	return id.String, err
}

// PairsOfVulns returns the (version, component) pairs of the findings known
// under any of ids.
func (s *DB) PairsOfVulns(ctx context.Context, ids []string) ([]Pair, error) {
	seen := map[Pair]bool{}
	var out []Pair
	up := make([]string, len(ids))
	for i, id := range ids {
		up[i] = strings.ToUpper(id)
	}
	err := chunks(up, func(part []string) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT DISTINCT f.version_id, f.component_id FROM finding_ids i JOIN findings f ON f.id = i.finding_id WHERE i.vid IN (`+inList(len(part))+`)`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Pair
			if err := rows.Scan(&p.VersionID, &p.ComponentID); err != nil {
				return err
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		return rows.Err()
	})
	return out, err
}

// FindingEvents returns a finding's history, oldest first.
func (s *DB) FindingEvents(ctx context.Context, findingIDs []int64) (map[int64][]FindingEvent, error) {
	out := map[int64][]FindingEvent{}
	err := chunks(findingIDs, func(part []int64) error {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq, finding_id, job_id, at, kind, detail FROM finding_events WHERE finding_id IN (`+inList(len(part))+`) ORDER BY seq`), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e FindingEvent
			var at int64
			if err := rows.Scan(&e.Seq, &e.FindingID, &e.JobID, &at, &e.Kind, &e.Detail); err != nil {
				return err
			}
			e.At = fromMicros(at)
			out[e.FindingID] = append(out[e.FindingID], e)
		}
		return rows.Err()
	})
	return out, err
}

// FindingEvent is one entry of a finding's history.
type FindingEvent struct {
	Seq       int64     `json:"seq"`
	FindingID int64     `json:"findingId"`
	JobID     string    `json:"jobId"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Detail    string    `json:"detail,omitempty"`
}

// VerdictChanges returns the recorded verdict changes of a version.
func (s *DB) VerdictChanges(ctx context.Context, versionID string) ([]VerdictChange, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT version_id, before, after FROM verdict_changes WHERE version_id = ? ORDER BY seq`), versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VerdictChange
	for rows.Next() {
		var v VerdictChange
		if err := rows.Scan(&v.VersionID, &v.Before, &v.After); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ErrNoIndex is returned when the reverse index is empty.
var ErrNoIndex = errors.New("the reverse index holds no product version")

// FindingsOfPairs returns every finding (open or resolved) of the pairs.
func (s *DB) FindingsOfPairs(ctx context.Context, pairs []Pair) ([]Finding, error) {
	scope := make(map[pairKey]bool, len(pairs))
	for _, p := range pairs {
		scope[pairKey{p.VersionID, p.ComponentID}] = true
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := s.findingsOfPairs(ctx, tx, scope)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, byVuln := range m {
		for _, f := range byVuln {
			out = append(out, *f)
		}
	}
	return out, nil
}

// rowBatch sends the rows of one statement shape many at a time (head
// VALUES (…), (…), … tail): a commit of millions of findings costs
// thousands of statements, not millions — on PostgreSQL round trips, on
// SQLite statement executions. The full-size statement is prepared once.
type rowBatch struct {
	s          *DB
	tx         *sql.Tx
	head, tail string
	// row0 is the first row's placeholders when they differ from the
	// others' (PostgreSQL casts that type a VALUES list), "" for the same.
	row0   string
	cols   int
	per    int
	args   []any
	stmt   *sql.Stmt
	onRows func(*sql.Rows) error // reads the RETURNING rows; nil for none
}

// batchArgs bounds the placeholders of one statement (SQLite allows
// 32,766, PostgreSQL 65,535).
const batchArgs = 8000

func (s *DB) newBatch(tx *sql.Tx, head, tail string, cols int) *rowBatch {
	return &rowBatch{s: s, tx: tx, head: head, tail: tail, cols: cols, per: max(1, batchArgs/cols)}
}

func (b *rowBatch) query(n int) string {
	row := "(" + inList(b.cols) + ")"
	var q strings.Builder
	q.WriteString(b.head)
	for i := 0; i < n; i++ {
		switch {
		case i > 0:
			q.WriteString(", ")
			q.WriteString(row)
		case b.row0 != "":
			q.WriteString(b.row0)
		default:
			q.WriteString(row)
		}
	}
	q.WriteString(b.tail)
	return b.s.q(q.String())
}

// add queues one row (cols values), sending the batch when it is full.
func (b *rowBatch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) >= b.cols*b.per {
		return b.flush(ctx)
	}
	return nil
}

// flush sends the queued rows.
func (b *rowBatch) flush(ctx context.Context) error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	defer func() { b.args = b.args[:0] }()
	var st *sql.Stmt
	if n == b.per {
		if b.stmt == nil {
			var err error
			if b.stmt, err = b.tx.PrepareContext(ctx, b.query(n)); err != nil {
				return err
			}
		}
		st = b.stmt
	}
	if b.onRows == nil {
		var err error
		if st != nil {
			_, err = st.ExecContext(ctx, b.args...)
		} else {
			_, err = b.tx.ExecContext(ctx, b.query(n), b.args...)
		}
		return mapErr(err)
	}
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, b.args...)
	} else {
		rows, err = b.tx.QueryContext(ctx, b.query(n), b.args...)
	}
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := b.onRows(rows); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

func (b *rowBatch) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// pgCasts is a VALUES row of PostgreSQL placeholders with casts (the types
// of an UPDATE … FROM (VALUES …) list), "" on SQLite, whose VALUES need none.
func (s *DB) pgCasts(types ...string) string {
	if !s.d.dollar {
		return ""
	}
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = "?::" + t
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// valuesAs names the columns of a VALUES list in FROM: SQLite calls them
// column1…columnN and takes no list, PostgreSQL needs the list.
func (s *DB) valuesAs(n int) string {
	if !s.d.dollar {
		return " AS v"
	}
	cols := make([]string, n)
	for i := range cols {
		cols[i] = "column" + strconv.Itoa(i+1)
	}
	return " AS v(" + strings.Join(cols, ", ") + ")"
}

// findingWriter batches a commit's finding writes: inserts (their IDs read
// back by key), updates, finding ids and history events. Ids and events of
// new findings wait until the insert that gives them their ID is sent.
type findingWriter struct {
	ins, upd, ids, ev *rowBatch
	jobID             string
	at                int64
	// batch: the findings of the unsent inserts, by key
	batch    map[findingKey]*Finding
	inserted []*Finding // every inserted finding, in insert order
	pending  []pendingRow
}

type findingKey struct {
	v    string
	c    int64
	vuln string
}

// pendingRow is a finding id (kind "") or history event waiting for its
// finding's ID.
type pendingRow struct {
	f            *Finding
	id           string
	kind, detail string
}

func (s *DB) newFindingWriter(tx *sql.Tx, jobID string, at time.Time) *findingWriter {
	w := &findingWriter{jobID: jobID, at: micros(at), batch: map[findingKey]*Finding{}}
	w.ins = s.newBatch(tx, `INSERT INTO findings (version_id, component_id, vuln_id, aliases, severity, kev, epss, fixed, vex_status, first_seen, last_changed, resolved, reason, ssvc) VALUES `,
		` RETURNING id, version_id, component_id, vuln_id`, 14)
	w.ins.onRows = func(rows *sql.Rows) error {
		var id int64
		var k findingKey
		if err := rows.Scan(&id, &k.v, &k.c, &k.vuln); err != nil {
			return err
		}
		f := w.batch[k]
		if f == nil {
			return fmt.Errorf("insert returned finding %s/%d/%s, not inserted", k.v, k.c, k.vuln)
		}
		f.ID = id
		return nil
	}
	w.upd = s.newBatch(tx, `UPDATE findings SET aliases = v.column1, severity = v.column2, kev = v.column3, epss = v.column4, fixed = v.column5, vex_status = v.column6, last_changed = v.column7, resolved = v.column8, reason = v.column9, ssvc = v.column10 FROM (VALUES `,
		`)`+s.valuesAs(11)+` WHERE findings.id = v.column11`, 11)
	w.upd.row0 = s.pgCasts("text", "text", "smallint", "double precision", "text", "text", "bigint", "bigint", "text", "text", "bigint")
	w.ids = s.newBatch(tx, `INSERT INTO finding_ids (vid, finding_id) VALUES `, ` ON CONFLICT DO NOTHING`, 2)
	w.ev = s.newBatch(tx, `INSERT INTO finding_events (finding_id, job_id, at, kind, detail) VALUES `, ``, 5)
	return w
}

func (w *findingWriter) close() {
	for _, b := range []*rowBatch{w.ins, w.upd, w.ids, w.ev} {
		b.close()
	}
}

// insert queues a new finding; its ID is set when the insert is sent.
func (w *findingWriter) insert(ctx context.Context, f *Finding) error {
	w.batch[findingKey{f.VersionID, f.ComponentID, f.VulnID}] = f
	w.inserted = append(w.inserted, f)
	if err := w.ins.add(ctx, f.VersionID, f.ComponentID, f.VulnID, joinList(f.Aliases), f.Severity, boolInt(f.KEV), epssArg(f.EPSS), joinList(f.Fixed), f.VEXStatus, w.at, w.at, optArg(f.Resolved), f.Reason, f.SSVC); err != nil {
		return err
	}
	if len(w.ins.args) == 0 { // sent
		return w.drain(ctx)
	}
	return nil
}

// drain sends the inserts queued and then the rows that waited for them.
func (w *findingWriter) drain(ctx context.Context) error {
	if err := w.ins.flush(ctx); err != nil {
		return err
	}
	clear(w.batch)
	for _, p := range w.pending {
		var err error
		if p.kind == "" {
			err = w.ids.add(ctx, p.id, p.f.ID)
		} else {
			err = w.ev.add(ctx, p.f.ID, w.jobID, w.at, p.kind, p.detail)
		}
		if err != nil {
			return err
		}
	}
	w.pending = w.pending[:0]
	return nil
}

// update queues an existing finding's new state.
func (w *findingWriter) update(ctx context.Context, f *Finding) error {
	return w.upd.add(ctx, joinList(f.Aliases), f.Severity, boolInt(f.KEV), epssArg(f.EPSS), joinList(f.Fixed), f.VEXStatus, micros(f.LastChanged), optArg(f.Resolved), f.Reason, f.SSVC, f.ID)
}

// knownBy queues the ids a finding is known by (its vulnerability id and
// aliases, upper case).
func (w *findingWriter) knownBy(f *Finding) {
	for _, id := range append([]string{f.VulnID}, f.Aliases...) {
		w.pending = append(w.pending, pendingRow{f: f, id: strings.ToUpper(id)})
	}
}

// event queues a history event of a finding.
func (w *findingWriter) event(f *Finding, kind, detail string) {
	w.pending = append(w.pending, pendingRow{f: f, kind: kind, detail: detail})
}

// flush sends everything queued.
func (w *findingWriter) flush(ctx context.Context) error {
	if err := w.drain(ctx); err != nil {
		return err
	}
	for _, b := range []*rowBatch{w.upd, w.ids, w.ev} {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// knownDigests returns the stored state digests of the scope's pairs: from
// known when no job finished since it was read, the rest read inside tx.
func (s *DB) knownDigests(ctx context.Context, tx *sql.Tx, known *PairStates, scope map[pairKey]bool) (map[pairKey]string, error) {
	if known == nil {
		return s.pairDigests(ctx, tx, scope)
	}
	jobs, err := s.finishedJobs(ctx, tx)
	if err != nil {
		return nil, err
	}
	if jobs != known.Jobs {
		return s.pairDigests(ctx, tx, scope)
	}
	out := make(map[pairKey]string, len(scope))
	missing := map[pairKey]bool{}
	for k := range scope {
		if d, ok := known.States[Pair{VersionID: k.v, ComponentID: k.c}]; ok {
			out[k] = d
		} else {
			missing[k] = true
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	rest, err := s.pairDigests(ctx, tx, missing)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, rest)
	return out, nil
}
