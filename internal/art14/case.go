package art14

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/match"
)

// ClockPolicy says which awareness time starts the clocks.
type ClockPolicy string

// Clock policies.
const (
	ClockFromDetection       ClockPolicy = "detection"
	ClockFromAcknowledgement ClockPolicy = "acknowledgement"
)

// Awareness keeps both times a manufacturer may be said to have become
// aware: the detection (a monitor, a KEV addition, a report) and the
// manufacturer's acknowledgement. Policy picks the one that starts the
// clocks. Times keep the zone they were given in; clocks run in UTC.
type Awareness struct {
	Detected     time.Time   `json:"detected"`
	Acknowledged *time.Time  `json:"acknowledged,omitempty"`
	Policy       ClockPolicy `json:"policy"`
	// Source says how the manufacturer learned of it (e.g. "KEV 2026-10-02").
	Source string `json:"source,omitempty"`
}

// Start returns the time the clocks start under the policy, in UTC, and
// false when the policy names the acknowledgement and there is none yet.
func (a Awareness) Start() (time.Time, bool) {
	if a.Policy == ClockFromAcknowledgement {
		if a.Acknowledged == nil {
			return time.Time{}, false
		}
		return a.Acknowledged.UTC(), true
	}
	return a.Detected.UTC(), !a.Detected.IsZero()
}

// Product is the product with digital elements a case is about.
type Product struct {
	Name         string `json:"name"`
	Version      string `json:"version,omitempty"`
	Manufacturer string `json:"manufacturer"`
	// MainEstablishment is the ISO 3166-1 alpha-2 code of the member state
	// of the manufacturer's main establishment (Art. 14(7)).
	MainEstablishment string `json:"mainEstablishment"`
	// Class is the CRA class (default, important-class-I, …).
	Class string `json:"class,omitempty"`
	// MemberStates where the product is made available.
	MemberStates []string `json:"memberStates,omitempty"`
	// PlacedOnMarket is the date the product was first placed on the EU market.
	PlacedOnMarket string `json:"placedOnMarket,omitempty"`
	// EnterpriseSize of the manufacturer: micro, small, medium or large
	// (Recommendation 2003/361/EC); it decides the Art. 64(10)(a) note.
	EnterpriseSize string `json:"enterpriseSize,omitempty"`
	// PURL or CPE identifying the product itself, for CSAF.
	PURL string `json:"purl,omitempty"`
	CPE  string `json:"cpe,omitempty"`
}

// Ransomware records the ransomware facts of an incident case.
type Ransomware struct {
	Involved bool   `json:"involved"`
	Family   string `json:"family,omitempty"`
	// Demanded is the ransom demanded, as stated (amount and currency).
	Demanded string `json:"demanded,omitempty"`
	Paid     *bool  `json:"paid,omitempty"`
	// NoPaymentPolicy records the organisation's policy not to pay ransoms
	// (cf. the Counter Ransomware Initiative's statement).
	NoPaymentPolicy bool `json:"noPaymentPolicy"`
}

// Event is one entry of a case's audit trail.
type Event struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// Case is one Article 14 case.
type Case struct {
	ID        string    `json:"id"`
	Kind      Kind      `json:"kind"`
	Product   Product   `json:"product"`
	Awareness Awareness `json:"awareness"`
	// Vulnerability is the CVE or other ID of the exploited vulnerability.
	Vulnerability string `json:"vulnerability,omitempty"`
	// KEV and KnownRansomware carry the CISA KEV facts
	// (knownRansomwareCampaignUse = "Known").
	KEV             bool `json:"kev,omitempty"`
	KnownRansomware bool `json:"knownRansomwareCampaignUse,omitempty"`
	// MeasureAvailable is when a corrective or mitigating measure became
	// available; it starts the final-report window of a vulnerability.
	MeasureAvailable *time.Time `json:"measureAvailable,omitempty"`
	// IntermediateRequests are the times a CSIRT asked for an intermediate
	// report (Art. 14(6)), with the deadline it set, if any.
	IntermediateRequests []Request   `json:"intermediateRequests,omitempty"`
	Ransomware           *Ransomware `json:"ransomware,omitempty"`
	Drafts               []Draft     `json:"drafts,omitempty"`
	Audit                []Event     `json:"audit,omitempty"`
}

// Request is a CSIRT's request for an intermediate report (Art. 14(6)).
type Request struct {
	At  time.Time  `json:"at"`
	Due *time.Time `json:"due,omitempty"`
	By  string     `json:"by,omitempty"`
}

// ErrClockBackwards is returned when an action would move a clock
// backwards: an event dated before the last one recorded, or an awareness
// or measure time moved later than recorded (which would extend a deadline).
var ErrClockBackwards = errors.New("clock moved backwards")

// Open starts a case. It checks the kind and the awareness, and refuses
// awareness before the day Article 14 applies (Art. 71(2)); products placed
// on the market at any time are covered (Art. 69(3)).
func Open(rs *Rules, c Case, at time.Time) (*Case, error) {
	if c.Kind != KindVulnerability && c.Kind != KindIncident {
		return nil, fmt.Errorf("case %s: kind %q: want %q (Art. 14(1)) or %q (Art. 14(3))", c.ID, c.Kind, KindVulnerability, KindIncident)
	}
	if c.Awareness.Policy == "" {
		c.Awareness.Policy = ClockFromDetection
	}
	if c.Awareness.Policy != ClockFromDetection && c.Awareness.Policy != ClockFromAcknowledgement {
		return nil, fmt.Errorf("case %s: awareness.policy %q: want detection or acknowledgement", c.ID, c.Awareness.Policy)
	}
	if c.Awareness.Detected.IsZero() {
		return nil, fmt.Errorf("case %s: awareness.detected missing", c.ID)
	}
	if c.Awareness.Acknowledged != nil && c.Awareness.Acknowledged.Before(c.Awareness.Detected) {
		return nil, fmt.Errorf("case %s: awareness.acknowledged %s before awareness.detected %s", c.ID, c.Awareness.Acknowledged.Format(time.RFC3339), c.Awareness.Detected.Format(time.RFC3339))
	}
	if c.Awareness.Detected.Before(rs.AppliesFrom) {
		return nil, fmt.Errorf("case %s: awareness %s is before %s, when Article 14 starts to apply", c.ID, c.Awareness.Detected.Format(time.RFC3339), rs.AppliesFrom.Format("2 Jan 2006"))
	}
	if c.Product.Name == "" || c.Product.Manufacturer == "" {
		return nil, fmt.Errorf("case %s: product.name and product.manufacturer are required", c.ID)
	}
	if at.Before(c.Awareness.Detected) {
		return nil, fmt.Errorf("case %s: opened at %s, before awareness.detected: %w", c.ID, at.Format(time.RFC3339), ErrClockBackwards)
	}
	c.Audit = append(c.Audit, Event{At: at, Action: "open", Detail: string(c.Kind)})
	return &c, nil
}

// record appends an audit event, refusing one dated before the last.
func (c *Case) record(at time.Time, action, detail string) error {
	if n := len(c.Audit); n > 0 && at.Before(c.Audit[n-1].At) {
		return fmt.Errorf("case %s: %s at %s is before the last recorded event (%s at %s): %w",
			c.ID, action, at.Format(time.RFC3339), c.Audit[n-1].Action, c.Audit[n-1].At.Format(time.RFC3339), ErrClockBackwards)
	}
	c.Audit = append(c.Audit, Event{At: at, Action: action, Detail: detail})
	return nil
}

// later refuses moving a recorded time later (extending a deadline).
func later(field string, old *time.Time, t time.Time) error {
	if old != nil && t.After(*old) {
		return fmt.Errorf("%s: %s is later than the recorded %s: %w", field, t.Format(time.RFC3339), old.Format(time.RFC3339), ErrClockBackwards)
	}
	return nil
}

// Acknowledge records the manufacturer's acknowledgement at t.
func (c *Case) Acknowledge(t, at time.Time) error {
	if t.Before(c.Awareness.Detected) {
		return fmt.Errorf("case %s: acknowledgement %s before detection %s", c.ID, t.Format(time.RFC3339), c.Awareness.Detected.Format(time.RFC3339))
	}
	if err := later("awareness.acknowledged", c.Awareness.Acknowledged, t); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	if err := c.record(at, "acknowledge", t.Format(time.RFC3339)); err != nil {
		return err
	}
	c.Awareness.Acknowledged = &t
	return nil
}

// SetMeasureAvailable records when a corrective or mitigating measure became
// available.
func (c *Case) SetMeasureAvailable(t, at time.Time) error {
	if t.Before(c.Awareness.Detected) {
		return fmt.Errorf("case %s: measure available %s before detection", c.ID, t.Format(time.RFC3339))
	}
	if err := later("measureAvailable", c.MeasureAvailable, t); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	if err := c.record(at, "measure-available", t.Format(time.RFC3339)); err != nil {
		return err
	}
	c.MeasureAvailable = &t
	return nil
}

// RequestIntermediate records a CSIRT's request for an intermediate report.
func (c *Case) RequestIntermediate(r Request) error {
	if err := c.record(r.At, "intermediate-request", r.By); err != nil {
		return err
	}
	c.IntermediateRequests = append(c.IntermediateRequests, r)
	return nil
}

// Priority ranks a case: "critical" when ransomware is linked (KEV
// knownRansomwareCampaignUse, or ransomware involved in the incident),
// "high" for a KEV-listed vulnerability or any severe incident, else "normal".
func (c *Case) Priority() string {
	switch {
	case c.KnownRansomware || (c.Ransomware != nil && c.Ransomware.Involved):
		return "critical"
	case c.KEV || c.Kind == KindIncident:
		return "high"
	}
	return "normal"
}

// SmallEnterpriseNote returns the Art. 64(10)(a) note for micro and small
// enterprises, or "" for others: the 24-hour early warning still applies,
// but administrative fines do not apply to a missed early-warning deadline.
func (c *Case) SmallEnterpriseNote() string {
	switch strings.ToLower(c.Product.EnterpriseSize) {
	case "micro", "small":
		return "Art. 64(10)(a): administrative fines do not apply to a " + c.Product.EnterpriseSize +
			" enterprise's failure to meet the early-warning deadline (Art. 14(2)(a), 14(4)(a)); the obligation itself remains."
	}
	return ""
}

// Submitted returns the submission of a stage's draft, if any.
func (c *Case) Submitted(s Stage) *Submission {
	for i := range c.Drafts {
		if c.Drafts[i].Stage == s && c.Drafts[i].Submission != nil {
			return c.Drafts[i].Submission
		}
	}
	return nil
}

// maxCaseBytes bounds a case file.
const maxCaseBytes = 8 << 20

// ReadCase decodes a case file (JSON), strictly: unknown fields are errors
// naming the offset.
func ReadCase(r io.Reader, name string) (*Case, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCaseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxCaseBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxCaseBytes)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var c Case
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonErr(data, err, dec.InputOffset()))
	}
	if c.Kind != KindVulnerability && c.Kind != KindIncident {
		return nil, fmt.Errorf("%s: kind %q: want %q or %q", name, c.Kind, KindVulnerability, KindIncident)
	}
	return &c, nil
}

// jsonErr adds line and column to a JSON syntax or type error.
// fallback is the decoder's offset, used for errors that carry none.
func jsonErr(data []byte, err error, fallback int64) error {
	off := fallback
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		if te.Field != "" {
			err = fmt.Errorf("field %s: %w", te.Field, err)
		}
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// WriteCase encodes a case as indented JSON.
func WriteCase(w io.Writer, c *Case) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// FromFinding prepares an Art. 14(1) case for a KEV-listed finding of a
// scan of the product: the vulnerability ID (its CVE alias where there is
// one), the KEV and known-ransomware facts, detection at detected. The
// caller passes it to Open.
func FromFinding(p Product, f match.Finding, detected time.Time, source string) Case {
	id := f.Advisory.ID
	for _, a := range f.Advisory.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			id = a
			break
		}
	}
	return Case{
		ID:              p.Name + "/" + p.Version + "/" + id,
		Kind:            KindVulnerability,
		Product:         p,
		Awareness:       Awareness{Detected: detected, Policy: ClockFromDetection, Source: source},
		Vulnerability:   id,
		KEV:             f.KEV,
		KnownRansomware: f.KnownRansomware,
	}
}
