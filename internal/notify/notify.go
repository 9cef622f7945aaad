// Package notify is the model and wire format of the registry's
// notifications: events (a new finding, a finding that became KEV-listed, a
// fix that became available, a label revoked or superseded, a support period
// ending in 90 or 30 days, a CRA Art. 14 deadline approaching, a re-run
// assessment that changed a verdict or a requirement's status), the filters a
// subscription applies to them, webhook signing and verification after the
// Standard Webhooks convention (HMAC-SHA256 over id, timestamp and body,
// headers webhook-id / webhook-timestamp / webhook-signature), retry timing
// (exponential backoff with jitter), and a Dispatcher that delivers due
// deliveries from a Queue with a pool of workers and a timeout per delivery.
//
// It knows nothing about databases: package registry/store keeps the outbox,
// subscriptions and deliveries and implements Queue.
package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event kinds.
const (
	KindFindingNew        = "finding.new"           // a vulnerability newly matches a product version
	KindFindingKEV        = "finding.kev"           // a finding's vulnerability was added to CISA KEV
	KindFindingFix        = "finding.fix-available" // a fixed version became known for a finding
	KindLabelRevoked      = "label.revoked"         // a label was revoked
	KindLabelSuperseded   = "label.superseded"      // a newer label for the same product identity was issued
	KindSupportEnding     = "support.ending"        // the support period ends in 90 or 30 days
	KindArt14Deadline     = "art14.deadline"        // a CRA Art. 14 reporting deadline approaches
	KindAssessmentChanged = "assessment.changed"    // a re-run assessment changed a verdict or a requirement's status
)

// Kinds lists every event kind, in the order the documentation gives them.
var Kinds = []string{KindFindingNew, KindFindingKEV, KindFindingFix, KindLabelRevoked, KindLabelSuperseded, KindSupportEnding, KindArt14Deadline, KindAssessmentChanged}

// Severities, lowest first. "" is an unknown severity.
var Severities = []string{"none", "low", "medium", "high", "critical"}

// SeverityRank returns the position of a severity in Severities (0 for
// "none" and for an unknown or empty one), case-insensitively.
func SeverityRank(s string) int {
	if i := slices.Index(Severities, strings.ToLower(s)); i >= 0 {
		return i
	}
	return 0
}

// Event is one thing that happened to an organisation's products. Its ID is
// the idempotency key every delivery of it carries (the webhook-id header),
// so a receiver that sees an ID twice has seen the same event twice.
type Event struct {
	ID            string          `json:"id"`
	OrgID         string          `json:"orgId"`
	Kind          string          `json:"type"`
	ProductID     string          `json:"productId,omitempty"`
	VersionID     string          `json:"versionId,omitempty"`
	LabelID       string          `json:"labelId,omitempty"`
	Vulnerability string          `json:"vulnerability,omitempty"` // CVE, GHSA, OSV or EUVD id
	Severity      string          `json:"severity,omitempty"`      // one of Severities
	KEV           bool            `json:"kev,omitempty"`           // listed in CISA KEV
	EPSS          float64         `json:"epss,omitempty"`          // EPSS probability 0…1
	OccurredAt    time.Time       `json:"timestamp"`
	Payload       json.RawMessage `json:"data,omitempty"` // kind-specific detail, a JSON object
	// Dedupe, when set, makes the event unique in the outbox: a second
	// event with the same key is not stored (a scheduled event such as
	// "support ends in 90 days" for one version is written once).
	Dedupe string `json:"-"`
}

// Check reports the first field of e that a store must not accept.
func (e *Event) Check() error {
	switch {
	case e.OrgID == "":
		return fmt.Errorf("event: orgId is empty")
	case !slices.Contains(Kinds, e.Kind):
		return fmt.Errorf("event: type %q is not one of %s", e.Kind, strings.Join(Kinds, ", "))
	case e.Severity != "" && !slices.Contains(Severities, e.Severity):
		return fmt.Errorf("event: severity %q is not one of %s", e.Severity, strings.Join(Severities, ", "))
	case e.EPSS < 0 || e.EPSS > 1:
		return fmt.Errorf("event: epss %v is outside 0…1", e.EPSS)
	case len(e.Payload) > 0 && !json.Valid(e.Payload):
		return fmt.Errorf("event: data is not valid JSON")
	}
	return nil
}

// Body is the JSON a webhook delivery of e carries. It is the same bytes on
// every attempt, so a retry's signature covers the same content.
func Body(e *Event) ([]byte, error) {
	c := *e
	c.OccurredAt = c.OccurredAt.UTC()
	return json.Marshal(&c)
}

// Filter is what a subscription asks for. The zero Filter matches every
// event of the organisation.
type Filter struct {
	// ProductID limits the subscription to one product ("" = all).
	ProductID string `json:"productId,omitempty"`
	// MinSeverity drops finding events below this severity ("" = none).
	MinSeverity string `json:"minSeverity,omitempty"`
	// KEVOnly drops finding events whose vulnerability is not KEV-listed.
	KEVOnly bool `json:"kevOnly,omitempty"`
	// MinEPSS drops finding events with a lower EPSS probability (0 = none).
	MinEPSS float64 `json:"minEpss,omitempty"`
	// Kinds limits the subscription to these event kinds (empty = all).
	Kinds []string `json:"kinds,omitempty"`
}

// Check reports the first field of f that is out of range, named as the
// JSON field.
func (f *Filter) Check() error {
	if f.MinSeverity != "" && !slices.Contains(Severities, f.MinSeverity) {
		return &FieldError{Field: "minSeverity", Msg: fmt.Sprintf("%q is not one of %s", f.MinSeverity, strings.Join(Severities, ", "))}
	}
	if f.MinEPSS < 0 || f.MinEPSS > 1 {
		return &FieldError{Field: "minEpss", Msg: fmt.Sprintf("%v is outside 0…1", f.MinEPSS)}
	}
	for _, k := range f.Kinds {
		if !slices.Contains(Kinds, k) {
			return &FieldError{Field: "kinds", Msg: fmt.Sprintf("%q is not one of %s", k, strings.Join(Kinds, ", "))}
		}
	}
	return nil
}

// FieldError names the field of a filter or subscription at fault.
type FieldError struct {
	Field string
	Msg   string
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Matches reports whether the subscription filter f wants event e. The
// vulnerability criteria (severity, KEV, EPSS) apply to events about a
// vulnerability; an event without one (a revoked label, an ending support
// period) passes them, and Kinds is how a subscription leaves such events out.
func (f *Filter) Matches(e *Event) bool {
	if f.ProductID != "" && f.ProductID != e.ProductID {
		return false
	}
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
		return false
	}
	if e.Vulnerability == "" {
		return true
	}
	if f.MinSeverity != "" && SeverityRank(e.Severity) < SeverityRank(f.MinSeverity) {
		return false
	}
	if f.KEVOnly && !e.KEV {
		return false
	}
	return e.EPSS >= f.MinEPSS
}
