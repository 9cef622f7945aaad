package advisory

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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
	im.warnCVE(c, name, line)
}

// warnCVE records the version items a kept CVE record answers nothing
// with (cve5.Record.Warnings) as Warnings.
func (im *Importer) warnCVE(c *cve5.Record, name string, line int) {
	for i := range c.Warnings {
		im.Warnings = append(im.Warnings, cveIssue(&c.Warnings[i], name, line))
	}
}

// addCVERecord adds a parsed CVE record to the current source.
func (im *Importer) addCVERecord(c *cve5.Record) {
	r := FromCVE(c)
	im.addPrepared(r, newPending(r))
}

// preparedCVE is a CVE line parsed, converted and encoded by a worker.
type preparedCVE struct {
	r   *Record
	p   *pending
	err error
}

func prepareCVE(data []byte) *preparedCVE {
	c, err := cve5.Parse(data)
	if err != nil {
		return &preparedCVE{err: err}
	}
	r := FromCVE(c)
	return &preparedCVE{r: r, p: newPending(r)}
}

// lineJob is one non-empty line of a JSON lines file.
type lineJob struct {
	line int
	data []byte
	cve  *preparedCVE // set by flushLines for CVE records
}

// lineBatch is how many lines flushLines prepares at once.
const lineBatch = 512

// flushLines imports a batch of lines in order. The CVE records among them
// (the bulk of a CVE file's work: JSON decoding and encoding) are parsed on
// all CPUs first; everything that touches the Importer stays sequential,
// so results do not depend on the parallelism.
func (im *Importer) flushLines(jobs []lineJob, name string) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(jobs); i = int(next.Add(1)) - 1 {
				if isCVE5(jobs[i].data) {
					jobs[i].cve = prepareCVE(jobs[i].data)
				}
			}
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		switch {
		case j.cve == nil:
			im.addJSONRecord(j.data, name, j.line)
		case j.cve.err != nil:
			im.src = im.source(name, KindCVE5)
			im.issue(cveIssue(j.cve.err, name, j.line))
		default:
			im.src = im.source(name, KindCVE5)
			im.addPrepared(j.cve.r, j.cve.p)
			im.warnCVE(j.cve.r.CVE, name, j.line)
		}
	}
}

// addPrepared adds an encoded CVE record to the current source.
func (im *Importer) addPrepared(r *Record, p *pending) {
	im.addPending(recKey(r), p)
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
		if !im.tick(name) {
			return
		}
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
