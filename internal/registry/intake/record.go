package intake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/paperwork"
)

// Record is what the public product page shows about one product version,
// fixed when the version is uploaded. Live facts — the label's status, whether
// the support period has ended — are added when the page is served.
type Record struct {
	Product struct {
		Name            string             `json:"name"`
		Brand           string             `json:"brand,omitempty"`
		Model           string             `json:"model,omitempty"`
		Type            string             `json:"type,omitempty"`
		HardwareVersion string             `json:"hardwareVersion,omitempty"`
		FirmwareVersion string             `json:"firmwareVersion,omitempty"`
		Identifiers     []label.Identifier `json:"identifiers,omitempty"`
		Website         string             `json:"website,omitempty"`
	} `json:"product"`
	Manufacturer struct {
		Name    string `json:"name"`
		Address string `json:"address,omitempty"`
		Email   string `json:"email,omitempty"`
		Phone   string `json:"phone,omitempty"`
		Website string `json:"website,omitempty"`
	} `json:"manufacturer"`
	SecurityContact string `json:"securityContact,omitempty"` // vulnerability reports
	// SupportEnd is the last day of security updates, YYYY-MM-DD ("" when
	// the dossier does not say).
	SupportEnd string `json:"supportEnd,omitempty"`
	Updates    struct {
		Automatic    *bool  `json:"automatic,omitempty"`
		Mechanism    string `json:"mechanism,omitempty"`
		Instructions string `json:"instructions,omitempty"`
	} `json:"updates"`
	Setup struct {
		DefaultPassword string `json:"defaultPassword,omitempty"` // none | unique-per-device | user-set-at-setup | universal
		PasswordChange  string `json:"passwordChange,omitempty"`
		SecureSetup     string `json:"secureSetup,omitempty"`
		Instructions    string `json:"instructions,omitempty"`
	} `json:"setup"`
	Verdicts map[string]string `json:"verdicts"`
	// Registry is the FCC Cyber Trust Mark registry entry, REG-1 … REG-11;
	// a field the dossier leaves open carries its gap.
	Registry []paperwork.Field `json:"fccRegistry"`
	// CTA2120 is the US Cyber Trust Mark label data (CTA-2120 shape).
	CTA2120 paperwork.CTALabel `json:"cta2120"`
	// Gaps lists facts the registry fields and the label data miss.
	Gaps []string `json:"gaps,omitempty"`
	// PostQuantum is the one-line post-quantum readiness (pqc.Result.Readiness)
	// of the CBOM the dossier names, else of its cryptography section, rated
	// on the upload date over the support period; "" when the dossier states
	// no cryptography.
	PostQuantum string `json:"postQuantum,omitempty"`
}

func buildRecord(d *dossier.Dossier, sum *label.Summary, now time.Time) (*Record, error) {
	docs, cta, err := documents(d, now)
	if err != nil {
		return nil, &Error{Field: "dossier", Err: err}
	}
	r := &Record{}
	p := &r.Product
	p.Name, p.Brand, p.Model, p.Type = d.Product.Name, d.Product.Brand, d.Product.Model, d.Product.Type
	p.HardwareVersion, p.FirmwareVersion, p.Website = d.Product.HardwareVersion, d.Product.FirmwareVersion, d.Product.Website
	for _, id := range d.Product.Identifiers {
		p.Identifiers = append(p.Identifiers, label.Identifier{Type: id.Type, Value: id.Value})
	}
	m := &r.Manufacturer
	m.Name, m.Email, m.Phone, m.Website = d.Manufacturer.Name, d.Manufacturer.Email, d.Manufacturer.Phone, d.Manufacturer.Website
	if a := d.Manufacturer.Address; a != nil {
		m.Address = joinNonEmpty(", ", a.Street, strings.TrimSpace(a.PostalCode+" "+a.City), a.Region, a.Country)
	}
	r.SecurityContact = d.VulnerabilityHandling.Contact
	r.SupportEnd = sum.SupportPeriodEnd
	r.Updates.Automatic, r.Updates.Mechanism, r.Updates.Instructions = d.Updates.Automatic, d.Updates.Mechanism, d.Updates.Instructions
	r.Setup.DefaultPassword = d.Authentication.DefaultPassword
	r.Setup.PasswordChange = d.Authentication.PasswordChange
	r.Setup.SecureSetup = d.UserInformation.SecureSetup
	r.Setup.Instructions = d.UserInformation.Instructions
	r.Verdicts = map[string]string{}
	for id, v := range sum.Regimes {
		r.Verdicts[id] = v.String()
	}
	for _, doc := range docs {
		if doc.ID != "fcc-registry-entry" {
			continue
		}
		for _, s := range doc.Sections {
			if s.Title == "Registry fields" {
				r.Registry = s.Fields
			}
		}
		r.Gaps = append(r.Gaps, doc.Gaps...)
	}
	if r.Registry == nil {
		return nil, fmt.Errorf("the paperwork package wrote no FCC registry fields")
	}
	r.PostQuantum = sum.PostQuantum // the assessment's rating, the one the label signs
	r.CTA2120 = cta.Data
	r.Gaps = append(r.Gaps, cta.Gaps...)
	sort.Strings(r.Gaps)
	r.Gaps = dedupe(r.Gaps)
	return r, nil
}

// RegimeTitle names a regime for people (the catalog's one table).
func RegimeTitle(id string) string {
	if t := catalog.AssessmentTitle(id); t != "" {
		return t
	}
	return id
}

// ParseRecord decodes a stored record.
func ParseRecord(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("stored public record: %w", err)
	}
	return &r, nil
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
