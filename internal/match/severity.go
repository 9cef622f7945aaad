package match

import (
	"encoding/json"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// Severity levels, from the CVSS qualitative rating scale.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityNone     = "none"
	SeverityUnknown  = "unknown"
)

// severityRank orders levels for sorting and --fail-on: higher is worse.
func severityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Score is a severity computed from a CVSS vector.
type Score struct {
	Vector string  `json:"vector,omitempty"`
	Score  float64 `json:"score,omitempty"`
	Level  string  `json:"level"`
}

// CVSSScore parses a CVSS 2.0, 3.0, 3.1 or 4.0 vector and returns its base
// score. ok is false when the vector does not parse.
func CVSSScore(vector string) (float64, bool) {
	switch {
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		c, err := cvss40.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return c.Score(), true
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(vector)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	default:
		c, err := cvss20.ParseVector(strings.TrimPrefix(vector, "CVSS:2.0/"))
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	}
}

// LevelForScore maps a CVSS base score to its qualitative rating (CVSS 3.x
// and 4.0 share the bands).
func LevelForScore(s float64) string {
	switch {
	case s >= 9.0:
		return SeverityCritical
	case s >= 7.0:
		return SeverityHigh
	case s >= 4.0:
		return SeverityMedium
	case s > 0:
		return SeverityLow
	}
	return SeverityNone
}

// levelWord maps the words advisory sources use ("MODERATE", "Important")
// to a level.
func levelWord(w string) string {
	switch strings.ToLower(strings.TrimSpace(w)) {
	case "critical":
		return SeverityCritical
	case "high", "important":
		return SeverityHigh
	case "medium", "moderate":
		return SeverityMedium
	case "low":
		return SeverityLow
	case "none", "negligible", "informational":
		return SeverityNone
	}
	return ""
}

// RecordSeverity is the worst severity of a record: the highest CVSS base
// score among its vectors (record-level and per affected package), else the
// word a source put in database_specific/ecosystem_specific "severity".
func RecordSeverity(r *advisory.Record) Score {
	best := Score{Level: SeverityUnknown, Score: -1}
	consider := func(sv []advisory.Severity) {
		for _, s := range sv {
			if !strings.HasPrefix(s.Type, "CVSS_") {
				continue
			}
			if sc, ok := CVSSScore(s.Score); ok && sc > best.Score {
				best = Score{Vector: s.Score, Score: sc, Level: LevelForScore(sc)}
			}
		}
	}
	consider(r.Severity)
	for i := range r.Affected {
		consider(r.Affected[i].Severity)
	}
	if best.Score >= 0 {
		return best
	}
	best.Score = 0
	words := []json.RawMessage{r.DatabaseSpecific}
	for i := range r.Affected {
		words = append(words, r.Affected[i].EcosystemSpecific, r.Affected[i].DatabaseSpecific)
	}
	worst := ""
	for _, raw := range words {
		if len(raw) == 0 {
			continue
		}
		var v struct {
			Severity json.RawMessage `json:"severity"`
		}
		if json.Unmarshal(raw, &v) != nil || len(v.Severity) == 0 {
			continue
		}
		var w string
		if json.Unmarshal(v.Severity, &w) != nil {
			continue
		}
		if l := levelWord(w); l != "" && severityRank(l) >= severityRank(worst) {
			worst = l
		}
	}
	if worst != "" {
		best.Level = worst
	}
	return best
}
