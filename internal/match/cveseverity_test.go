package match

import (
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/cve5"
)

// TestCVESeverityOpenSSLWord: OpenSSL's CNA gives no CVSS, only its
// qualitative severity in metrics[].other; it is read as the CNA's
// severity, with the container as its source, when no container gives a
// CVSS score. Pinned on every staged OpenSSL record and on named ones of
// both staged files (OpenSSL's own, with "text", and vulnrichment's, with
// "value").
func TestCVESeverityOpenSSLWord(t *testing.T) {
	byID := map[string]*cve5.Record{}
	words, unknown, cvss := 0, 0, 0
	for _, r := range stagedCVERecords(t) {
		byID[r.ID] = r.CVE
		if !strings.EqualFold(r.CVE.Assigner, "openssl") && !strings.HasPrefix(r.CVE.Containers[0].Provider, "openssl") {
			continue
		}
		sev, src := CVESeverity(r.CVE)
		switch {
		case strings.HasSuffix(src, " word"):
			words++
			if !strings.Contains(src, " cna ") {
				t.Errorf("%s: severity word from %q, want the CNA", r.ID, src)
			}
		case sev.Level == SeverityUnknown:
			unknown++
		default:
			cvss++
		}
	}
	t.Logf("OpenSSL records: %d with the CNA's word, %d with CVSS, %d unknown", words, cvss, unknown)
	// measured: 197 words, 4 CVSS (CISA's ADP), 83 unknown (OpenSSL's
	// word "unknown", mostly for its oldest records)
	if words < 150 {
		t.Errorf("only %d OpenSSL records rated by the CNA's word", words)
	}
	for _, tt := range []struct{ id, level, source string }{
		{"CVE-2014-3513", SeverityHigh, "CVE-2014-3513 cna"},     // OpenSSL's file: {"text": "High"}
		{"CVE-2016-6309", SeverityCritical, "CVE-2016-6309 cna"}, // {"text": "Critical"}
		{"CVE-2014-3568", SeverityLow, "CVE-2014-3568 cna"},
		{"CVE-2002-0655", SeverityUnknown, SourceNone}, // {"text": "unknown"}
	} {
		r, ok := byID[tt.id]
		if !ok {
			t.Fatalf("%s is not staged", tt.id)
		}
		sev, src := CVESeverity(r)
		if sev.Level != tt.level || !strings.HasPrefix(src, tt.source) {
			t.Errorf("%s: %s from %q, want %s from %q…", tt.id, sev.Level, src, tt.level, tt.source)
		}
	}
}
