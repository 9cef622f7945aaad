package csaf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Revise makes a, a freshly generated document, the next revision of prev,
// the one published before under the same tracking ID: a keeps prev's
// tracking ID and initial release date, its version is prev's plus one
// (integer versioning) and its revision history prev's with one entry
// (summary) added, so that mandatory tests 6.1.14 (sorted revision
// history) and 6.1.16 (latest document version) hold. It reports false,
// leaving a alone, when a says nothing prev does not: the documents are
// equal but for their tracking and generator. prev nil means a is the
// first revision, which it already is.
func Revise(a, prev *Advisory, summary string) (bool, error) {
	if prev == nil {
		return true, nil
	}
	same, err := SameContent(a, prev)
	if err != nil || same {
		return false, err
	}
	n, err := strconv.Atoi(prev.Document.Tracking.Version)
	if err != nil || n < 1 {
		return false, fmt.Errorf("document %s: /document/tracking/version %q is not integer versioning", prev.Document.Tracking.ID, prev.Document.Tracking.Version)
	}
	cur := a.Document.Tracking.CurrentReleaseDate
	if pt, err1 := time.Parse(time.RFC3339, prev.Document.Tracking.CurrentReleaseDate); err1 == nil {
		if ct, err2 := time.Parse(time.RFC3339, cur); err2 == nil && !ct.After(pt) {
			cur = pt.Add(time.Second).UTC().Format(time.RFC3339) // a revision is later than the one it revises
		}
	}
	t := &a.Document.Tracking
	t.ID = prev.Document.Tracking.ID
	t.InitialReleaseDate = prev.Document.Tracking.InitialReleaseDate
	t.CurrentReleaseDate = cur
	t.Version = strconv.Itoa(n + 1)
	t.RevisionHistory = append(append([]Revision(nil), prev.Document.Tracking.RevisionHistory...), Revision{Date: cur, Number: t.Version, Summary: summary})
	if t.Generator != nil {
		t.Generator.Date = cur
	}
	return true, nil
}

// SameContent reports whether two documents are equal but for their
// tracking (ID, dates, version, revision history, generator).
func SameContent(a, b *Advisory) (bool, error) {
	strip := func(x *Advisory) ([]byte, error) {
		c := *x
		c.Document.Tracking = Tracking{}
		return json.Marshal(&c)
	}
	ja, err := strip(a)
	if err != nil {
		return false, err
	}
	jb, err := strip(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ja, jb), nil
}
