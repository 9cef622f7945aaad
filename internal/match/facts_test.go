package match

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
)

// TestFactsRoundTrip: a record's facts decode to its id, aliases and
// summary and the enrichment encoded, and damaged facts (cut short, or
// with bytes after them) are errors, never a partial answer.
func TestFactsRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		rec  advisory.Record
		en   recordEnrichment
	}{
		{"bare", advisory.Record{ID: "GHSA-xxxx-yyyy-zzzz"}, recordEnrichment{sev: Score{Level: SeverityUnknown}, sevSource: SourceNone}},
		{"everything", advisory.Record{ID: "GO-2021-0001", Aliases: []string{"CVE-2021-1", "GHSA-a"}, Summary: "a summary ü"},
			recordEnrichment{sev: Score{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8, Level: SeverityCritical},
				sevSource: "GO-2021-0001 CVSS 3.1", exploitation: "active", desktop: "windows",
				kev: &KEVInfo{DateAdded: "2021-12-10", KnownRansomware: true}, epss: &EPSS{Score: 0.97, Percentile: 0.999}}},
		{"kev without epss", advisory.Record{ID: "CVE-2020-2", Aliases: []string{}}, recordEnrichment{sev: Score{Level: SeverityHigh}, kev: &KEVInfo{}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := encodeFacts(&c.rec, c.en)
			r, en, err := decodeFacts(string(b))
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != c.rec.ID || r.Summary != c.rec.Summary || len(r.Aliases) != len(c.rec.Aliases) || (len(r.Aliases) > 0 && !reflect.DeepEqual(r.Aliases, c.rec.Aliases)) {
				t.Errorf("record %+v, want %+v", r, c.rec)
			}
			if !reflect.DeepEqual(*en, c.en) {
				t.Errorf("enrichment %+v, want %+v", *en, c.en)
			}
			for _, bad := range []string{string(b[:len(b)-1]), string(b) + "\x00"} {
				if _, _, err := decodeFacts(bad); !errors.Is(err, errCompiled) {
					t.Errorf("damaged facts (%d of %d bytes): %v", len(bad), len(b), err)
				}
			}
		})
	}
}
