package art14

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// VulnerabilityInfo is what a vulnerability report says about the flaw.
type VulnerabilityInfo struct {
	ID      string `json:"id,omitempty"`
	Nature  string `json:"nature,omitempty"`  // general nature of the vulnerability (14(2)(b))
	Exploit string `json:"exploit,omitempty"` // general nature of the exploit (14(2)(b))
}

// Recipient is the CSIRT designated as coordinator that receives the
// report, through ENISA's single reporting platform (Art. 14(7), 16).
type Recipient struct {
	MemberState string `json:"memberState"`
	CSIRT       string `json:"csirt"`
	Confidence  string `json:"confidence"` // C|S|U as in regulatory.md
	Channel     string `json:"channel"`
}

// Submission records that a stage was sent.
type Submission struct {
	At        time.Time `json:"at"`
	Channel   string    `json:"channel"`
	ReceiptID string    `json:"receiptId"`
}

// Draft is the report of one stage, with every field Art. 14(2) (a
// vulnerability) or 14(4) (an incident) asks for at that stage.
type Draft struct {
	Case          string    `json:"case"`
	Kind          Kind      `json:"kind"`
	Stage         Stage     `json:"stage"`
	RequirementID string    `json:"requirement"`
	Source        string    `json:"source"`
	Due           time.Time `json:"due,omitzero"`
	Product       Product   `json:"product"`
	// MemberStates where the product is made available (14(2)(a), 14(4)(a)).
	MemberStates  []string           `json:"memberStates,omitempty"`
	Recipient     Recipient          `json:"recipient"`
	Vulnerability *VulnerabilityInfo `json:"vulnerability,omitempty"`
	// SuspectedMalicious says whether the incident is suspected of being
	// caused by unlawful or malicious acts (14(4)(a)).
	SuspectedMalicious *bool  `json:"suspectedMalicious,omitempty"`
	IncidentNature     string `json:"incidentNature,omitempty"`    // 14(4)(b)
	InitialAssessment  string `json:"initialAssessment,omitempty"` // 14(4)(b)
	MeasuresTaken      string `json:"measuresTaken,omitempty"`     // corrective or mitigating measures taken
	UserMeasures       string `json:"userMeasures,omitempty"`      // measures users can take
	// Sensitivity is how sensitive the manufacturer deems the information
	// (14(2)(b), 14(4)(b)), e.g. a TLP label and a reason.
	Sensitivity    string      `json:"sensitivity,omitempty"`
	SeverityImpact string      `json:"severityImpact,omitempty"` // 14(2)(c)(i), 14(4)(c)(i)
	MaliciousActor string      `json:"maliciousActor,omitempty"` // 14(2)(c)(ii), where available
	FixDetails     string      `json:"fixDetails,omitempty"`     // 14(2)(c)(iii)
	RootCause      string      `json:"rootCause,omitempty"`      // 14(4)(c)(ii): type of threat or root cause
	Mitigations    string      `json:"mitigations,omitempty"`    // 14(4)(c)(iii): applied and ongoing
	StatusUpdate   string      `json:"statusUpdate,omitempty"`   // 14(6): intermediate report
	Ransomware     *Ransomware `json:"ransomware,omitempty"`
	Priority       string      `json:"priority"`
	Notes          []string    `json:"notes,omitempty"`
	Submission     *Submission `json:"submission,omitempty"`
}

// field is one required field of a stage: its JSON path and a check.
type field struct {
	path    string
	article string
	set     func(*Draft) bool
}

func nonEmpty(s string) bool { return strings.TrimSpace(s) != "" }

var (
	fProduct      = field{"product.name", "14(2)/(4)", func(d *Draft) bool { return nonEmpty(d.Product.Name) }}
	fManufacturer = field{"product.manufacturer", "14(2)/(4)", func(d *Draft) bool { return nonEmpty(d.Product.Manufacturer) }}
	fRecipient    = field{"recipient.csirt", "14(7)", func(d *Draft) bool { return nonEmpty(d.Recipient.CSIRT) }}
	fStates       = field{"memberStates", "14(2)(a)/(4)(a)", func(d *Draft) bool { return len(d.MemberStates) > 0 }}
	fVulnID       = field{"vulnerability.id", "14(2)(a)", func(d *Draft) bool { return d.Vulnerability != nil && nonEmpty(d.Vulnerability.ID) }}
	fVulnNature   = field{"vulnerability.nature", "14(2)(b)", func(d *Draft) bool { return d.Vulnerability != nil && nonEmpty(d.Vulnerability.Nature) }}
	fExploit      = field{"vulnerability.exploit", "14(2)(b)", func(d *Draft) bool { return d.Vulnerability != nil && nonEmpty(d.Vulnerability.Exploit) }}
	fMeasures     = field{"measuresTaken", "14(2)(b)/(4)(b)", func(d *Draft) bool { return nonEmpty(d.MeasuresTaken) }}
	fUserMeasures = field{"userMeasures", "14(2)(b)/(4)(b)/(8)", func(d *Draft) bool { return nonEmpty(d.UserMeasures) }}
	fSensitivity  = field{"sensitivity", "14(2)(b)/(4)(b)", func(d *Draft) bool { return nonEmpty(d.Sensitivity) }}
	fSeverity     = field{"severityImpact", "14(2)(c)(i)/(4)(c)(i)", func(d *Draft) bool { return nonEmpty(d.SeverityImpact) }}
	fFix          = field{"fixDetails", "14(2)(c)(iii)", func(d *Draft) bool { return nonEmpty(d.FixDetails) }}
	fMalicious    = field{"suspectedMalicious", "14(4)(a)", func(d *Draft) bool { return d.SuspectedMalicious != nil }}
	fIncNature    = field{"incidentNature", "14(4)(b)", func(d *Draft) bool { return nonEmpty(d.IncidentNature) }}
	fAssessment   = field{"initialAssessment", "14(4)(b)", func(d *Draft) bool { return nonEmpty(d.InitialAssessment) }}
	fRootCause    = field{"rootCause", "14(4)(c)(ii)", func(d *Draft) bool { return nonEmpty(d.RootCause) }}
	fMitigations  = field{"mitigations", "14(4)(c)(iii)", func(d *Draft) bool { return nonEmpty(d.Mitigations) }}
	fStatus       = field{"statusUpdate", "14(6)", func(d *Draft) bool { return nonEmpty(d.StatusUpdate) }}
)

// required lists the fields each stage must carry before it can be
// submitted (besides product, manufacturer and recipient, always required).
// docs/art14-report.schema.json states the same, and a test holds them equal.
var required = map[Kind]map[Stage][]field{
	KindVulnerability: {
		StageEarlyWarning: {fVulnID, fStates},
		StageNotification: {fVulnNature, fExploit, fMeasures, fUserMeasures, fSensitivity},
		StageFinal:        {fSeverity, fFix},
		StageIntermediate: {fStatus},
		StageUserInfo:     {fVulnNature, fUserMeasures},
	},
	KindIncident: {
		StageEarlyWarning: {fMalicious, fStates},
		StageNotification: {fIncNature, fAssessment, fMeasures, fUserMeasures, fSensitivity},
		StageFinal:        {fSeverity, fRootCause, fMitigations},
		StageIntermediate: {fStatus},
		StageUserInfo:     {fIncNature, fUserMeasures},
	},
}

// MissingError lists the required fields a draft lacks.
type MissingError struct {
	Stage  Stage
	Fields []string // "path (Art. x)"
}

// Error implements error.
func (e *MissingError) Error() string {
	return fmt.Sprintf("%s draft is missing required fields: %s", e.Stage, strings.Join(e.Fields, ", "))
}

// Missing returns the required fields the draft lacks, or nil.
func (d *Draft) Missing() error {
	stages, ok := required[d.Kind]
	if !ok {
		return fmt.Errorf("draft kind %q unknown", d.Kind)
	}
	fs, ok := stages[d.Stage]
	if !ok {
		return fmt.Errorf("draft stage %q unknown", d.Stage)
	}
	var miss []string
	for _, f := range append([]field{fProduct, fManufacturer, fRecipient}, fs...) {
		if !f.set(d) {
			miss = append(miss, f.path+" (Art. "+f.article+")")
		}
	}
	if miss != nil {
		return &MissingError{Stage: d.Stage, Fields: miss}
	}
	return nil
}

// RequiredFields returns the JSON paths a stage requires.
func RequiredFields(k Kind, s Stage) []string {
	var out []string
	for _, f := range append([]field{fProduct, fManufacturer, fRecipient}, required[k][s]...) {
		out = append(out, f.path)
	}
	return out
}

// NewDraft prefills the draft of a stage from the case: product, member
// states, recipient CSIRT, vulnerability ID, ransomware facts, deadline,
// priority and the Art. 64(10)(a) note. An existing draft of the stage (not
// intermediate) is returned as it is.
func NewDraft(rs *Rules, c *Case, s Stage, now time.Time) (*Draft, error) {
	if s != StageIntermediate {
		for i := range c.Drafts {
			if c.Drafts[i].Stage == s {
				return &c.Drafts[i], nil
			}
		}
	}
	d := Draft{Case: c.ID, Kind: c.Kind, Stage: s, Product: c.Product, MemberStates: c.Product.MemberStates, Priority: c.Priority()}
	if _, ok := required[c.Kind][s]; !ok {
		return nil, fmt.Errorf("case %s: stage %q unknown", c.ID, s)
	}
	clocks, err := Clocks(rs, c, now)
	if err != nil {
		return nil, err
	}
	for _, ck := range clocks {
		if ck.Stage == s {
			d.RequirementID, d.Source, d.Due = ck.RequirementID, ck.Source, ck.Due
		}
	}
	if s == StageIntermediate {
		d.RequirementID, d.Source = "CRA-14.6", "Art. 14(6)"
	}
	d.Recipient = RecipientFor(c.Product.MainEstablishment)
	if c.Kind == KindVulnerability {
		d.Vulnerability = &VulnerabilityInfo{ID: c.Vulnerability}
	}
	if c.Kind == KindIncident && c.Ransomware != nil {
		r := *c.Ransomware
		d.Ransomware = &r
	}
	if s == StageEarlyWarning {
		if n := c.SmallEnterpriseNote(); n != "" {
			d.Notes = append(d.Notes, n)
		}
	}
	if c.KnownRansomware {
		d.Notes = append(d.Notes, "CISA KEV lists known ransomware campaign use of "+c.Vulnerability)
	}
	for i := range c.Drafts {
		d.carry(&c.Drafts[i])
	}
	c.Drafts = append(c.Drafts, d)
	return &c.Drafts[len(c.Drafts)-1], nil
}

// ErrSubmitted is returned when a submitted draft would be changed.
var ErrSubmitted = errors.New("stage already submitted")

// Submit marks the draft of a stage submitted. It refuses a draft missing a
// required field, a second submission, and a submission dated before the
// case's last event or before the clock started.
func (c *Case) Submit(d *Draft, sub Submission) error {
	if d.Submission != nil {
		return fmt.Errorf("case %s %s: %w at %s (receipt %s)", c.ID, d.Stage, ErrSubmitted, d.Submission.At.Format(time.RFC3339), d.Submission.ReceiptID)
	}
	if err := d.Missing(); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	if !nonEmpty(sub.Channel) || !nonEmpty(sub.ReceiptID) || sub.At.IsZero() {
		return fmt.Errorf("case %s %s: a submission needs a time, a channel and a receipt id", c.ID, d.Stage)
	}
	if sub.At.Before(c.Awareness.Detected) {
		return fmt.Errorf("case %s %s: submitted at %s, before detection: %w", c.ID, d.Stage, sub.At.Format(time.RFC3339), ErrClockBackwards)
	}
	if err := c.record(sub.At, "submit", string(d.Stage)+" via "+sub.Channel+" receipt "+sub.ReceiptID); err != nil {
		return err
	}
	d.Submission = &sub
	return nil
}

// carry copies what an earlier draft of the case already says into the
// fields this draft leaves empty, so that a later stage starts from the
// content sent before.
func (d *Draft) carry(from *Draft) {
	if v := from.Vulnerability; v != nil && d.Vulnerability != nil {
		d.Vulnerability.Nature = first(d.Vulnerability.Nature, v.Nature)
		d.Vulnerability.Exploit = first(d.Vulnerability.Exploit, v.Exploit)
	}
	if d.SuspectedMalicious == nil && from.SuspectedMalicious != nil {
		b := *from.SuspectedMalicious
		d.SuspectedMalicious = &b
	}
	for _, f := range []struct{ to, from *string }{
		{&d.IncidentNature, &from.IncidentNature}, {&d.InitialAssessment, &from.InitialAssessment},
		{&d.MeasuresTaken, &from.MeasuresTaken}, {&d.UserMeasures, &from.UserMeasures},
		{&d.Sensitivity, &from.Sensitivity}, {&d.SeverityImpact, &from.SeverityImpact},
		{&d.MaliciousActor, &from.MaliciousActor}, {&d.FixDetails, &from.FixDetails},
		{&d.RootCause, &from.RootCause}, {&d.Mitigations, &from.Mitigations},
	} {
		*f.to = first(*f.to, *f.from)
	}
}

func first(a, b string) string {
	if nonEmpty(a) {
		return a
	}
	return b
}
