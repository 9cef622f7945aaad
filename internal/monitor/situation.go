package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// SituationQuery is the query form of the situation report (issue 13,
// item 4): filters over the registry's open findings, all of which a
// finding must pass ("all KEV-listed findings in Annex III products":
// KEV and Class "annex-iii").
type SituationQuery struct {
	// KEV keeps findings listed in CISA's KEV catalogue.
	KEV bool `json:"kev,omitempty"`
	// Ransomware keeps KEV-listed findings whose catalogue entry records
	// known use in ransomware campaigns (read from the advisory database).
	Ransomware bool `json:"ransomware,omitempty"`
	// MinEPSS keeps findings with an EPSS score of at least it.
	MinEPSS *float64 `json:"minEpss,omitempty"`
	// MinSeverity keeps findings of this severity or a higher one (low,
	// medium, high, critical).
	MinSeverity string `json:"minSeverity,omitempty"`
	// Class keeps versions of a CRA class (default, important-class-I,
	// important-class-II, critical), or of an annex: annex-iii (important
	// classes I and II), annex-iv (critical).
	Class string `json:"class,omitempty"`
	// Market keeps versions sold in a market: EU or US, as the crisis
	// answer's markets are read from the dossier (which names no member
	// states).
	Market string `json:"market,omitempty"`
	// Manufacturer keeps one manufacturer's versions: its organisation's
	// name (any case) or id.
	Manufacturer string `json:"manufacturer,omitempty"`
}

// SituationFields are the parameter names ParseSituationQuery reads, in
// the order String writes them.
var SituationFields = []string{"kev", "ransomware", "epss", "severity", "class", "market", "manufacturer"}

// Class values of SituationQuery beyond the dossier's classes.
const (
	ClassAnnexIII = "annex-iii"
	ClassAnnexIV  = "annex-iv"
)

// situationLimit bounds the findings one query reads: a query that
// matches more is refused, to be narrowed.
const situationLimit = 200000

// QueryError is a bad situation query: the parameter and what is wrong.
type QueryError struct {
	Field, Detail string
}

// Error says the parameter and what is wrong with it.
func (e *QueryError) Error() string { return e.Field + ": " + e.Detail }

// ParseSituationQuery reads a situation query from URL parameters (those
// of SituationFields; any other is an error). A filter named without a
// value (kev=) counts as true for kev and ransomware.
func ParseSituationQuery(v url.Values) (SituationQuery, error) {
	var q SituationQuery
	for k := range v {
		if k == "" {
			return q, &QueryError{"query", "a parameter without a name"}
		}
		if !slices.Contains(SituationFields, k) {
			return q, &QueryError{k, fmt.Sprintf("unknown filter (one of %s)", strings.Join(SituationFields, ", "))}
		}
		if len(v[k]) > 1 {
			return q, &QueryError{k, "given more than once"}
		}
	}
	flag := func(k string) (bool, error) {
		switch s := strings.ToLower(strings.TrimSpace(v.Get(k))); s {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		case "":
			_, given := v[k]
			return given, nil
		default:
			return false, &QueryError{k, fmt.Sprintf("%q: true or false", s)}
		}
	}
	var err error
	if q.KEV, err = flag("kev"); err != nil {
		return q, err
	}
	if q.Ransomware, err = flag("ransomware"); err != nil {
		return q, err
	}
	if s := strings.TrimSpace(v.Get("epss")); s != "" {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || x < 0 || x > 1 {
			return q, &QueryError{"epss", fmt.Sprintf("%q: a score from 0 to 1 (the lowest to keep)", s)}
		}
		q.MinEPSS = &x
	}
	if s := strings.ToLower(strings.TrimSpace(v.Get("severity"))); s != "" {
		if severityRank[s] == 0 {
			return q, &QueryError{"severity", fmt.Sprintf("%q: one of low, medium, high, critical (the lowest to keep)", s)}
		}
		q.MinSeverity = s
	}
	if s := strings.TrimSpace(v.Get("class")); s != "" {
		c := ""
		for _, k := range append([]string{ClassAnnexIII, ClassAnnexIV}, dossier.Classes...) {
			if strings.EqualFold(s, k) {
				c = k
			}
		}
		if c == "" {
			return q, &QueryError{"class", fmt.Sprintf("%q: one of %s, %s (classes I and II), %s (critical)", s, strings.Join(dossier.Classes, ", "), ClassAnnexIII, ClassAnnexIV)}
		}
		q.Class = c
	}
	if s := strings.ToUpper(strings.TrimSpace(v.Get("market"))); s != "" {
		if s != "EU" && s != "US" {
			return q, &QueryError{"market", fmt.Sprintf("%q: EU or US (the dossier names no member states, so a registry cannot tell them)", s)}
		}
		q.Market = s
	}
	q.Manufacturer = strings.TrimSpace(v.Get("manufacturer"))
	return q, nil
}

// Values is the query as URL parameters (ParseSituationQuery's input).
func (q SituationQuery) Values() url.Values {
	v := url.Values{}
	if q.KEV {
		v.Set("kev", "true")
	}
	if q.Ransomware {
		v.Set("ransomware", "true")
	}
	if q.MinEPSS != nil {
		v.Set("epss", strconv.FormatFloat(*q.MinEPSS, 'f', -1, 64))
	}
	if q.MinSeverity != "" {
		v.Set("severity", q.MinSeverity)
	}
	if q.Class != "" {
		v.Set("class", q.Class)
	}
	if q.Market != "" {
		v.Set("market", q.Market)
	}
	if q.Manufacturer != "" {
		v.Set("manufacturer", q.Manufacturer)
	}
	return v
}

// String describes the query in words, filters in SituationFields' order
// ("all open findings" for none).
func (q SituationQuery) String() string {
	var parts []string
	if q.Ransomware {
		parts = append(parts, "KEV-listed, known ransomware use")
	} else if q.KEV {
		parts = append(parts, "KEV-listed")
	}
	if q.MinEPSS != nil {
		parts = append(parts, "EPSS ≥ "+strconv.FormatFloat(*q.MinEPSS, 'f', -1, 64))
	}
	if q.MinSeverity != "" {
		parts = append(parts, "severity ≥ "+q.MinSeverity)
	}
	s := "open findings"
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	switch q.Class {
	case "":
	case ClassAnnexIII:
		s += " in Annex III products (important classes I and II)"
	case ClassAnnexIV:
		s += " in Annex IV products (critical)"
	default:
		s += " in products of CRA class " + q.Class
	}
	if q.Market != "" {
		s += " sold in the " + q.Market
	}
	if q.Manufacturer != "" {
		s += " of " + q.Manufacturer
	}
	return s
}

func (q SituationQuery) classOK(class string) bool {
	switch q.Class {
	case "":
		return true
	case ClassAnnexIII:
		return class == "important-class-I" || class == "important-class-II"
	case ClassAnnexIV:
		return class == "critical"
	}
	return class == q.Class
}

// ErrTooBroad is returned for a situation query matching more findings
// than one report reads.
var ErrTooBroad = fmt.Errorf("the query matches more than %d open findings: narrow it (kev, epss, severity)", situationLimit)

// Query answers a situation query: the versions (of orgID only when it is
// not empty) with open findings that pass every filter of q, each
// summarising those findings only. IDs are the vulnerabilities found.
// The ransomware filter needs db.
func (m *Monitor) Query(ctx context.Context, db *advisory.DB, q SituationQuery, orgID string) (*Affected, error) {
	if q.Ransomware && db == nil {
		return nil, &QueryError{"ransomware", "needs the advisory database (its KEV entries), which this registry has not"}
	}
	fq := store.OpenFindingQuery{KEV: q.KEV || q.Ransomware, MinEPSS: q.MinEPSS, OrgID: orgID, Limit: situationLimit}
	if q.MinSeverity != "" {
		for _, s := range []string{match.SeverityCritical, match.SeverityHigh, match.SeverityMedium, match.SeverityLow} {
			if severityRank[s] >= severityRank[q.MinSeverity] {
				fq.Severities = append(fq.Severities, s)
			}
		}
	}
	frs, err := m.st.OpenFindingRows(ctx, fq)
	if errors.Is(err, store.ErrTooMany) {
		return nil, ErrTooBroad
	}
	if err != nil {
		return nil, err
	}
	kept := frs[:0]
	ids := map[string]bool{}
	for _, fr := range frs {
		row := fr.Version
		if q.Manufacturer != "" && !strings.EqualFold(row.OrgName, q.Manufacturer) && row.OrgID != q.Manufacturer {
			continue
		}
		if q.Class != "" || q.Market != "" {
			f := rowFacts(row)
			if !q.classOK(f.class) || (q.Market != "" && !slices.Contains(f.markets, q.Market)) {
				continue
			}
		}
		if q.Ransomware && !ransomware(db, fr.Finding) {
			continue
		}
		kept = append(kept, fr)
		ids[fr.VulnID] = true
	}
	qc := q
	out := &Affected{Query: q.String(), IDs: keysOf(ids), Generated: time.Now().UTC().Truncate(time.Second), Versions: []AffectedVersion{}, Filter: &qc}
	slices.Sort(out.IDs)
	return out, m.assemble(ctx, out, kept, false, nil)
}

// ransomware says whether the KEV entry of a finding's CVE (its id or an
// alias) records known use in ransomware campaigns.
func ransomware(db *advisory.DB, f store.Finding) bool {
	for _, id := range append([]string{f.VulnID}, f.Aliases...) {
		if e, ok := db.KEV(strings.ToUpper(id)); ok && e.KnownRansomware {
			return true
		}
	}
	return false
}
