// Package art14 models CRA Article 14 reporting: cases (an actively
// exploited vulnerability, Art. 14(1), or a severe incident, Art. 14(3)),
// their awareness times and clocks, the report drafts of each stage with the
// fields of Art. 14(2) and (4), submission records, the recipient CSIRT and
// the ransomware facts of an incident. The deadlines are read from the
// catalog's CRA-14 entries; nothing here prints or exits.
package art14

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
)

// Kind is the kind of an Article 14 case.
type Kind string

// Case kinds.
const (
	// KindVulnerability is an actively exploited vulnerability (Art. 14(1)).
	KindVulnerability Kind = "vulnerability"
	// KindIncident is a severe incident having an impact on the security of
	// the product (Art. 14(3)).
	KindIncident Kind = "incident"
)

// Stage is one report or duty of a case.
type Stage string

// Stages of a case.
const (
	StageEarlyWarning Stage = "early-warning"    // Art. 14(2)(a), 14(4)(a)
	StageNotification Stage = "notification"     // Art. 14(2)(b), 14(4)(b)
	StageFinal        Stage = "final-report"     // Art. 14(2)(c), 14(4)(c)
	StageIntermediate Stage = "intermediate"     // Art. 14(6), on request of the CSIRT
	StageUserInfo     Stage = "user-information" // Art. 14(8)
)

// Anchor names the event a deadline runs from.
type Anchor string

// Anchors of the deadlines.
const (
	FromAwareness    Anchor = "awareness"         // becoming aware
	FromMeasure      Anchor = "measure-available" // a corrective or mitigating measure is available
	FromNotification Anchor = "notification"      // the (incident) notification was submitted
)

// Rule is one deadline of Article 14 as the catalog states it.
type Rule struct {
	Kind          Kind   `json:"kind"`
	Stage         Stage  `json:"stage"`
	RequirementID string `json:"requirement"`
	Source        string `json:"source"`   // the article reference, e.g. "Art. 14(2)(c)"
	Text          string `json:"deadline"` // the deadline as the catalog words it
	From          Anchor `json:"from"`
	// Hours or Months is the length of the window (exactly one is set),
	// unless UndueDelay is true.
	Hours  int `json:"hours,omitempty"`
	Months int `json:"months,omitempty"`
	// UndueDelay marks "without undue delay": no fixed length.
	UndueDelay bool `json:"withoutUndueDelay,omitempty"`
	// Content is the report content the catalog lists for the stage.
	Content []string `json:"content,omitempty"`
}

// Due returns the end of the window that starts at start, in UTC. Months
// end on the same day of the month, or on the last day of the month when
// it has no such day (the rule of Regulation 1182/71 Art. 3(2)(c) [U]).
func (r Rule) Due(start time.Time) time.Time {
	start = start.UTC()
	switch {
	case r.Hours > 0:
		return start.Add(time.Duration(r.Hours) * time.Hour)
	case r.Months > 0:
		return addMonths(start, r.Months)
	}
	return time.Time{}
}

func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}

// ruleIDs maps the catalog's Art. 14 requirement IDs to kind and stage.
var ruleIDs = []struct {
	id    string
	kind  Kind
	stage Stage
}{
	{"CRA-14.AEV.EW", KindVulnerability, StageEarlyWarning},
	{"CRA-14.AEV.VN", KindVulnerability, StageNotification},
	{"CRA-14.AEV.FR", KindVulnerability, StageFinal},
	{"CRA-14.INC.EW", KindIncident, StageEarlyWarning},
	{"CRA-14.INC.IN", KindIncident, StageNotification},
	{"CRA-14.INC.FR", KindIncident, StageFinal},
	{"CRA-14.8", KindVulnerability, StageUserInfo},
	{"CRA-14.8", KindIncident, StageUserInfo},
}

var (
	deadlineRE = regexp.MustCompile(`^(\d+) (hour|hours|day|days|month|months) after (.+)$`)
	fromRE     = regexp.MustCompile(`\(from (\d{1,2} [A-Z][a-z]{2} \d{4})\)`)
)

// anchors maps the catalog's wording of the start of a window.
var anchors = map[string]Anchor{
	"becoming aware": FromAwareness,
	"a corrective or mitigating measure is available": FromMeasure,
	"the incident notification":                       FromNotification,
}

// ParseDeadline reads a catalog deadline such as "72 hours after becoming
// aware", "14 days after a corrective or mitigating measure is available",
// "1 month after the incident notification" or "without undue delay after
// becoming aware" into a rule's anchor and window.
func ParseDeadline(text string) (Rule, error) {
	r := Rule{Text: text}
	rest, ok := strings.CutPrefix(text, "without undue delay after ")
	if ok {
		r.UndueDelay = true
		a, known := anchors[rest]
		if !known {
			return r, fmt.Errorf("deadline %q: unknown start %q", text, rest)
		}
		r.From = a
		return r, nil
	}
	m := deadlineRE.FindStringSubmatch(text)
	if m == nil {
		return r, fmt.Errorf("deadline %q: not of the form \"N hours|days|months after EVENT\"", text)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 1000 {
		return r, fmt.Errorf("deadline %q: bad length %q", text, m[1])
	}
	switch strings.TrimSuffix(m[2], "s") {
	case "hour":
		r.Hours = n
	case "day":
		r.Hours = 24 * n
	case "month":
		r.Months = n
	}
	a, known := anchors[m[3]]
	if !known {
		return r, fmt.Errorf("deadline %q: unknown start %q", text, m[3])
	}
	r.From = a
	return r, nil
}

// Rules is the set of Article 14 deadlines read from a catalog, with the
// date from which Article 14 applies.
type Rules struct {
	List []Rule `json:"rules"`
	// AppliesFrom is the first day Article 14 applies (Art. 71(2)), read
	// from the conditions of the CRA-14 entries.
	AppliesFrom time.Time `json:"appliesFrom"`
}

// Get returns the rule of a kind and stage.
func (rs *Rules) Get(k Kind, s Stage) (Rule, bool) {
	for _, r := range rs.List {
		if r.Kind == k && r.Stage == s {
			return r, true
		}
	}
	return Rule{}, false
}

// LoadRules reads the Article 14 deadlines from the catalog's CRA-14
// entries. It fails when an entry is missing or its deadline or start date
// cannot be read, so that a change of the catalog wording is caught.
func LoadRules(c *catalog.Catalog) (*Rules, error) {
	rs := &Rules{}
	for _, x := range ruleIDs {
		req, ok := c.Get(x.id)
		if !ok {
			return nil, fmt.Errorf("catalog: %s missing", x.id)
		}
		r, err := ParseDeadline(req.Deadline)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", x.id, err)
		}
		r.Kind, r.Stage, r.RequirementID, r.Source, r.Content = x.kind, x.stage, x.id, req.Source, req.Content
		rs.List = append(rs.List, r)
		if m := fromRE.FindStringSubmatch(req.Condition); m != nil {
			d, err := time.Parse("2 Jan 2006", m[1])
			if err != nil {
				return nil, fmt.Errorf("catalog %s: condition date %q: %w", x.id, m[1], err)
			}
			if !rs.AppliesFrom.IsZero() && !d.Equal(rs.AppliesFrom) {
				return nil, fmt.Errorf("catalog %s: applies from %s, other entries say %s", x.id, m[1], rs.AppliesFrom.Format("2 Jan 2006"))
			}
			rs.AppliesFrom = d
		}
	}
	if rs.AppliesFrom.IsZero() {
		return nil, fmt.Errorf("catalog: no CRA-14 entry states the date Article 14 applies from")
	}
	return rs, nil
}

// DefaultRules loads the embedded catalog and reads its Article 14 rules.
func DefaultRules() (*Rules, error) {
	c, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	return LoadRules(c)
}
