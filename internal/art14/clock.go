package art14

import (
	"fmt"
	"time"
)

// State of one clock at a given time.
type State string

// Clock states, in the order a window passes through them.
const (
	StateWaiting   State = "waiting"   // the window has not started (its anchor is not known yet)
	StateOpen      State = "open"      // no fixed length ("without undue delay"), not yet done
	StateRunning   State = "running"   // less than half the window has passed
	StateAt50      State = "at-50"     // at least 50 % of the window has passed
	StateAt90      State = "at-90"     // at least 90 % of the window has passed
	StateOverdue   State = "overdue"   // the deadline passed without a submission
	StateSubmitted State = "submitted" // submitted in time
	StateLate      State = "late"      // submitted after the deadline
)

// Clock is one deadline of a case evaluated at a time.
type Clock struct {
	Stage         Stage  `json:"stage"`
	RequirementID string `json:"requirement"`
	Source        string `json:"source"`
	Deadline      string `json:"deadline"` // the catalog's wording
	// Start and Due are in UTC; zero when not known yet.
	Start time.Time `json:"start,omitzero"`
	Due   time.Time `json:"due,omitzero"`
	At50  time.Time `json:"at50,omitzero"`
	At90  time.Time `json:"at90,omitzero"`
	// Provisional is set when Due rests on an assumed anchor (the incident
	// final report counted from the notification deadline, before the
	// notification was submitted).
	Provisional bool      `json:"provisional,omitempty"`
	State       State     `json:"state"`
	Submitted   time.Time `json:"submitted,omitzero"`
	// Remaining is Due minus the evaluation time (negative when overdue).
	Remaining time.Duration `json:"remainingNs,omitempty"`
	Note      string        `json:"note,omitempty"`
}

// StateAt is the pure threshold function: the state of a window from start
// to due at time now, given the submission time (zero if none).
func StateAt(start, due, submitted, now time.Time) State {
	switch {
	case !submitted.IsZero() && !due.IsZero() && submitted.After(due):
		return StateLate
	case !submitted.IsZero():
		return StateSubmitted
	case start.IsZero():
		return StateWaiting
	case due.IsZero():
		return StateOpen
	case !now.Before(due):
		return StateOverdue
	}
	window := due.Sub(start)
	passed := now.Sub(start)
	switch {
	case passed*10 >= window*9:
		return StateAt90
	case passed*2 >= window:
		return StateAt50
	}
	return StateRunning
}

// Clocks evaluates every deadline of the case at now: early warning,
// notification, final report, user information and one clock per
// intermediate-report request.
func Clocks(rs *Rules, c *Case, now time.Time) ([]Clock, error) {
	now = now.UTC()
	start, known := c.Awareness.Start()
	var out []Clock
	var notifDue time.Time
	for _, s := range []Stage{StageEarlyWarning, StageNotification, StageFinal, StageUserInfo} {
		r, ok := rs.Get(c.Kind, s)
		if !ok {
			return nil, fmt.Errorf("no rule for %s %s", c.Kind, s)
		}
		ck := Clock{Stage: s, RequirementID: r.RequirementID, Source: r.Source, Deadline: r.Text}
		var anchor time.Time
		switch r.From {
		case FromAwareness:
			if known {
				anchor = start
			}
		case FromMeasure:
			if c.MeasureAvailable != nil {
				anchor = c.MeasureAvailable.UTC()
			} else {
				ck.Note = "starts when a corrective or mitigating measure is available"
			}
		case FromNotification:
			if sub := c.Submitted(StageNotification); sub != nil {
				anchor = sub.At.UTC()
			} else if !notifDue.IsZero() {
				anchor, ck.Provisional = notifDue, true
				ck.Note = "counted from the notification deadline until the notification is submitted"
			}
		}
		if !anchor.IsZero() {
			ck.Start = anchor
			ck.Due = r.Due(anchor)
		}
		if s == StageNotification {
			notifDue = ck.Due
		}
		if s == StageEarlyWarning {
			if n := c.SmallEnterpriseNote(); n != "" {
				ck.Note = n
			}
		}
		finish(&ck, c.Submitted(s), now)
		out = append(out, ck)
	}
	for i, req := range c.IntermediateRequests {
		ck := Clock{Stage: StageIntermediate, RequirementID: "CRA-14.6", Source: "Art. 14(6)",
			Deadline: "as set by the CSIRT's request", Start: req.At.UTC()}
		if req.Due != nil {
			ck.Due = req.Due.UTC()
		}
		var sub *Submission
		n := 0
		for j := range c.Drafts {
			if c.Drafts[j].Stage == StageIntermediate && c.Drafts[j].Submission != nil {
				if n == i {
					sub = c.Drafts[j].Submission
				}
				n++
			}
		}
		finish(&ck, sub, now)
		out = append(out, ck)
	}
	return out, nil
}

func finish(ck *Clock, sub *Submission, now time.Time) {
	var subAt time.Time
	if sub != nil {
		subAt = sub.At.UTC()
		ck.Submitted = subAt
	}
	if !ck.Due.IsZero() {
		w := ck.Due.Sub(ck.Start)
		ck.At50 = ck.Start.Add(w / 2)
		ck.At90 = ck.Start.Add(w / 10 * 9)
		if sub == nil {
			ck.Remaining = ck.Due.Sub(now)
		}
	}
	ck.State = StateAt(ck.Start, ck.Due, subAt, now)
}

// Alerts returns the clocks that call for attention at now: at 50 %, at
// 90 % or overdue.
func Alerts(clocks []Clock) []Clock {
	var out []Clock
	for _, c := range clocks {
		switch c.State {
		case StateAt50, StateAt90, StateOverdue:
			out = append(out, c)
		}
	}
	return out
}
