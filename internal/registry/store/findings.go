package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
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
	Scope   []Pair
	States  []FindingState
	Reasons map[string]string
	// Sums are advisory record checksums to store (advisory_sums); Gone
	// are ids to remove; Full replaces the whole table with Sums.
	Sums map[string]uint64
	Gone []string
	Full bool
	At   time.Time
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

// scanStates counts the versions' scan states inside tx.
func (s *DB) scanStates(ctx context.Context, tx *sql.Tx, versions []string) (map[string]ScanState, error) {
	out := map[string]ScanState{}
	err := chunks(versions, func(part []string) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT version_id, COUNT(DISTINCT vuln_id), COUNT(DISTINCT CASE WHEN kev <> 0 THEN vuln_id END), COUNT(DISTINCT CASE WHEN severity = 'critical' THEN vuln_id END)
 FROM findings WHERE resolved IS NULL AND version_id IN (`+inList(len(part))+`) GROUP BY version_id`), anys(part)...)
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
			out[v] = st
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
	err := s.tx(ctx, func(tx *sql.Tx) error {
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
		// only pairs whose finding states differ from the last commit's
		digests, err := s.pairDigests(ctx, tx, scope)
		if err != nil {
			return err
		}
		newDigest := map[pairKey]string{}
		for k := range scope {
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
		ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO findings (version_id, component_id, vuln_id, aliases, severity, kev, epss, fixed, vex_status, first_seen, last_changed, resolved, reason, ssvc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`))
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, s.q(`UPDATE findings SET aliases = ?, severity = ?, kev = ?, epss = ?, fixed = ?, vex_status = ?, last_changed = ?, resolved = ?, reason = ?, ssvc = ? WHERE id = ?`))
		if err != nil {
			return err
		}
		defer upd.Close()
		ids, err := tx.PrepareContext(ctx, s.q(`INSERT INTO finding_ids (vid, finding_id) VALUES (?, ?) ON CONFLICT DO NOTHING`))
		if err != nil {
			return err
		}
		defer ids.Close()
		ev, err := tx.PrepareContext(ctx, s.q(`INSERT INTO finding_events (finding_id, job_id, at, kind, detail) VALUES (?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer ev.Close()
		fixAdded := false // set by the changed case for its event
		event := func(f *Finding, kind, detail string, kevAdded bool) error {
			if _, err := ev.ExecContext(ctx, f.ID, rm.JobID, micros(at), kind, detail); err != nil {
				return err
			}
			changes = append(changes, Change{Kind: kind, Finding: *f, KEVAdded: kevAdded, FixAdded: fixAdded})
			fixAdded = false
			return nil
		}
		write := func(f *Finding) error {
			var res any
			if f.Resolved != nil {
				res = micros(*f.Resolved)
			}
			_, err := upd.ExecContext(ctx, joinList(f.Aliases), f.Severity, boolInt(f.KEV), epssArg(f.EPSS), joinList(f.Fixed), f.VEXStatus, micros(f.LastChanged), res, f.Reason, f.SSVC, f.ID)
			return err
		}
		addIDs := func(f *Finding) error {
			for _, id := range append([]string{f.VulnID}, f.Aliases...) {
				if _, err := ids.ExecContext(ctx, strings.ToUpper(id), f.ID); err != nil {
					return mapErr(err)
				}
			}
			return nil
		}
		for k := range scope {
			have := existing[k]
			for vid, st := range want[k] {
				f, ok := have[vid]
				open := !suppressed(st.VEXStatus)
				switch {
				case !ok:
					nf := &Finding{FindingState: *st, FirstSeen: at, LastChanged: at}
					if !open {
						nf.Resolved, nf.Reason = &at, ResolvedVEX
					}
					if err := ins.QueryRowContext(ctx, st.VersionID, st.ComponentID, st.VulnID, joinList(st.Aliases), st.Severity, boolInt(st.KEV), epssArg(st.EPSS), joinList(st.Fixed), st.VEXStatus, micros(at), micros(at), optArg(nf.Resolved), nf.Reason, st.SSVC).Scan(&nf.ID); err != nil {
						return mapErr(err)
					}
					if err := addIDs(nf); err != nil {
						return err
					}
					kind := EventOpened
					if !open {
						kind = EventResolved
					}
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
		for _, v := range touchedList {
			if before[v] == after[v] {
				continue
			}
			vc := VerdictChange{VersionID: v, Before: before[v].String(), After: after[v].String()}
			if _, err := s.exec(ctx, tx, `INSERT INTO verdict_changes (version_id, job_id, at, before, after) VALUES (?, ?, ?, ?, ?)`, vc.VersionID, rm.JobID, micros(at), vc.Before, vc.After); err != nil {
				return err
			}
			verdicts = append(verdicts, vc)
		}
		// snapshots change only with a pair's states (its digest covers KEV
		// and EPSS), so only the changed pairs' states are written
		var changedStates []FindingState
		for k := range scope {
			for _, st := range want[k] {
				changedStates = append(changedStates, *st)
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
	return changes, verdicts, nil
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
	for _, id := range ids {
		st := states[id]
		epss := "-"
		if st.EPSS != nil {
			epss = strconv.FormatFloat(*st.EPSS, 'g', -1, 64)
		}
		if st.SSVC != "" { // only then: digests of findings without one stay as before migration 0009
			fmt.Fprintf(h, "ssvc=%s\x00", st.SSVC)
		}
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%s\x00%s\x00%s\x01", id, joinList(st.Aliases), st.Severity, st.KEV, epss, joinList(st.Fixed), st.VEXStatus)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
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

// writeDigests stores the pairs' new state digests.
func (s *DB) writeDigests(ctx context.Context, tx *sql.Tx, digests map[pairKey]string) error {
	if len(digests) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, s.q(`UPDATE version_components SET state = ? WHERE component_id = ? AND version_id = ?`))
	if err != nil {
		return err
	}
	defer st.Close()
	for k, d := range digests {
		if _, err := st.ExecContext(ctx, d, k.c, k.v); err != nil {
			return err
		}
	}
	return nil
}

// writeSnapshots records the KEV/EPSS snapshot of every vulnerability of
// the states.
func (s *DB) writeSnapshots(ctx context.Context, tx *sql.Tx, states []FindingState) error {
	seen := map[string]bool{}
	var st *sql.Stmt
	for i := range states {
		f := &states[i]
		if seen[f.VulnID] {
			continue
		}
		seen[f.VulnID] = true
		if st == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, s.q(`INSERT INTO vuln_snapshots (vuln_id, aliases, kev, epss) VALUES (?, ?, ?, ?) ON CONFLICT (vuln_id) DO UPDATE SET aliases = excluded.aliases, kev = excluded.kev, epss = excluded.epss`)); err != nil {
				return err
			}
			defer st.Close()
		}
		if _, err := st.ExecContext(ctx, f.VulnID, joinList(f.Aliases), boolInt(f.KEV), epssArg(f.EPSS)); err != nil {
			return err
		}
	}
	return nil
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
	st, err := tx.PrepareContext(ctx, s.q(`INSERT INTO advisory_sums (vid, sum) VALUES (?, ?) ON CONFLICT (vid) DO UPDATE SET sum = excluded.sum`))
	if err != nil {
		return err
	}
	defer st.Close()
	for id, v := range rm.Sums {
		if _, err := st.ExecContext(ctx, id, int64(v)); err != nil {
			return err
		}
	}
	return nil
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
