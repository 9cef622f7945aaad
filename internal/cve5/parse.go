package cve5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxRecordBytes bounds one CVE record (the largest real records, with
// hundreds of affected entries, are a few MiB).
const MaxRecordBytes = 64 << 20

// Error is a record that fails the format: its id (when it has one), the
// JSON path of the field (as "/containers/cna/affected/3/versions/0/lessThan")
// and the reason.
type Error struct {
	ID     string
	Path   string
	Reason string
}

// Error renders the error as "CVE-ID: /json/path: reason".
func (e *Error) Error() string {
	id := e.ID
	if id == "" {
		id = "CVE record"
	}
	if e.Path == "" {
		return id + ": " + e.Reason
	}
	return id + ": " + e.Path + ": " + e.Reason
}

// ErrNotRecord is wrapped by Parse's error for a JSON object that is not a
// CVE record at all (no cveMetadata and no dataType), such as OpenSSL's
// "disputed" statement list: a reader reports and skips it.
var ErrNotRecord = errors.New("not a CVE JSON 5 record")

// raw* mirror the parts of the CVE JSON 5.x record format that are read.
type rawRecord struct {
	DataType    string          `json:"dataType"`
	DataVersion json.RawMessage `json:"dataVersion"`
	Metadata    *rawMetadata    `json:"cveMetadata"`
	Containers  *struct {
		CNA *rawContainer  `json:"cna"`
		ADP []rawContainer `json:"adp"`
	} `json:"containers"`
}

type rawMetadata struct {
	ID            string `json:"cveId"`
	State         string `json:"state"`
	Assigner      string `json:"assignerShortName"`
	DatePublished string `json:"datePublished"`
	DateUpdated   string `json:"dateUpdated"`
	DateRejected  string `json:"dateRejected"`
}

type rawContainer struct {
	Provider struct {
		ShortName   string `json:"shortName"`
		DateUpdated string `json:"dateUpdated"`
	} `json:"providerMetadata"`
	Title           string           `json:"title"`
	Descriptions    []rawText        `json:"descriptions"`
	RejectedReasons []rawText        `json:"rejectedReasons"`
	Affected        []Product        `json:"affected"`
	Metrics         []rawMetric      `json:"metrics"`
	ProblemTypes    []rawProblemType `json:"problemTypes"`
	References      []struct {
		URL string `json:"url"`
	} `json:"references"`
	DatePublic string `json:"datePublic"`
}

type rawText struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type rawCVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type rawMetric struct {
	V20   *rawCVSS `json:"cvssV2_0"`
	V30   *rawCVSS `json:"cvssV3_0"`
	V31   *rawCVSS `json:"cvssV3_1"`
	V40   *rawCVSS `json:"cvssV4_0"`
	Other *struct {
		Type    string          `json:"type"`
		Content json.RawMessage `json:"content"`
	} `json:"other"`
}

type rawProblemType struct {
	Descriptions []struct {
		CWE  string `json:"cweId"`
		Type string `json:"type"`
	} `json:"descriptions"`
}

var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// Parse reads one CVE JSON 5.x record (5.0 and 5.1; later 5.x minor
// versions are read the same way). A record that fails the format (wrong
// types, missing cveMetadata, a range without versionType, a status other
// than affected, unaffected or unknown) is an *Error naming the record id
// and the field. A range bound that does not parse in its versionType is
// not: the record is kept with a warning in Record.Warnings, and the item
// answers nothing.
// A version item of a versionType Parse does not know is kept: its status
// is unknown (Status never matches it). REJECTED records parse with State
// REJECTED and no containers' products.
func Parse(data []byte) (*Record, error) {
	if len(data) > MaxRecordBytes {
		return nil, &Error{ID: probeID(data), Reason: fmt.Sprintf("larger than %d MiB", MaxRecordBytes>>20)}
	}
	var raw rawRecord
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(probeID(data), err)
	}
	if raw.Metadata == nil {
		if raw.DataType == "" && raw.Containers == nil {
			return nil, &Error{ID: probeID(data), Reason: ErrNotRecord.Error() + " (no cveMetadata, dataType or containers)", Path: ""}
		}
		return nil, &Error{ID: probeID(data), Path: "/cveMetadata", Reason: "missing (required)"}
	}
	m := raw.Metadata
	id := strings.TrimSpace(m.ID)
	if !cveID.MatchString(id) {
		return nil, &Error{ID: id, Path: "/cveMetadata/cveId", Reason: fmt.Sprintf("%q is not a CVE id", m.ID)}
	}
	if raw.DataType != "" && raw.DataType != "CVE_RECORD" {
		return nil, &Error{ID: id, Path: "/dataType", Reason: fmt.Sprintf("%q, want CVE_RECORD", raw.DataType)}
	}
	if err := checkDataVersion(raw.DataVersion); err != nil {
		return nil, &Error{ID: id, Path: "/dataVersion", Reason: err.Error()}
	}
	r := &Record{ID: id, State: strings.ToUpper(strings.TrimSpace(m.State)), Assigner: m.Assigner}
	if r.State != "PUBLISHED" && r.State != "REJECTED" {
		return nil, &Error{ID: id, Path: "/cveMetadata/state", Reason: fmt.Sprintf("%q, want PUBLISHED or REJECTED", m.State)}
	}
	var err error
	if r.DatePublished, err = parseTime(m.DatePublished); err != nil {
		return nil, &Error{ID: id, Path: "/cveMetadata/datePublished", Reason: err.Error()}
	}
	if r.DateUpdated, err = parseTime(m.DateUpdated); err != nil {
		return nil, &Error{ID: id, Path: "/cveMetadata/dateUpdated", Reason: err.Error()}
	}
	if r.State == "REJECTED" {
		if t, err := parseTime(m.DateRejected); err == nil && t.After(r.DateUpdated) {
			r.DateUpdated = t
		}
	}
	if raw.Containers == nil || raw.Containers.CNA == nil {
		return nil, &Error{ID: id, Path: "/containers/cna", Reason: "missing (required)"}
	}
	cna := raw.Containers.CNA
	r.Title = strings.TrimSpace(cna.Title)
	r.Description = english(cna.Descriptions)
	if r.State == "REJECTED" && r.Description == "" {
		r.Description = english(cna.RejectedReasons)
	}
	seen := map[string]bool{}
	all := append([]rawContainer{*cna}, raw.Containers.ADP...)
	for i := range all {
		rc := &all[i]
		path := "/containers/cna"
		kind := KindCNA
		if i > 0 {
			path, kind = "/containers/adp/"+strconv.Itoa(i-1), KindADP
		}
		c, err := convertContainer(rc, kind, path, id, &r.Warnings)
		if err != nil {
			return nil, err
		}
		for _, ref := range rc.References {
			if u := strings.TrimSpace(ref.URL); u != "" && !seen[u] {
				seen[u] = true
				r.References = append(r.References, u)
			}
		}
		if r.State == "REJECTED" {
			c.Affected = nil
		}
		r.Containers = append(r.Containers, c)
	}
	if r.DatePublished.IsZero() {
		r.DatePublished, _ = parseTime(cna.DatePublic)
	}
	return r, nil
}

// convertContainer checks and converts one CNA or ADP container.
func convertContainer(rc *rawContainer, kind, path, id string, warnings *[]Error) (Container, error) {
	c := Container{Kind: kind, Provider: rc.Provider.ShortName}
	for i, p := range rc.Affected {
		p.Vendor, p.Product = strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Product)
		at := fmt.Sprintf("%s/affected/%d", path, i)
		if p.DefaultStatus != "" && !validStatus(p.DefaultStatus) {
			return c, &Error{ID: id, Path: at + "/defaultStatus", Reason: fmt.Sprintf("%q, want affected, unaffected or unknown", p.DefaultStatus)}
		}
		for j := range p.Versions {
			if err := checkVersion(&p.Versions[j]); err != nil {
				err.ID, err.Path = id, fmt.Sprintf("%s/versions/%d%s", at, j, err.Path)
				return c, err
			}
			if w := checkBounds(&p.Versions[j]); w != nil {
				// the item is kept and answers nothing (Version.malformed);
				// the rest of the record still decides
				w.ID, w.Path = id, fmt.Sprintf("%s/versions/%d%s", at, j, w.Path)
				*warnings = append(*warnings, *w)
			}
		}
		c.Affected = append(c.Affected, p)
	}
	for i, m := range rc.Metrics {
		for _, s := range []*rawCVSS{m.V20, m.V30, m.V31, m.V40} {
			if s != nil {
				c.Metrics = append(c.Metrics, Metric{Version: s.Version, Vector: s.VectorString, Score: s.BaseScore, Severity: strings.ToLower(s.BaseSeverity)})
			}
		}
		if m.Other != nil && strings.EqualFold(m.Other.Type, "ssvc") {
			s, err := parseSSVC(m.Other.Content)
			if err != nil {
				return c, &Error{ID: id, Path: fmt.Sprintf("%s/metrics/%d/other/content", path, i), Reason: err.Error()}
			}
			c.SSVC = s
		} else if m.Other != nil {
			if w := otherSeverity(m.Other.Content); w != "" {
				c.Metrics = append(c.Metrics, Metric{Version: MetricOther, Severity: w})
			}
		}
	}
	for _, pt := range rc.ProblemTypes {
		for _, d := range pt.Descriptions {
			if w := strings.TrimSpace(d.CWE); w != "" {
				c.CWEs = append(c.CWEs, w)
			}
		}
	}
	return c, nil
}

func validStatus(s string) bool {
	return s == StatusAffected || s == StatusUnaffected || s == StatusUnknown
}

// checkVersion checks one version item; the error's Path is relative to
// the item. Bounds that do not parse in the item's versionType are not
// checked here: see checkBounds.
func checkVersion(v *Version) *Error {
	if !validStatus(v.Status) {
		return &Error{Path: "/status", Reason: fmt.Sprintf("%q, want affected, unaffected or unknown", v.Status)}
	}
	if v.Version == "" { // whitespace is a placeholder (no lower bound), not absence
		return &Error{Path: "/version", Reason: "missing (required)"}
	}
	if (v.isRange() || len(v.Changes) > 0) && strings.TrimSpace(v.VersionType) == "" {
		return &Error{Path: "/versionType", Reason: "missing: a version range needs a versionType"}
	}
	for i, ch := range v.Changes {
		if !validStatus(ch.Status) {
			return &Error{Path: fmt.Sprintf("/changes/%d/status", i), Reason: fmt.Sprintf("%q, want affected, unaffected or unknown", ch.Status)}
		}
	}
	return nil
}

// checkBounds reports the first string of a range item (its lower bound
// version, lessThan, lessThanOrEqual, changes[].at) that does not parse in
// its versionType (semver, rpm, maven, python and git by their syntax;
// custom needs a release number, a digit first, as Compare does; an
// unknown type's items are unknown anyway). Such an item is a warning, not
// a format error: the record is kept, the item answers nothing
// (Version.malformed), so one bad item neither drops the record's other
// entries (CISA's ADP range of a Zephyr record whose CNA wrote release
// numbers under versionType git) nor changes another record's answer.
func checkBounds(v *Version) *Error {
	vt := knownType(v.VersionType)
	if vt == "" {
		return nil
	}
	s, field := v.badBound(vt)
	switch {
	case field == "":
		return nil
	case v.LessThan != "" && v.LessThanOrEqual != "":
		return &Error{Path: field, Reason: "both lessThan and lessThanOrEqual (the format allows one): the item answers nothing"}
	case vt == TypeCustom:
		return &Error{Path: field, Reason: fmt.Sprintf("%q is not a release number that custom ordering can place: the item answers nothing", s)}
	}
	return &Error{Path: field, Reason: fmt.Sprintf("%q does not parse as a %s version: the item answers nothing", s, vt)}
}

// badBound returns the first string of a range item that does not parse
// in vt, and its path relative to the item ("" when every one parses; a
// single-version item names one version and is never bad). A placeholder
// lower bound ("0", "n/a", "unspecified": no lower bound) and "*" bounds
// parse. A git commit id (commitLike) is bad under semver, rpm, maven and
// python; under custom it is not a bad string but a commit: such an item
// answers nothing for a release number (Version.commitBound) without being
// reported, as the kernel's git ranges that CISA's ADP copies under custom
// are commits, not mistakes.
func (v *Version) badBound(vt string) (string, string) {
	if !v.isRange() && len(v.Changes) == 0 {
		return "", ""
	}
	if vt == TypeGit && len(v.Changes) == 0 && gitBound(v.Version) && gitBound(v.LessThan) && gitBound(v.LessThanOrEqual) {
		return "", "" // the kernel CNA's git ranges: asked about for every release
	}
	if vt == TypeCustom && (commitLike(v.LessThan) || commitLike(v.Version) || commitLike(v.LessThanOrEqual)) {
		// a commit range copied under custom (the firmware scan asks
		// thousands of these per kernel version: decided here at once)
		return "", ""
	}
	bad := func(s string) bool {
		s = strings.TrimSpace(s)
		if s == "" || s == "*" || vt == TypeGit && s == "0" {
			return false
		}
		if vt != TypeGit { // "4.19.*": its series must parse
			s = strings.TrimSuffix(s, ".*")
		}
		// a commit under custom is a commit (CISA's copies of the kernel's
		// git ranges), under semver, rpm, maven or python a mistake
		// (semver would read "7a8aa775…" as release 7)
		if valid(vt, s) {
			return vt != TypeCustom && vt != TypeGit && commitLike(s)
		}
		return vt != TypeCustom || !commitLike(s)
	}
	switch {
	case v.LessThan != "" && v.LessThanOrEqual != "":
		// the schema's oneOf allows one of the two: which bound is meant
		// is not known
		return v.LessThanOrEqual, "/lessThanOrEqual"
	case bad(v.LessThan):
		return v.LessThan, "/lessThan"
	case bad(v.LessThanOrEqual):
		return v.LessThanOrEqual, "/lessThanOrEqual"
	}
	for i, ch := range v.Changes {
		if bad(ch.At) {
			return ch.At, fmt.Sprintf("/changes/%d/at", i)
		}
	}
	if lo := seriesStart(v.Version); !placeholder(lo) && bad(lo) {
		return v.Version, "/version"
	}
	return "", ""
}

// gitBound reports, without trimming, whether s is a git range bound that
// parses: absent, "0", "*" or a commit id (badBound's fast path).
func gitBound(s string) bool { return s == "" || s == "0" || s == "*" || valid(TypeGit, s) }

// malformed reports whether a range item of a known versionType has a
// string that does not parse in it (badBound: "6.12.0 (Build 1271551)",
// "ESXi80U3-24022510", release numbers under git): it answers nothing, and
// where it may cover the version asked (Version.mayCover) its entry gives
// no answer rather than its defaultStatus, which the bad item may have
// overridden.
func (v *Version) malformed() bool {
	vt := knownType(v.VersionType)
	if vt == "" {
		return false
	}
	_, field := v.badBound(vt)
	return field != ""
}

// otherSeverity reads a CNA's qualitative severity from the content of a
// metrics[].other entry that is not SSVC: OpenSSL's own records give
// {"text": "High"} under a type naming its security policy, the OpenSSL,
// Apache and Red Hat records in CISA's vulnrichment {"value": "Moderate"}
// (or "text") under types such as "unknown", "Textual description of
// severity" or "Red Hat severity rating". Only the words of a severity
// scale are taken (lower case); anything else ("unknown", KEV entries,
// free text) is "".
func otherSeverity(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	var c struct {
		Text  any `json:"text"`
		Value any `json:"value"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	for _, v := range []any{c.Text, c.Value} {
		w, _ := v.(string)
		switch w = strings.ToLower(strings.TrimSpace(w)); w {
		case "critical", "high", "important", "moderate", "medium", "low":
			return w
		}
	}
	return ""
}

// parseSSVC reads CISA's SSVC content: {"options": [{"Exploitation":
// "active"}, {"Automatable": "no"}, {"Technical Impact": "total"}], ...}.
func parseSSVC(raw json.RawMessage) (*SSVC, error) {
	var c struct {
		Options []map[string]string `json:"options"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("SSVC options: %v", jsonReason(err))
	}
	s := &SSVC{}
	for _, o := range c.Options {
		for k, v := range o {
			v = strings.ToLower(strings.TrimSpace(v))
			switch strings.ToLower(strings.ReplaceAll(k, " ", "")) {
			case "exploitation":
				s.Exploitation = v
			case "automatable":
				s.Automatable = v
			case "technicalimpact":
				s.TechnicalImpact = v
			}
		}
	}
	return s, nil
}

func checkDataVersion(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var f float64
		if json.Unmarshal(raw, &f) != nil {
			return fmt.Errorf("expected a string")
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if !strings.HasPrefix(s, "5.") && s != "5" {
		return fmt.Errorf("%q: only CVE JSON 5.x records are read", s)
	}
	return nil
}

// english returns the first English text (lang "en" or "en-*"), else the
// first text.
func english(ts []rawText) string {
	for _, t := range ts {
		if l := strings.ToLower(t.Lang); l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
			return strings.TrimSpace(t.Value)
		}
	}
	if len(ts) > 0 {
		return strings.TrimSpace(ts[0].Value)
	}
	return ""
}

// parseTime reads the record format's timestamps: RFC 3339, with or
// without a zone (UTC then) or fraction, or a bare date.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
}

// jsonError turns a decoding error into an *Error with the field path.
func jsonError(id string, err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &Error{ID: id, Path: "/" + strings.ReplaceAll(te.Field, ".", "/"), Reason: fmt.Sprintf("expected %s, found JSON %s", te.Type, te.Value)}
	}
	return &Error{ID: id, Reason: jsonReason(err)}
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d: %v", se.Offset, err)
	}
	return "invalid JSON: " + err.Error()
}

// probeID returns cveMetadata.cveId (or an NVD "id") of a document that
// does not decode, so that the error can still name it.
func probeID(data []byte) string {
	if len(data) > MaxRecordBytes {
		data = data[:4096]
		if i := bytes.Index(data, []byte(`"CVE-`)); i >= 0 {
			if m := cveID.FindString(strings.SplitN(string(data[i+1:]), `"`, 2)[0]); m != "" {
				return m
			}
		}
		return ""
	}
	var p struct {
		Metadata struct {
			ID any `json:"cveId"`
		} `json:"cveMetadata"`
		ID any `json:"id"`
	}
	if json.Unmarshal(data, &p) == nil {
		if s, ok := p.Metadata.ID.(string); ok {
			return s
		}
		if s, ok := p.ID.(string); ok {
			return s
		}
	}
	return ""
}
