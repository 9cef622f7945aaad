package dossier

// The dossier model. Every struct field carries its YAML/JSON name (lowerCamel),
// and the validator in validate.go reads three extra tags:
//
//	required:"true"   the field must be present (and not empty)
//	enum:"a|b|c"      a string field must hold one of these values
//	doc:"..."         a one-line description, also used for docs/dossier.schema.json
//
// Facts that a manufacturer may not have answered yet are pointers (*bool) or
// empty strings, so that "not stated" (unknown) and "no" stay distinct.

// Dossier is the one description of a connected product that every regime's
// assessment and every generated document starts from.
type Dossier struct {
	SchemaVersion         string                `yaml:"schemaVersion,omitempty" json:"schemaVersion,omitempty" enum:"1" doc:"Version of the dossier format; \"1\" (the default when absent)."`
	Product               Product               `yaml:"product" json:"product" required:"true" doc:"Identity and intended purpose of the product."`
	Manufacturer          Manufacturer          `yaml:"manufacturer" json:"manufacturer" required:"true" doc:"Who places the product on the market, with address and contact."`
	Category              Category              `yaml:"category" json:"category" required:"true" doc:"CRA product class (Annex III/IV) or default."`
	Market                Market                `yaml:"market,omitempty" json:"market,omitempty" doc:"When units are placed on the EU market (which rules apply; the support period per unit, CRA Art. 13(8), 69, 71)."`
	SupportPeriod         SupportPeriod         `yaml:"supportPeriod,omitempty" json:"supportPeriod,omitempty" doc:"Security support period (CRA Art. 13(8), 13(19); FCC REG-9)."`
	Updates               Updates               `yaml:"updates,omitempty" json:"updates,omitempty" doc:"Software update mechanism (CRA I.2.c, II.7; EN 303 645 5.3; NIST IR 8425 5)."`
	Interfaces            Interfaces            `yaml:"interfaces,omitempty" json:"interfaces,omitempty" doc:"Network services, radios and physical/debug ports (attack surface)."`
	Authentication        Authentication        `yaml:"authentication,omitempty" json:"authentication,omitempty" doc:"Default-password policy, brute-force protection, password change."`
	Cryptography          Cryptography          `yaml:"cryptography,omitempty" json:"cryptography,omitempty" doc:"Algorithms and protocols in use, or a CBOM reference."`
	Data                  Data                  `yaml:"data,omitempty" json:"data,omitempty" doc:"Personal data, sensors, telemetry, retention and deletion."`
	Logging               Logging               `yaml:"logging,omitempty" json:"logging,omitempty" doc:"Security logging and monitoring (CRA I.2.l; NIST IR 8425 6)."`
	VulnerabilityHandling VulnerabilityHandling `yaml:"vulnerabilityHandling,omitempty" json:"vulnerabilityHandling,omitempty" doc:"Coordinated vulnerability disclosure and advisories (CRA Annex I Part II)."`
	SBOM                  *BOMRef               `yaml:"sbom,omitempty" json:"sbom,omitempty" doc:"Software bill of materials of the firmware."`
	HBOM                  *BOMRef               `yaml:"hbom,omitempty" json:"hbom,omitempty" doc:"Hardware bill of materials, if one is maintained (FCC REG-10)."`
	UserInformation       UserInformation       `yaml:"userInformation,omitempty" json:"userInformation,omitempty" doc:"Where the CRA Annex II user information and instructions are published."`
	Conformity            Conformity            `yaml:"conformity,omitempty" json:"conformity,omitempty" doc:"Facts for the EU declaration of conformity (Annex V)."`
	USLabel               USLabel               `yaml:"usLabel,omitempty" json:"usLabel,omitempty" doc:"US Cyber Trust Mark registry facts (FCC REG-3..5, REG-11)."`
	FCCDeclarations       FCCDeclarations       `yaml:"fccDeclarations,omitempty" json:"fccDeclarations,omitempty" doc:"The applicant declarations of 47 CFR 8.208(c)."`
	Evidence              []Evidence            `yaml:"evidence,omitempty" json:"evidence,omitempty" doc:"Documents that demonstrate requirements, each pinned by SHA-256."`
	NotApplicable         []NotApplicable       `yaml:"notApplicable,omitempty" json:"notApplicable,omitempty" doc:"Requirements claimed not to apply, each with its justification."`

	// File is the path the dossier was loaded from ("" when parsed from bytes
	// without a name); BaseDir is its folder, against which evidence paths resolve.
	File    string `yaml:"-" json:"-"`
	BaseDir string `yaml:"-" json:"-"`
	// SHA256 is the hex SHA-256 of the bytes the dossier was parsed from,
	// recorded in the assessment's inputs.
	SHA256 string `yaml:"-" json:"-"`
}

// Product identifies the product and says what it is for (CRA Annex II.3-5, Annex V.1, V.4; FCC REG-1).
type Product struct {
	Name               string       `yaml:"name" json:"name" required:"true" doc:"Commercial product name."`
	Brand              string       `yaml:"brand,omitempty" json:"brand,omitempty" doc:"Brand or trademark the product is sold under."`
	Model              string       `yaml:"model" json:"model" required:"true" doc:"Model designation as printed on the product (EN 303 645 5.3-16)."`
	Type               string       `yaml:"type,omitempty" json:"type,omitempty" doc:"Kind of product, e.g. \"smart plug\", \"indoor security camera\"."`
	HardwareVersion    string       `yaml:"hardwareVersion,omitempty" json:"hardwareVersion,omitempty" doc:"Hardware revision."`
	FirmwareVersion    string       `yaml:"firmwareVersion,omitempty" json:"firmwareVersion,omitempty" doc:"Firmware version the assessment covers."`
	Identifiers        []Identifier `yaml:"identifiers,omitempty" json:"identifiers,omitempty" doc:"Unique identifiers: serial number scheme, GTIN, FCC ID, batch (CRA Art. 13(15))."`
	IntendedPurpose    string       `yaml:"intendedPurpose,omitempty" json:"intendedPurpose,omitempty" doc:"Intended purpose (CRA Annex II.4)."`
	UseEnvironment     string       `yaml:"useEnvironment,omitempty" json:"useEnvironment,omitempty" doc:"Intended use environment and the security environment it assumes."`
	EssentialFunctions []string     `yaml:"essentialFunctions,omitempty" json:"essentialFunctions,omitempty" doc:"Essential functionalities that must stay available (CRA I.2.h)."`
	SecurityProperties []string     `yaml:"securityProperties,omitempty" json:"securityProperties,omitempty" doc:"Main security properties claimed (CRA Annex II.4)."`
	ForeseeableMisuse  []string     `yaml:"foreseeableMisuse,omitempty" json:"foreseeableMisuse,omitempty" doc:"Known or foreseeable circumstances leading to significant cyber risk (CRA Annex II.5)."`
	Photo              string       `yaml:"photo,omitempty" json:"photo,omitempty" doc:"Path or URL of a product photo (CRA Annex V.4, where appropriate)."`
	Website            string       `yaml:"website,omitempty" json:"website,omitempty" doc:"Product web page."`
	OperatingSystem    string       `yaml:"operatingSystem,omitempty" json:"operatingSystem,omitempty" enum:"linux|rtos|zephyr|freertos|android|windows|macos|ios|other" doc:"Operating system of the firmware, for matching firmware advisories: linux, rtos (another RTOS), zephyr, freertos, android, windows, macos, ios or other."`
	AI                 *AIUse       `yaml:"ai,omitempty" json:"ai,omitempty" doc:"Whether the product is or contains a high-risk AI system under the AI Act (Regulation (EU) 2024/1689), for the CRA Art. 12 link."`
}

// AIUse says whether the product is a high-risk AI system under the AI Act
// (Regulation (EU) 2024/1689). The terms follow the AI Act (Art. 6: a safety
// component of a product under Annex I legislation, or a use listed in
// Annex III); they are not in the project's regulatory fact sheet [U].
type AIUse struct {
	HighRisk *bool `yaml:"highRisk,omitempty" json:"highRisk,omitempty" doc:"The product is, or its AI component makes it, a high-risk AI system under AI Act Art. 6."`
	// Basis is why it is high-risk: an Annex III use, or a safety component
	// of a product covered by the Union legislation listed in AI Act Annex I.
	Basis string `yaml:"basis,omitempty" json:"basis,omitempty" enum:"annex-iii|annex-i-safety-component" doc:"Why it is high-risk (AI Act Art. 6): annex-iii (a use listed in Annex III) or annex-i-safety-component (Art. 6(1))."`
	// AnnexIIIUse is the Annex III area the use falls under.
	AnnexIIIUse string `yaml:"annexIIIUse,omitempty" json:"annexIIIUse,omitempty" enum:"biometrics|critical-infrastructure|education|employment|essential-services|law-enforcement|migration-border-control|justice-democratic-processes" doc:"The AI Act Annex III area of the use (points 1-8): biometrics, critical-infrastructure, education, employment, essential-services, law-enforcement, migration-border-control or justice-democratic-processes."`
	// Description says what the AI does in the product.
	Description string `yaml:"description,omitempty" json:"description,omitempty" doc:"What the AI system does in the product, e.g. \"face recognition for door unlocking\"."`
}

// Market says when units of the product are placed on the EU market.
type Market struct {
	FirstPlaced *Date `yaml:"firstPlaced,omitempty" json:"firstPlaced,omitempty" doc:"Date the first unit was (or will be) placed on the EU market, YYYY-MM-DD."`
	LastPlaced  *Date `yaml:"lastPlaced,omitempty" json:"lastPlaced,omitempty" doc:"Date the last unit is (planned to be) placed on the EU market; absent while units are still being placed."`
	// SubstantiallyModified is the date of a substantial modification after which the CRA applies to units placed before 11 December 2027 (Art. 69(2)).
	SubstantiallyModified *Date `yaml:"substantiallyModified,omitempty" json:"substantiallyModified,omitempty" doc:"Date of a substantial modification made after 11 Dec 2027 to a product placed on the market before it (CRA Art. 69(2))."`
}

// Identifier is one unique identifier of the product.
type Identifier struct {
	Type  string `yaml:"type" json:"type" required:"true" enum:"serial|batch|gtin|fcc-id|mac-prefix|model-number|other" doc:"Kind of identifier."`
	Value string `yaml:"value" json:"value" required:"true" doc:"The identifier or its scheme, e.g. \"SP2-YYWW-NNNNNN\"."`
}

// Address is a postal address.
type Address struct {
	Street     string `yaml:"street,omitempty" json:"street,omitempty" doc:"Street and number."`
	PostalCode string `yaml:"postalCode,omitempty" json:"postalCode,omitempty" doc:"Postal code."`
	City       string `yaml:"city,omitempty" json:"city,omitempty" doc:"City."`
	Region     string `yaml:"region,omitempty" json:"region,omitempty" doc:"State or region."`
	Country    string `yaml:"country,omitempty" json:"country,omitempty" doc:"Country (ISO 3166-1 alpha-2 code or name)."`
}

// Party is a person or organisation with an address and contact.
type Party struct {
	Name    string   `yaml:"name" json:"name" required:"true" doc:"Name."`
	Address *Address `yaml:"address,omitempty" json:"address,omitempty" doc:"Postal address."`
	Email   string   `yaml:"email,omitempty" json:"email,omitempty" doc:"Email address."`
	Phone   string   `yaml:"phone,omitempty" json:"phone,omitempty" doc:"Telephone number."`
}

// Manufacturer is who places the product on the market (CRA Annex II.1, V.2; FCC REG-2).
type Manufacturer struct {
	Name                     string   `yaml:"name" json:"name" required:"true" doc:"Registered name of the manufacturer."`
	Trademark                string   `yaml:"trademark,omitempty" json:"trademark,omitempty" doc:"Registered trade name or trademark, if different."`
	Address                  *Address `yaml:"address,omitempty" json:"address,omitempty" doc:"Postal address (CRA Annex II.1)."`
	Email                    string   `yaml:"email,omitempty" json:"email,omitempty" doc:"Email address or other digital contact."`
	Phone                    string   `yaml:"phone,omitempty" json:"phone,omitempty" doc:"Telephone number."`
	Website                  string   `yaml:"website,omitempty" json:"website,omitempty" doc:"Website."`
	AuthorisedRepresentative *Party   `yaml:"authorisedRepresentative,omitempty" json:"authorisedRepresentative,omitempty" doc:"EU authorised representative, if any (CRA Art. 18)."`
}

// Category is the product's CRA class.
type Category struct {
	Class       string `yaml:"class" json:"class" required:"true" enum:"default|important-class-I|important-class-II|critical" doc:"CRA class: default, important class I/II (Annex III) or critical (Annex IV)."`
	Item        int    `yaml:"item,omitempty" json:"item,omitempty" doc:"Item number in Annex III (class I 1-19, class II 1-4) or Annex IV (1-3)."`
	Description string `yaml:"description,omitempty" json:"description,omitempty" doc:"Why the product falls in this class (core functionality)."`
}

// SupportPeriod is the period during which vulnerabilities are handled (CRA Art. 13(8)).
type SupportPeriod struct {
	Start               *Date  `yaml:"start,omitempty" json:"start,omitempty" doc:"First day of support (usually placing on the market), YYYY-MM-DD."`
	End                 *Date  `yaml:"end,omitempty" json:"end,omitempty" doc:"Last day of support, YYYY-MM-DD."`
	ExpectedUseYears    int    `yaml:"expectedUseYears,omitempty" json:"expectedUseYears,omitempty" doc:"Time the product is expected to be in use, in years."`
	Rationale           string `yaml:"rationale,omitempty" json:"rationale,omitempty" doc:"How the period was set; required by CRA Art. 13(8) when it is under 5 years."`
	EndOfSupportNotice  *bool  `yaml:"endOfSupportNotice,omitempty" json:"endOfSupportNotice,omitempty" doc:"Users are notified when support ends (CRA Art. 13(19))."`
	DisclosedAtPurchase *bool  `yaml:"disclosedAtPurchase,omitempty" json:"disclosedAtPurchase,omitempty" doc:"The end date is shown at the time of purchase (CRA Art. 13(19); EN 303 645 5.3-13)."`
}

// Updates describes the software update mechanism.
type Updates struct {
	Mechanism               string `yaml:"mechanism,omitempty" json:"mechanism,omitempty" enum:"ota|app|local|none" doc:"How updates reach the device: over the air, through an app, locally (file/USB) or not at all."`
	Signed                  *bool  `yaml:"signed,omitempty" json:"signed,omitempty" doc:"Updates are signed and the device verifies the signature before installing."`
	SignatureAlgorithm      string `yaml:"signatureAlgorithm,omitempty" json:"signatureAlgorithm,omitempty" doc:"Update signature algorithm, e.g. \"ECDSA P-256\"."`
	SecureBoot              *bool  `yaml:"secureBoot,omitempty" json:"secureBoot,omitempty" doc:"The boot chain verifies the software it starts (EN 303 645 5.7-1)."`
	RollbackProtection      *bool  `yaml:"rollbackProtection,omitempty" json:"rollbackProtection,omitempty" doc:"Older, vulnerable versions cannot be reinstalled."`
	Automatic               *bool  `yaml:"automatic,omitempty" json:"automatic,omitempty" doc:"Security updates install automatically by default."`
	OptOut                  *bool  `yaml:"optOut,omitempty" json:"optOut,omitempty" doc:"Users can turn automatic updates off with a clear, easy opt-out."`
	Notification            *bool  `yaml:"notification,omitempty" json:"notification,omitempty" doc:"Users are told when an update is available."`
	Postpone                *bool  `yaml:"postpone,omitempty" json:"postpone,omitempty" doc:"Users can postpone an update temporarily."`
	SeparateSecurityUpdates *bool  `yaml:"separateSecurityUpdates,omitempty" json:"separateSecurityUpdates,omitempty" doc:"Security updates ship separately from feature updates where feasible (CRA II.2)."`
	FreeOfCharge            *bool  `yaml:"freeOfCharge,omitempty" json:"freeOfCharge,omitempty" doc:"Security updates are free of charge (CRA II.8)."`
	CheckInterval           string `yaml:"checkInterval,omitempty" json:"checkInterval,omitempty" doc:"How often the device checks for updates, e.g. \"24h\"."`
	Instructions            string `yaml:"instructions,omitempty" json:"instructions,omitempty" doc:"How users get and install updates (URL or text; CRA Annex II.8.c; FCC REG-8)."`
}

// Interfaces lists the product's attack surface.
type Interfaces struct {
	Network  []NetworkService `yaml:"network,omitempty" json:"network,omitempty" doc:"Listening network services."`
	Radios   []Radio          `yaml:"radios,omitempty" json:"radios,omitempty" doc:"Radio interfaces."`
	Physical []PhysicalPort   `yaml:"physical,omitempty" json:"physical,omitempty" doc:"Physical and debug ports."`
}

// NetworkService is one listening port.
type NetworkService struct {
	Port             int    `yaml:"port" json:"port" required:"true" doc:"Port number."`
	Protocol         string `yaml:"protocol" json:"protocol" required:"true" enum:"tcp|udp" doc:"Transport protocol."`
	Service          string `yaml:"service,omitempty" json:"service,omitempty" doc:"Service or application protocol, e.g. \"https\", \"rtsp\", \"ssh\"."`
	Exposure         string `yaml:"exposure,omitempty" json:"exposure,omitempty" enum:"local|lan|wan" doc:"Where it is reachable: the device only, the local network, or the internet."`
	Authenticated    *bool  `yaml:"authenticated,omitempty" json:"authenticated,omitempty" doc:"Access requires authentication."`
	Encrypted        *bool  `yaml:"encrypted,omitempty" json:"encrypted,omitempty" doc:"Traffic is encrypted."`
	EnabledByDefault *bool  `yaml:"enabledByDefault,omitempty" json:"enabledByDefault,omitempty" doc:"On in the factory configuration."`
	Purpose          string `yaml:"purpose,omitempty" json:"purpose,omitempty" doc:"Why the service exists."`
}

// Radio is one radio interface.
type Radio struct {
	Type     string `yaml:"type" json:"type" required:"true" enum:"wifi|bluetooth|ble|zigbee|thread|z-wave|lte|nfc|sub-ghz|other" doc:"Radio technology."`
	Standard string `yaml:"standard,omitempty" json:"standard,omitempty" doc:"Standard or band, e.g. \"802.11ax 2.4/5 GHz\"."`
	Purpose  string `yaml:"purpose,omitempty" json:"purpose,omitempty" doc:"What it is used for."`
	Security string `yaml:"security,omitempty" json:"security,omitempty" doc:"Link security, e.g. \"WPA3-SAE\"."`
}

// PhysicalPort is one physical or debug port.
type PhysicalPort struct {
	Name    string `yaml:"name" json:"name" required:"true" doc:"Port name, e.g. \"UART\", \"JTAG\", \"USB-C\"."`
	Kind    string `yaml:"kind,omitempty" json:"kind,omitempty" enum:"user|debug|service" doc:"User-facing, debug or service port."`
	State   string `yaml:"state" json:"state" required:"true" enum:"enabled|disabled|authenticated|fused|removed" doc:"State in production units."`
	Purpose string `yaml:"purpose,omitempty" json:"purpose,omitempty" doc:"What it is used for."`
}

// Authentication describes how users and services authenticate.
type Authentication struct {
	DefaultPassword      string   `yaml:"defaultPassword,omitempty" json:"defaultPassword,omitempty" enum:"none|unique-per-device|user-set-at-setup|universal" doc:"Factory password policy: no password-based login, a unique password per device, one the user sets at setup, or one password shared by all devices."`
	Methods              []string `yaml:"methods,omitempty" json:"methods,omitempty" doc:"Authentication methods, e.g. \"password\", \"app pairing\", \"push button\"."`
	BruteForceProtection *bool    `yaml:"bruteForceProtection,omitempty" json:"bruteForceProtection,omitempty" doc:"Brute-force attacks over the network are made impracticable (EN 303 645 5.1-5)."`
	BruteForceMeasure    string   `yaml:"bruteForceMeasure,omitempty" json:"bruteForceMeasure,omitempty" doc:"How, e.g. \"exponential back-off after 5 failures\"."`
	PasswordChange       string   `yaml:"passwordChange,omitempty" json:"passwordChange,omitempty" doc:"How users change the password (FCC REG-6), or why it cannot be changed."`
	MultiFactor          *bool    `yaml:"multiFactor,omitempty" json:"multiFactor,omitempty" doc:"Multi-factor authentication is offered."`
	AccessControl        []string `yaml:"accessControl,omitempty" json:"accessControl,omitempty" enum:"password|biometric|passkey|MFA|no_control|multi_account|single_account|optional_account|no_account" doc:"Access-control categories for the US Cyber Trust Mark label (CTA-2120 password_options vocabulary); the first is the factory default."`
	PasswordOptional     *bool    `yaml:"passwordOptional,omitempty" json:"passwordOptional,omitempty" doc:"The user may choose not to set or use a password (or another authentication mechanism); EN 18031 then gives no presumption of conformity for authentication (OJ restriction)."`
	PasswordStorage      string   `yaml:"passwordStorage,omitempty" json:"passwordStorage,omitempty" doc:"How credentials are stored, e.g. \"Argon2id\"."`
}

// Cryptography describes cryptography in use.
type Cryptography struct {
	Algorithms          []Algorithm `yaml:"algorithms,omitempty" json:"algorithms,omitempty" doc:"Algorithms in use."`
	Protocols           []string    `yaml:"protocols,omitempty" json:"protocols,omitempty" doc:"Security protocols, e.g. \"TLS 1.3\", \"WPA3\"."`
	CBOM                *BOMRef     `yaml:"cbom,omitempty" json:"cbom,omitempty" doc:"CycloneDX CBOM listing the cryptographic assets, instead of or besides the list."`
	KeyStorage          string      `yaml:"keyStorage,omitempty" json:"keyStorage,omitempty" doc:"Where keys and security parameters are kept, e.g. \"secure element\"."`
	UniqueDeviceKeys    *bool       `yaml:"uniqueDeviceKeys,omitempty" json:"uniqueDeviceKeys,omitempty" doc:"Device credentials and keys are unique per device (EN 303 645 5.4-4)."`
	HardCodedSecrets    *bool       `yaml:"hardCodedSecrets,omitempty" json:"hardCodedSecrets,omitempty" doc:"Critical security parameters are hard-coded in the software (should be false; EN 303 645 5.4-3)."`
	EncryptionAtRest    *bool       `yaml:"encryptionAtRest,omitempty" json:"encryptionAtRest,omitempty" doc:"Sensitive stored data is encrypted."`
	EncryptionInTransit *bool       `yaml:"encryptionInTransit,omitempty" json:"encryptionInTransit,omitempty" doc:"All network traffic carrying sensitive data is encrypted."`
}

// Algorithm is one cryptographic algorithm and its use.
type Algorithm struct {
	Name    string `yaml:"name" json:"name" required:"true" doc:"Algorithm, e.g. \"AES-128-GCM\", \"ECDSA P-256\"."`
	Purpose string `yaml:"purpose,omitempty" json:"purpose,omitempty" doc:"What it protects."`
}

// Data describes personal data, sensors and telemetry.
type Data struct {
	PersonalData  *bool     `yaml:"personalData,omitempty" json:"personalData,omitempty" doc:"The product processes personal data."`
	Categories    []string  `yaml:"categories,omitempty" json:"categories,omitempty" doc:"Categories of personal data, e.g. \"video\", \"account email\"."`
	Sensors       []string  `yaml:"sensors,omitempty" json:"sensors,omitempty" doc:"External sensing capabilities (EN 303 645 5.8-3)."`
	Telemetry     Telemetry `yaml:"telemetry,omitempty" json:"telemetry,omitempty" doc:"Telemetry sent to the manufacturer."`
	Retention     string    `yaml:"retention,omitempty" json:"retention,omitempty" doc:"How long data is kept."`
	ThirdParties  []string  `yaml:"thirdParties,omitempty" json:"thirdParties,omitempty" doc:"Third parties that receive data."`
	PrivacyPolicy string    `yaml:"privacyPolicy,omitempty" json:"privacyPolicy,omitempty" doc:"URL of the privacy notice (EN 303 645 6-1)."`
	Deletion      Deletion  `yaml:"deletion,omitempty" json:"deletion,omitempty" doc:"Deletion of user data and factory reset (CRA I.2.m; EN 303 645 5.11)."`
}

// Telemetry describes data sent home.
type Telemetry struct {
	Collected *bool    `yaml:"collected,omitempty" json:"collected,omitempty" doc:"Telemetry is collected."`
	Fields    []string `yaml:"fields,omitempty" json:"fields,omitempty" doc:"What is collected."`
	Purpose   string   `yaml:"purpose,omitempty" json:"purpose,omitempty" doc:"Why it is collected."`
	OptOut    *bool    `yaml:"optOut,omitempty" json:"optOut,omitempty" doc:"Users can turn telemetry off."`
	Monitored *bool    `yaml:"monitored,omitempty" json:"monitored,omitempty" doc:"Telemetry is examined for security anomalies (EN 303 645 5.10-1)."`
}

// Deletion describes how users erase their data.
type Deletion struct {
	FactoryReset  *bool  `yaml:"factoryReset,omitempty" json:"factoryReset,omitempty" doc:"A factory reset erases all user data and settings on the device."`
	CloudDeletion *bool  `yaml:"cloudDeletion,omitempty" json:"cloudDeletion,omitempty" doc:"Users can delete their data from associated services."`
	Confirmation  *bool  `yaml:"confirmation,omitempty" json:"confirmation,omitempty" doc:"Users get a confirmation that the data was deleted."`
	Instructions  string `yaml:"instructions,omitempty" json:"instructions,omitempty" doc:"Deletion and decommissioning instructions (URL or text; CRA Annex II.8.d)."`
}

// Logging describes security logging and monitoring.
type Logging struct {
	SecurityEvents *bool    `yaml:"securityEvents,omitempty" json:"securityEvents,omitempty" doc:"Security-relevant events are recorded."`
	Events         []string `yaml:"events,omitempty" json:"events,omitempty" doc:"Which events, e.g. \"login failure\", \"configuration change\"."`
	Storage        string   `yaml:"storage,omitempty" json:"storage,omitempty" doc:"Where logs are kept and for how long."`
	UserOptOut     *bool    `yaml:"userOptOut,omitempty" json:"userOptOut,omitempty" doc:"Users can opt out of logging (CRA I.2.l)."`
	Monitoring     string   `yaml:"monitoring,omitempty" json:"monitoring,omitempty" doc:"How the manufacturer monitors for incidents."`
}

// VulnerabilityHandling describes the manufacturer's vulnerability process.
type VulnerabilityHandling struct {
	DisclosurePolicy   string `yaml:"disclosurePolicy,omitempty" json:"disclosurePolicy,omitempty" doc:"URL of the public coordinated vulnerability disclosure policy (CRA II.5; EN 303 645 5.2-1)."`
	Contact            string `yaml:"contact,omitempty" json:"contact,omitempty" doc:"Single point of contact for vulnerability reports: email or URL (CRA II.6, Annex II.2)."`
	SecurityTxt        string `yaml:"securityTxt,omitempty" json:"securityTxt,omitempty" doc:"URL of the RFC 9116 security.txt."`
	CSAFProvider       string `yaml:"csafProvider,omitempty" json:"csafProvider,omitempty" doc:"URL of the CSAF provider-metadata.json."`
	Advisories         string `yaml:"advisories,omitempty" json:"advisories,omitempty" doc:"URL where fixed vulnerabilities are published (CRA II.4)."`
	UpdateDistribution string `yaml:"updateDistribution,omitempty" json:"updateDistribution,omitempty" doc:"How security updates are distributed (CRA II.7)."`
	Monitoring         string `yaml:"monitoring,omitempty" json:"monitoring,omitempty" doc:"How components are monitored for new vulnerabilities (EN 303 645 5.2-3)."`
	FixTargetDays      int    `yaml:"fixTargetDays,omitempty" json:"fixTargetDays,omitempty" doc:"Target time from report to fix for critical vulnerabilities, in days."`
	SecurityTesting    string `yaml:"securityTesting,omitempty" json:"securityTesting,omitempty" doc:"Regular security tests and reviews (CRA II.3)."`
}

// BOMRef points at a bill of materials.
type BOMRef struct {
	Path      string `yaml:"path,omitempty" json:"path,omitempty" doc:"Path relative to the dossier."`
	URL       string `yaml:"url,omitempty" json:"url,omitempty" doc:"Where it can be fetched."`
	SHA256    string `yaml:"sha256,omitempty" json:"sha256,omitempty" pattern:"^[0-9a-fA-F]{64}$" doc:"SHA-256 of the file (64 hex digits); checked when path is given."`
	Format    string `yaml:"format,omitempty" json:"format,omitempty" doc:"Format, e.g. \"CycloneDX 1.6 JSON\"."`
	Available *bool  `yaml:"available,omitempty" json:"available,omitempty" doc:"Made available to users (CRA Annex II.9) or maintained (FCC REG-10)."`
}

// UserInformation says where the CRA Annex II information is published.
type UserInformation struct {
	Instructions      string   `yaml:"instructions,omitempty" json:"instructions,omitempty" doc:"URL of the user instructions (CRA Annex II.8)."`
	SecureSetup       string   `yaml:"secureSetup,omitempty" json:"secureSetup,omitempty" doc:"Secure commissioning and use (Annex II.8.a; FCC REG-7)."`
	ChangesEffect     string   `yaml:"changesEffect,omitempty" json:"changesEffect,omitempty" doc:"How changes to the product affect data security (Annex II.8.b)."`
	DisableAutoUpdate string   `yaml:"disableAutoUpdate,omitempty" json:"disableAutoUpdate,omitempty" doc:"How to turn off automatic security updates (Annex II.8.e)."`
	IntegratorInfo    string   `yaml:"integratorInfo,omitempty" json:"integratorInfo,omitempty" doc:"Information for integrators (Annex II.8.f)."`
	SupportType       string   `yaml:"supportType,omitempty" json:"supportType,omitempty" doc:"Type of technical security support offered (Annex II.7)."`
	Languages         []string `yaml:"languages,omitempty" json:"languages,omitempty" doc:"Languages the information is available in."`
}

// Conformity holds facts for the EU declaration of conformity.
type Conformity struct {
	Module                string        `yaml:"module,omitempty" json:"module,omitempty" enum:"A|B+C|H|EUCC" doc:"Conformity-assessment procedure chosen (CRA Art. 32): A internal control, B+C, H full quality assurance, or EUCC (European cybersecurity certification)."`
	Standards             []Standard    `yaml:"standards,omitempty" json:"standards,omitempty" doc:"Standards, common specifications or certification schemes applied, each saying whether it is harmonised (cited in the OJ) and applied in full (CRA Art. 32(2); Annex V.6, VII.5)."`
	FOSS                  *FOSS         `yaml:"foss,omitempty" json:"foss,omitempty" doc:"The product is free and open-source software with public technical documentation (CRA Art. 32(5))."`
	OtherLegislation      []string      `yaml:"otherLegislation,omitempty" json:"otherLegislation,omitempty" doc:"Other Union harmonisation legislation declared, e.g. \"Directive 2014/53/EU\" (Annex V.5)."`
	NotifiedBody          *NotifiedBody `yaml:"notifiedBody,omitempty" json:"notifiedBody,omitempty" doc:"Notified body involved (Annex V.7)."`
	Signatory             *Signatory    `yaml:"signatory,omitempty" json:"signatory,omitempty" doc:"Who signs the declaration (Annex V.8)."`
	Place                 string        `yaml:"place,omitempty" json:"place,omitempty" doc:"Place of issue."`
	Date                  *Date         `yaml:"date,omitempty" json:"date,omitempty" doc:"Date of issue."`
	DeclarationURL        string        `yaml:"declarationURL,omitempty" json:"declarationURL,omitempty" doc:"Where the full EU declaration of conformity is published (Annex II.6, Annex VI)."`
	AdditionalInformation string        `yaml:"additionalInformation,omitempty" json:"additionalInformation,omitempty" doc:"Additional information for the declaration of conformity (Annex V.8)."`
}

// Standard is one standard, common specification or certification scheme applied.
type Standard struct {
	Reference   string `yaml:"reference" json:"reference" required:"true" doc:"Reference with edition, e.g. \"EN 18031-1:2024\", \"ETSI EN 303 645 V2.1.1 (2020-06)\"."`
	Harmonised  *bool  `yaml:"harmonised,omitempty" json:"harmonised,omitempty" doc:"The manufacturer claims it is a harmonised standard whose reference is cited in the OJ for the act concerned; dualmark checks the claim against its OJ table."`
	Applied     string `yaml:"applied,omitempty" json:"applied,omitempty" enum:"full|partial" doc:"Applied in full or in part (CRA Art. 32(2), Annex VII.5: which parts)."`
	Parts       string `yaml:"parts,omitempty" json:"parts,omitempty" doc:"Which parts were applied, when applied in part."`
	OJReference string `yaml:"ojReference,omitempty" json:"ojReference,omitempty" doc:"OJ reference of the citation, e.g. \"OJ L, 2025/138, 30.1.2025\"."`
	Act         string `yaml:"act,omitempty" json:"act,omitempty" enum:"cra|red-da" doc:"The Union act it is applied for: cra (Regulation (EU) 2024/2847) or red-da (Directive 2014/53/EU with Delegated Regulation (EU) 2022/30)."`
}

// FOSS describes free and open-source software placed on the market.
type FOSS struct {
	DocumentationURL string `yaml:"documentationURL" json:"documentationURL" required:"true" doc:"Where the technical documentation is public (CRA Art. 32(5))."`
	Licence          string `yaml:"licence,omitempty" json:"licence,omitempty" doc:"Free and open-source licence, e.g. \"Apache-2.0\"."`
}

// NotifiedBody is a conformity-assessment body.
type NotifiedBody struct {
	Name        string `yaml:"name" json:"name" required:"true" doc:"Name."`
	Number      string `yaml:"number,omitempty" json:"number,omitempty" doc:"Four-digit NANDO identification number."`
	Procedure   string `yaml:"procedure,omitempty" json:"procedure,omitempty" doc:"What it did."`
	Certificate string `yaml:"certificate,omitempty" json:"certificate,omitempty" doc:"Certificate reference."`
}

// Signatory signs for the manufacturer.
type Signatory struct {
	Name     string `yaml:"name" json:"name" required:"true" doc:"Name."`
	Function string `yaml:"function,omitempty" json:"function,omitempty" doc:"Function or title."`
}

// USLabel holds US Cyber Trust Mark registry facts.
type USLabel struct {
	FCCID             string            `yaml:"fccID,omitempty" json:"fccID,omitempty" doc:"FCC equipment authorisation ID."`
	CyberLab          string            `yaml:"cyberLab,omitempty" json:"cyberLab,omitempty" doc:"Testing laboratory (FCC REG-5)."`
	CLA               *Party            `yaml:"cla,omitempty" json:"cla,omitempty" doc:"Cybersecurity Label Administrator that authorised the label (FCC REG-4)."`
	AuthorizationDate *Date             `yaml:"authorizationDate,omitempty" json:"authorizationDate,omitempty" doc:"Date the label was authorised (FCC REG-3)."`
	Status            string            `yaml:"status,omitempty" json:"status,omitempty" enum:"not-applied|pending|authorized|withdrawn" doc:"Label status (FCC REG-3)."`
	RegistryURL       string            `yaml:"registryURL,omitempty" json:"registryURL,omitempty" doc:"Registry page the QR code points to."`
	ExtraFields       map[string]string `yaml:"extraFields,omitempty" json:"extraFields,omitempty" doc:"Further registry fields (FCC REG-11), by name."`
}

// FCCDeclarations are the applicant declarations of 47 CFR 8.208(c), made under penalty of perjury.
type FCCDeclarations struct {
	MeetsRequirements   *bool  `yaml:"meetsRequirements,omitempty" json:"meetsRequirements,omitempty" doc:"The product meets all requirements of the programme."`
	NotCoveredList      *bool  `yaml:"notCoveredList,omitempty" json:"notCoveredList,omitempty" doc:"§8.208(c)(2): the applicant is not identified on the Covered List as producing covered communications equipment."`
	NotProhibitedEntity *bool  `yaml:"notProhibitedEntity,omitempty" json:"notProhibitedEntity,omitempty" doc:"§8.208(c)(4): not produced by an entity, its affiliates or subsidiaries on the Commerce Entity List or the DoD 1260H list."`
	NoCoveredEquipment  *bool  `yaml:"noCoveredEquipment,omitempty" json:"noCoveredEquipment,omitempty" doc:"§8.208(c)(3): the product is not comprised of covered equipment on the Covered List."`
	NotDebarred         *bool  `yaml:"notDebarred,omitempty" json:"notDebarred,omitempty" doc:"§8.208(c)(5): not owned, controlled by or affiliated with anyone suspended or debarred from federal procurement or financial awards (GSA SAM)."`
	StatementsTrue      *bool  `yaml:"statementsTrue,omitempty" json:"statementsTrue,omitempty" doc:"§8.208(d): a written, signed declaration that all statements in the application are true and correct."`
	ReasonablySecure    *bool  `yaml:"reasonablySecure,omitempty" json:"reasonablySecure,omitempty" doc:"§8.208(f): the product is reasonably secure and will be updated through the minimum support period, whose end date is disclosed."`
	NotProhibited       *bool  `yaml:"notProhibited,omitempty" json:"notProhibited,omitempty" doc:"§8.208(g): the product is not prohibited under §8.204."`
	AgentAttestation    *bool  `yaml:"agentAttestation,omitempty" json:"agentAttestation,omitempty" doc:"§8.208(i)(1): the written attestation signed by the applicant and its US agent for service of process."`
	RecordsKept         *bool  `yaml:"recordsKept,omitempty" json:"recordsKept,omitempty" doc:"§8.215: design and changes, production inspection and testing, and test results are kept for 2 years after marketing ends."`
	SecurableProduct    *bool  `yaml:"securableProduct,omitempty" json:"securableProduct,omitempty" doc:"Took every reasonable measure to create a securable product."`
	FixUntilSupportEnd  *bool  `yaml:"fixUntilSupportEnd,omitempty" json:"fixUntilSupportEnd,omitempty" doc:"Will identify critical vulnerabilities and promptly issue fixes until the support end date."`
	NoDisclaimer        *bool  `yaml:"noDisclaimer,omitempty" json:"noDisclaimer,omitempty" doc:"Will not disclaim these commitments."`
	USAgent             *Party `yaml:"usAgent,omitempty" json:"usAgent,omitempty" doc:"§8.208(i): US agent for service of process (physical US address and email)."`
}

// Evidence is one document that demonstrates requirements.
type Evidence struct {
	Title         string   `yaml:"title,omitempty" json:"title,omitempty" doc:"Document title."`
	Kind          string   `yaml:"kind,omitempty" json:"kind,omitempty" enum:"test-report|risk-assessment|design-document|policy|user-manual|certificate|sbom|scan-result|document|other" doc:"Kind of document."`
	Path          string   `yaml:"path,omitempty" json:"path,omitempty" doc:"Path relative to the dossier; one of path and url is required."`
	URL           string   `yaml:"url,omitempty" json:"url,omitempty" doc:"URL of the document; one of path and url is required."`
	SHA256        string   `yaml:"sha256,omitempty" json:"sha256,omitempty" pattern:"^[0-9a-fA-F]{64}$" doc:"SHA-256 of the document (64 hex digits); required with path and checked against the file."`
	Issuer        string   `yaml:"issuer" json:"issuer" required:"true" doc:"Who issued the document (a lab, the manufacturer)."`
	Producer      string   `yaml:"producer,omitempty" json:"producer,omitempty" enum:"manufacturer|accredited-lab|notified-body" doc:"Who produced the evidence: the manufacturer, an accredited lab (give accreditation) or a notified body (give nandoNumber); absent = the manufacturer."`
	Accreditation string   `yaml:"accreditation,omitempty" json:"accreditation,omitempty" doc:"The lab's accreditation, e.g. \"ISO/IEC 17025, DAkkS D-PL-12345\" or \"FCC-recognised CyberLAB\"."`
	NANDONumber   string   `yaml:"nandoNumber,omitempty" json:"nandoNumber,omitempty" pattern:"^[0-9]{4}$" doc:"Four-digit NANDO number of the notified body that produced it."`
	Date          *Date    `yaml:"date" json:"date" required:"true" doc:"Date of the document, YYYY-MM-DD."`
	Demonstrates  []string `yaml:"demonstrates" json:"demonstrates" required:"true" doc:"Requirement IDs the document claims to demonstrate, e.g. \"EN303645-5.1-1\"."`
}

// NotApplicable is a justified claim that a requirement does not apply.
type NotApplicable struct {
	Requirement   string `yaml:"requirement" json:"requirement" required:"true" doc:"Requirement ID."`
	Justification string `yaml:"justification" json:"justification" required:"true" doc:"Why it does not apply (CRA Art. 13(4); EN 303 645 4-1)."`
}

// String renders the standard as one line: reference, then how it was
// applied and its OJ reference when stated.
func (s Standard) String() string {
	out := s.Reference
	if s.Applied != "" {
		out += " (applied in " + s.Applied
		if s.Parts != "" {
			out += ": " + s.Parts
		}
		out += ")"
	}
	if s.OJReference != "" {
		out += ", " + s.OJReference
	}
	return out
}

// StandardRefs renders every standard applied, one line each.
func (c Conformity) StandardRefs() []string {
	out := make([]string, 0, len(c.Standards))
	for _, s := range c.Standards {
		out = append(out, s.String())
	}
	return out
}
