package match

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/dualmark/dualmark/internal/advisory"
	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
	"github.com/tidwall/gjson"
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
		w, ok := severityWord(raw)
		if !ok {
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

// severityWord returns the "severity" member of a JSON object exactly as
// encoding/json decodes it into struct{ Severity string }: the last key
// equal to "severity" under bytes.EqualFold (encoding/json's key match)
// wins, and only a string value counts (null leaves the word empty, any
// other value is an error). Decoding the raw object with encoding/json
// twice was 85 % of RecordSeverity and ~9 % of the CPU of a cold
// 10,000-component scan (20 ms of 230 ms in BenchmarkColdScan); this scan
// allocates nothing. TestSeverityWordAgreesWithJSON checks it against
// encoding/json on every raw object of the staged data and edge cases.
func severityWord(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	// raw is not modified or kept: records are read-only, and the word
	// returned is only compared.
	s := unsafe.String(&raw[0], len(raw))
	if !gjson.Valid(s) {
		return "", false
	}
	root := gjson.Parse(s)
	if !root.IsObject() {
		return "", false
	}
	var val gjson.Result
	found := false
	root.ForEach(func(k, v gjson.Result) bool {
		if strings.EqualFold(k.Str, "severity") {
			val, found = v, true
		}
		return true
	})
	if !found || val.Type != gjson.String {
		return "", false
	}
	if !utf8.ValidString(val.Str) {
		// encoding/json replaces each invalid byte with U+FFFD
		return severityWordJSON(raw)
	}
	return val.Str, true
}

// severityWordJSON is severityWord by encoding/json (the reference).
func severityWordJSON(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	var v struct {
		Severity json.RawMessage `json:"severity"`
	}
	if json.Unmarshal(raw, &v) != nil || len(v.Severity) == 0 {
		return "", false
	}
	var w string
	if json.Unmarshal(v.Severity, &w) != nil {
		return "", false
	}
	return w, true
}
