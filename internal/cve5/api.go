package cve5

import "errors"

// errNotImplemented is returned until the implementation lands.
var errNotImplemented = errors.New("cve5: not implemented yet")

// Parse reads one CVE JSON 5.x record. A record that fails the format
// (wrong types, missing cveMetadata, a range without versionType, a bound
// that does not parse in its versionType) is an error naming the record id
// and the field.
func Parse(data []byte) (*Record, error) { return nil, errNotImplemented }

// ParseNVD reads an NVD CVE API 2.0 response (or a single vulnerability
// object) into records with one KindNVD container each.
func ParseNVD(data []byte) ([]*Record, error) { return nil, errNotImplemented }

// Compare orders two versions under a versionType: -1, 0 or +1, or an error
// when either does not parse in it or the versionType is unknown.
func Compare(versionType, a, b string) (int, error) { return 0, errNotImplemented }

// Status is the record format's version-status algorithm for one affected
// entry: ok is false when none of its version items can be compared with v
// (for example git-only ranges against a numbered release), which is no
// answer rather than the defaultStatus.
func (p *Product) Status(v string) (status string, ok bool) { return StatusUnknown, false }

// Decide returns the status of version v for the products of r that
// selected accepts: the CNA's definite status (affected or unaffected)
// decides; ADP containers fill in where it gives none.
func (r *Record) Decide(selected func(*Product) bool, v string) Decision {
	return Decision{Status: StatusUnknown}
}
