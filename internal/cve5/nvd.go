package cve5

import "errors"

// ParseNVD reads an NVD CVE API 2.0 response (or a single vulnerability
// object) into records with one KindNVD container each.
func ParseNVD(data []byte) ([]*Record, error) {
	return nil, errors.New("cve5: NVD reader not implemented yet")
}
