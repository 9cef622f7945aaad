// Package cve5 reads vulnerability records in the CVE JSON 5.x record format
// (the CVE List's own format) and the NVD CVE API 2.0 JSON, reduces them to
// one model, and implements the record format's version-status algorithm
// with a version ordering per versionType (semver, custom, rpm, maven,
// python, git).
//
// It depends only on cpe (and osv-scalibr's version orderings): the
// advisory importer stores its Records and the matcher asks them which
// status a component version has.
package cve5

import "time"

// Container kinds.
const (
	KindCNA = "cna"
	KindADP = "adp"
	// KindNVD marks the configurations of an NVD CVE API 2.0 document.
	KindNVD = "nvd"
)

// Statuses of a version, as the record format names them, plus Unknown.
const (
	StatusAffected   = "affected"
	StatusUnaffected = "unaffected"
	StatusUnknown    = "unknown"
)

// Record is one CVE record reduced to what matching and reporting need.
type Record struct {
	ID            string    `json:"id"`
	State         string    `json:"state"` // PUBLISHED or REJECTED
	Assigner      string    `json:"assigner,omitempty"`
	DatePublished time.Time `json:"datePublished,omitzero"`
	DateUpdated   time.Time `json:"dateUpdated,omitzero"`
	Title         string    `json:"title,omitempty"`
	Description   string    `json:"description,omitempty"`
	References    []string  `json:"references,omitempty"`
	// Containers are the CNA container first, then each ADP container in
	// record order (or one KindNVD container for an NVD document).
	Containers []Container `json:"containers"`
	// Warnings are the version items Parse kept although a bound does not
	// parse in their versionType (they answer nothing). They are not
	// stored in the advisory database.
	Warnings []Error `json:"-"`
}

// Container is the CNA's or one ADP's contribution to a record.
type Container struct {
	Kind string `json:"kind"` // KindCNA, KindADP or KindNVD
	// Provider is the provider's short name ("Linux", "openssl", "CISA-ADP").
	Provider string    `json:"provider,omitempty"`
	Affected []Product `json:"affected,omitempty"`
	Metrics  []Metric  `json:"metrics,omitempty"`
	SSVC     *SSVC     `json:"ssvc,omitempty"`
	CWEs     []string  `json:"cwes,omitempty"`
}

// Product is one entry of a container's affected list.
type Product struct {
	Vendor        string    `json:"vendor,omitempty"`
	Product       string    `json:"product,omitempty"`
	CollectionURL string    `json:"collectionURL,omitempty"`
	PackageName   string    `json:"packageName,omitempty"`
	Repo          string    `json:"repo,omitempty"`
	CPEs          []string  `json:"cpes,omitempty"`
	Platforms     []string  `json:"platforms,omitempty"`
	DefaultStatus string    `json:"defaultStatus,omitempty"`
	Versions      []Version `json:"versions,omitempty"`
}

// Version is one version or version range of a product.
type Version struct {
	Version         string   `json:"version"`
	Status          string   `json:"status"`
	VersionType     string   `json:"versionType,omitempty"`
	LessThan        string   `json:"lessThan,omitempty"`
	LessThanOrEqual string   `json:"lessThanOrEqual,omitempty"`
	Changes         []Change `json:"changes,omitempty"`
}

// Change is a status change within a range, at a version.
type Change struct {
	At     string `json:"at"`
	Status string `json:"status"`
}

// MetricOther is the Version of a Metric that is no CVSS score but the
// container's qualitative severity word from metrics[].other (OpenSSL's
// "High", Red Hat's "Important"): Severity holds the word, lower case, and
// Vector and Score are empty.
const MetricOther = "other"

// Metric is one CVSS score of a container, or its qualitative severity
// (Version MetricOther).
type Metric struct {
	Version string  `json:"version"` // "2.0", "3.0", "3.1", "4.0" or MetricOther
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
	// Severity is the container's base severity word, lower case.
	Severity string `json:"severity,omitempty"`
}

// SSVC holds the CISA ADP's SSVC decision points.
type SSVC struct {
	Exploitation    string `json:"exploitation,omitempty"` // none, poc, active
	Automatable     string `json:"automatable,omitempty"`
	TechnicalImpact string `json:"technicalImpact,omitempty"`
}

// Decision is the status of one version of a product in a record, and which
// container decided it.
type Decision struct {
	Status string // StatusAffected, StatusUnaffected or StatusUnknown
	// Container is the Kind of the container that decided ("" for Unknown).
	Container string
	// Provider is that container's provider short name.
	Provider string
	// Product is the affected entry that decided (nil for Unknown).
	Product *Product
	// Fixed lists the lowest unaffected versions above the queried one that
	// the deciding entry names (lessThan bounds and unaffected changes).
	Fixed []string
}
