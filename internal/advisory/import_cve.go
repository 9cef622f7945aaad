package advisory

import (
	"bytes"
	"errors"
	"strings"

	"github.com/dualmark/dualmark/internal/cve5"
)

// isCVE5 reports whether a JSON object is (or claims to be) a CVE JSON 5
// record.
func isCVE5(data []byte) bool {
	return bytes.Contains(data, []byte(`"cveMetadata"`)) || bytes.Contains(data, []byte(`"CVE_RECORD"`))
}

// addCVE parses and adds one CVE JSON 5 record; im.src is its source. A
// record that fails the format is an Issue with its id and the field.
func (im *Importer) addCVE(data []byte, name string, line int) {
	c, err := cve5.Parse(data)
	if err != nil {
		im.issue(cveIssue(err, name, line))
		return
	}
	im.addCVERecord(c)
}

// addCVERecord adds a parsed CVE record to the current source.
func (im *Importer) addCVERecord(c *cve5.Record) {
	r := FromCVE(c)
	im.AddRecord(r)
	im.progress.Records++
	im.src.Records++
	if r.Withdrawn != nil {
		im.src.Withdrawn++
	}
	if t := newestRecordDate(r); t.After(im.src.Newest) {
		im.src.Newest = t.UTC()
	}
}

// cveIssue turns a cve5 error into an Issue: the id, then the field path
// and reason.
func cveIssue(err error, name string, line int) Issue {
	var pe *cve5.Error
	if errors.As(err, &pe) {
		reason := pe.Reason
		if pe.Path != "" {
			reason = pe.Path + ": " + reason
		}
		if strings.HasPrefix(pe.Reason, cve5.ErrNotRecord.Error()) {
			reason += ": skipped"
		}
		return Issue{File: name, Line: line, ID: pe.ID, Reason: reason}
	}
	return Issue{File: name, Line: line, Reason: err.Error()}
}

// addNVD imports an NVD CVE API 2.0 response: each vulnerability that
// reads becomes a record; each that does not, an Issue.
func (im *Importer) addNVD(data []byte, name string) {
	prev := im.src
	im.src = im.source(name, KindNVD)
	defer func() { im.src = prev }()
	recs, err := cve5.ParseNVD(data)
	for _, e := range unjoin(err) {
		im.issue(cveIssue(e, name, 0))
	}
	for _, c := range recs {
		im.addCVERecord(c)
	}
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
