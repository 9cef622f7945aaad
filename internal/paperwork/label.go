package paperwork

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
)

// CTA2120Version is the CTA-2120 USCTM schema version the label data follows.
const CTA2120Version = "1.0.0"

// Label is the US Cyber Trust Mark label and registry data in the CTA-2120
// shape (usctm-schema-1-0-0.json), plus the gaps that kept fields empty.
// Deviations from the published schema are listed in docs/DOSSIER.md.
type Label struct {
	Data CTALabel
	Gaps []string
	// Missing lists the schema's required fields left out; a label with
	// missing fields is written only as a draft (LabelDraftFile).
	Missing []string
	doc     *Document
}

// CTALabel is a CTA-2120 v1.0.0 document. Fields the dossier cannot fill are
// left out (and reported as gaps) rather than invented.
type CTALabel struct {
	SchemaVersion                  string          `json:"schema_version"`
	QRCodeURL                      string          `json:"QR_code_url,omitempty"`
	ProductName                    string          `json:"product_name,omitempty"`
	ProductModel                   string          `json:"product_model,omitempty"`
	ProductManufacturer            string          `json:"product_manufacturer,omitempty"`
	ManufacturerName               string          `json:"manufacturer_name,omitempty"`
	VersionAndModelNumbers         *VersionNumbers `json:"version_and_model_numbers,omitempty"`
	AuthorizationDate              string          `json:"authorization_date,omitempty"`
	AuthorizedBy                   *NameContact    `json:"authorized_by,omitempty"`
	TestedBy                       *NameContact    `json:"tested_by,omitempty"`
	AccessControl                  *AccessControl  `json:"access_control,omitempty"`
	SecuringThisProduct            *TextURL        `json:"securing_this_product,omitempty"`
	SecurityUpdateInformation      *UpdateInfo     `json:"security_update_information,omitempty"`
	SecurityUpdateInformationOther string          `json:"security_update_information_other,omitempty"`
	SupportDate                    string          `json:"support_date,omitempty"`
	SensorDataCollection           []Sensor        `json:"sensor_data_collection,omitempty"`
	DeleteData                     *TextURL        `json:"delete_data,omitempty"`
	AccountDeactivation            *TextURL        `json:"account_deactivation,omitempty"`
	EncryptionAndKeyManagement     *TextURL        `json:"encryption_and_key_management,omitempty"`
	GeneralUserInformation         *TextURL        `json:"general_user_information,omitempty"`
	SecurityContact                string          `json:"security_contact,omitempty"`
	SBOMHBOMMaintained             *BOMFlags       `json:"sbom_hbom_maintained,omitempty"`
	SBOMHBOMAvailable              *BOMFlags       `json:"sbom_hbom_available,omitempty"`
	Created                        string          `json:"created"`
	Modified                       string          `json:"modified"`
}

// VersionNumbers fills the schema's required but undefined version_and_model_numbers.
type VersionNumbers struct {
	Model           string `json:"model"`
	HardwareVersion string `json:"hardware_version,omitempty"`
	FirmwareVersion string `json:"firmware_version,omitempty"`
}

// NameContact is a CTA-2120 authorized_by / tested_by entry.
type NameContact struct {
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
}

// TextURL is the CTA-2120 urlType: a text, a URL, or both.
type TextURL struct {
	Text string `json:"text,omitempty"`
	URL  string `json:"url,omitempty"`
}

// AccessControl is the CTA-2120 access_control object as its authors meant it
// (the published $if/$then are not keywords; see docs/DOSSIER.md).
type AccessControl struct {
	PasswordFactoryDefault string   `json:"password_factory_default,omitempty"`
	PasswordOptions        []string `json:"password_options,omitempty"`
	PasswordType           string   `json:"password_type,omitempty"`
	UserChangeable         *bool    `json:"user_changeable,omitempty"`
	PasswordChange         *TextURL `json:"password_change,omitempty"`
}

// UpdateInfo is the CTA-2120 security_update_information object.
type UpdateInfo struct {
	UpdateDefault string   `json:"update_default"`
	UpdateOptions []string `json:"update_options,omitempty"`
}

// Sensor is one CTA-2120 sensor_data_collection entry.
type Sensor struct {
	Sensing     string `json:"sensing"`
	Has         bool   `json:"has"`
	Description string `json:"description,omitempty"`
}

// BOMFlags is the CTA-2120 sbom_hbom_maintained object.
type BOMFlags struct {
	SBOM bool `json:"sbom_maintained"`
	HBOM bool `json:"hbom_maintained"`
}

// JSON returns the CTA-2120 document, indented.
func (l *Label) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(l.Data, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Document returns the label data as a readable document with its gaps.
func (l *Label) Document() *Document { return l.doc }

// BuildLabel maps a dossier to CTA-2120 label data.
func BuildLabel(d *dossier.Dossier, opts Options) (*Label, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	b := newDoc(d, "us-cyber-trust-mark-label", "US Cyber Trust Mark label data (CTA-2120 shape)", "CTA-2120 USCTM registry and label data definitions, schema 1.0.0")
	b.doc.Notes = append(b.doc.Notes, "The machine-readable form is us-cyber-trust-mark-label.cta-2120.json; deviations from the published schema are listed in docs/DOSSIER.md.")
	l := &Label{doc: b.doc}
	c := &l.Data
	c.SchemaVersion = CTA2120Version
	c.Created = now.UTC().Format(time.RFC3339)
	c.Modified = c.Created
	u := d.USLabel
	b.section("Layer 1 (label)")
	c.ProductName = b.str("product_name", d.Product.Name, "")
	c.ProductModel = b.str("product_model", d.Product.Model, "")
	c.ManufacturerName = b.str("manufacturer_name", d.Manufacturer.Name, "")
	c.ProductManufacturer = c.ManufacturerName
	c.QRCodeURL = b.str("QR_code_url", saneURL(u.RegistryURL), "registry URL for the QR code missing or not an http(s) URL of 15+ characters (usLabel.registryURL)")
	b.section("Layer 2 (registry)")
	c.VersionAndModelNumbers = &VersionNumbers{Model: d.Product.Model, HardwareVersion: d.Product.HardwareVersion, FirmwareVersion: d.Product.FirmwareVersion}
	b.cta("version_and_model_numbers", join(", ", "model "+d.Product.Model, hardware(d), firmware(d)), "")
	c.AuthorizationDate = b.str("authorization_date", date(u.AuthorizationDate), "authorisation date missing (usLabel.authorizationDate)")
	if u.CLA != nil {
		c.AuthorizedBy = &NameContact{Name: u.CLA.Name, Contact: join(", ", u.CLA.Email, u.CLA.Phone)}
	}
	b.cta("authorized_by", party(u.CLA), "CLA missing (usLabel.cla)")
	if u.CyberLab != "" {
		c.TestedBy = &NameContact{Name: u.CyberLab}
	}
	b.cta("tested_by", u.CyberLab, "testing laboratory missing (usLabel.cyberLab)")
	c.AccessControl = b.accessControl(d.Authentication)
	c.SecuringThisProduct = b.textURL("securing_this_product", d.UserInformation.SecureSetup, "secure configuration information missing (userInformation.secureSetup)")
	c.SecurityUpdateInformation = b.updates(d.Updates)
	c.SupportDate = b.str("support_date", date(d.SupportPeriod.End), "support end date missing (supportPeriod.end)")
	c.SensorDataCollection = b.sensors(d.Data)
	c.DeleteData = b.textURL("delete_data", d.Data.Deletion.Instructions, "data deletion instructions missing (data.deletion.instructions)")
	c.AccountDeactivation = b.textURL("account_deactivation", accountDeactivation(d), "account deactivation information missing (data.deletion.cloudDeletion, data.deletion.instructions)")
	c.EncryptionAndKeyManagement = b.textURL("encryption_and_key_management", encryptionText(d.Cryptography), "encryption and key management information missing (cryptography)")
	c.GeneralUserInformation = b.textURL("general_user_information", d.UserInformation.Instructions, "general user information missing (userInformation.instructions)")
	c.SecurityContact = b.str("security_contact", securityContact(d.VulnerabilityHandling.Contact), "security contact missing or not an email address or http(s) URL (vulnerabilityHandling.contact)")
	if d.SBOM != nil || d.HBOM != nil {
		c.SBOMHBOMMaintained = &BOMFlags{SBOM: d.SBOM != nil, HBOM: d.HBOM != nil}
	}
	b.cta("sbom_hbom_maintained", bomMaintained(d), "whether an SBOM or HBOM is maintained is not stated (sbom, hbom)")
	// Available is a separate fact from maintained: only sbom.available and
	// hbom.available say it.
	if avail, text := bomAvailable(d); text != "" {
		c.SBOMHBOMAvailable = avail
		b.cta("sbom_hbom_available", text, "")
	} else {
		b.cta("sbom_hbom_available", "", "whether the SBOM and HBOM are made available is not stated (sbom.available, hbom.available)")
	}
	l.Gaps = b.doc.Gaps
	l.Missing = missingRequired(c)
	if len(l.Missing) > 0 {
		b.doc.Draft = true
		b.doc.Notes = append(b.doc.Notes, "DRAFT: the CTA-2120 data fails its schema: required field(s) "+strings.Join(l.Missing, ", ")+" are missing, so it is written as "+LabelDraftFile+" with its gaps, not as "+LabelFile+".")
	}
	return l, nil
}

// ctaRequired are the required properties of the CTA-2120 USCTM schema
// 1.0.0 (usctm-schema-1-0-0.json "required"; a test holds the list to the
// staged schema).
var ctaRequired = []string{"schema_version", "QR_code_url", "sensor_data_collection", "product_name", "manufacturer_name",
	"authorization_date", "authorized_by", "tested_by", "access_control", "securing_this_product", "security_update_information",
	"support_date", "version_and_model_numbers", "delete_data", "account_deactivation", "encryption_and_key_management",
	"general_user_information", "security_contact", "created", "sbom_hbom_available", "modified"}

// missingRequired lists the schema's required fields the label data lacks.
func missingRequired(c *CTALabel) []string {
	b, err := json.Marshal(c)
	if err != nil {
		return []string{"(label data not encodable)"}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return []string{"(label data not decodable)"}
	}
	var out []string
	for _, k := range ctaRequired {
		if _, ok := m[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// bomAvailable reads sbom.available and hbom.available; "" when neither is stated.
func bomAvailable(d *dossier.Dossier) (*BOMFlags, string) {
	av := func(r *dossier.BOMRef) (bool, bool) {
		if r == nil || r.Available == nil {
			return false, false
		}
		return *r.Available, true
	}
	s, sok := av(d.SBOM)
	h, hok := av(d.HBOM)
	if !sok && !hok {
		return nil, ""
	}
	return &BOMFlags{SBOM: s, HBOM: h}, fmt.Sprintf("SBOM available: %s; HBOM available: %s", yesNo(&s, "yes", "no"), yesNo(&h, "yes", "no"))
}

// ctaLabels are readable names of the CTA-2120 fields.
var ctaLabels = map[string]string{
	"product_name":                  "Product name",
	"product_model":                 "Product model",
	"manufacturer_name":             "Manufacturer",
	"QR_code_url":                   "URL in the QR code (registry page)",
	"version_and_model_numbers":     "Model and versions",
	"authorization_date":            "Date of authorisation",
	"authorized_by":                 "Authorised by (CLA)",
	"tested_by":                     "Tested by (CyberLAB)",
	"access_control":                "Access control",
	"password_change":               "How to change the password",
	"securing_this_product":         "Securing this product",
	"security_update_information":   "Security updates (default)",
	"support_date":                  "Support end date",
	"sensor_data_collection":        "Sensor data collection",
	"delete_data":                   "Deleting your data",
	"account_deactivation":          "Account deactivation",
	"encryption_and_key_management": "Encryption and key management",
	"general_user_information":      "General user information",
	"security_contact":              "Security contact",
	"sbom_hbom_maintained":          "SBOM / HBOM maintained",
	"sbom_hbom_available":           "SBOM / HBOM available",
}

// cta records a CTA-2120 field under its key and readable name.
func (b *builder) cta(key, value, missing string) {
	b.field(key, ctaLabel(key), value, missing)
}

func ctaLabel(key string) string {
	if l, ok := ctaLabels[key]; ok {
		return l
	}
	return key
}

func hardware(d *dossier.Dossier) string {
	if d.Product.HardwareVersion == "" {
		return ""
	}
	return "hardware " + d.Product.HardwareVersion
}

// str records a scalar field and returns the value to store.
func (b *builder) str(name, value, missing string) string {
	b.cta(name, value, missing)
	return strings.TrimSpace(value)
}

// textURL records a urlType field: a URL goes to url, anything else to text.
func (b *builder) textURL(name, value, missing string) *TextURL {
	b.cta(name, value, missing)
	switch value = strings.TrimSpace(value); {
	case value == "":
		return nil
	case saneURL(value) != "":
		return &TextURL{URL: value}
	default:
		return &TextURL{Text: value}
	}
}

// saneURL returns s when it satisfies the schema's saneUrl (http(s), 15..2048 chars).
func saneURL(s string) string {
	if isURL(s) && len(s) >= 15 && len(s) <= 2048 {
		return s
	}
	return ""
}

func securityContact(s string) string {
	if saneURL(s) != "" || (strings.Count(s, "@") == 1 && !strings.ContainsAny(s, " /")) {
		return s
	}
	return ""
}

func (b *builder) accessControl(a dossier.Authentication) *AccessControl {
	opts := a.AccessControl
	if len(opts) == 0 {
		switch a.DefaultPassword {
		case "unique-per-device", "user-set-at-setup", "universal":
			opts = []string{"password"}
		}
		if isTrue(a.MultiFactor) {
			opts = append(opts, "MFA")
		}
	}
	ac := &AccessControl{PasswordOptions: opts}
	if len(opts) > 0 {
		ac.PasswordFactoryDefault = opts[0]
	}
	b.cta("access_control", list(opts), "access-control categories missing (authentication.accessControl)")
	switch a.DefaultPassword {
	case "unique-per-device", "universal":
		ac.PasswordType = "factory_default"
	case "user-set-at-setup":
		ac.PasswordType = "user_generated"
	}
	if ac.PasswordType == "factory_default" && a.PasswordChange != "" {
		t := true
		ac.UserChangeable = &t
	}
	ac.PasswordChange = b.textURL("password_change", a.PasswordChange, "")
	if len(opts) == 0 && ac.PasswordChange == nil {
		return nil
	}
	return ac
}

// updates maps the dossier's update facts to CTA-2120 update_default.
func (b *builder) updates(u dossier.Updates) *UpdateInfo {
	def := ""
	switch {
	case u.Mechanism == "none":
		def = "No updates"
	case u.Automatic == nil:
	case *u.Automatic && isTrue(u.OptOut):
		def = "Automatic - may opt out"
	case *u.Automatic:
		def = "Automatic - may not opt out"
	default:
		def = "Manual"
	}
	b.cta("security_update_information", def, "update behaviour not stated (updates.automatic, updates.optOut)")
	if def == "" {
		return nil
	}
	info := &UpdateInfo{UpdateDefault: def, UpdateOptions: []string{def}}
	if def == "Automatic - may opt out" {
		info.UpdateOptions = append(info.UpdateOptions, "Manual")
	}
	return info
}

// sensors reports CTA-2120's three sensing kinds; the dossier's sensors are matched by keyword.
func (b *builder) sensors(d dossier.Data) []Sensor {
	if d.Sensors == nil {
		b.cta("sensor_data_collection", "", "sensors not stated (data.sensors; an empty list means none)")
		return nil
	}
	kinds := []struct{ sensing, keys string }{
		{"audio", "microphone audio sound"},
		{"images", "camera image video"},
		{"position", "gps position location gnss"},
	}
	var out []Sensor
	var desc []string
	for _, k := range kinds {
		s := Sensor{Sensing: k.sensing}
		for _, name := range d.Sensors {
			for _, key := range strings.Fields(k.keys) {
				if strings.Contains(strings.ToLower(name), key) {
					s.Has, s.Description = true, name
				}
			}
		}
		out = append(out, s)
		desc = append(desc, k.sensing+": "+yesNo(&s.Has, "yes", "no"))
	}
	b.cta("sensor_data_collection", list(desc), "")
	return out
}

// accountDeactivation fills account_deactivation only from what the
// dossier states about deleting data at the associated services; nothing
// is written when it does not say.
func accountDeactivation(d *dossier.Dossier) string {
	if !isTrue(d.Data.Deletion.CloudDeletion) || d.Data.Deletion.Instructions == "" {
		return ""
	}
	return d.Data.Deletion.Instructions
}

func encryptionText(c dossier.Cryptography) string {
	var parts []string
	if len(c.Protocols) > 0 {
		parts = append(parts, "Protocols: "+strings.Join(c.Protocols, ", ")+".")
	}
	if s := yesNo(c.EncryptionInTransit, "Sensitive data is encrypted in transit.", "Not all sensitive data is encrypted in transit."); s != "" {
		parts = append(parts, s)
	}
	if s := yesNo(c.EncryptionAtRest, "Sensitive data is encrypted at rest.", "Stored data is not encrypted."); s != "" {
		parts = append(parts, s)
	}
	if c.KeyStorage != "" {
		parts = append(parts, "Keys: "+c.KeyStorage+".")
	}
	return strings.Join(parts, " ")
}
