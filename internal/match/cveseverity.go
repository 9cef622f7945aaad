package match

import (
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
)

// SourceNone is the SeveritySource of a finding no record gives a severity.
const SourceNone = "none"

// CVESeverity is the severity of a CVE record and where it comes from: the
// CNA's CVSS (highest base score among its metrics) when it gives one,
// else the first ADP container's CVSS in record order, else the CNA's (then
// an ADP's) severity word. The source reads "CVE-2024-5535 adp CISA-ADP
// CVSS:3.1" or "CVE-2024-5535 cna openssl word"; SourceNone when the record
// gives nothing.
func CVESeverity(r *cve5.Record) (Score, string) {
	for i := range r.Containers {
		c := &r.Containers[i]
		best := Score{Score: -1}
		for _, mt := range c.Metrics {
			sc, ok := CVSSScore(mt.Vector)
			if !ok || mt.Vector == "" {
				if mt.Score <= 0 {
					continue
				}
				sc = mt.Score
			}
			if sc > best.Score {
				best = Score{Vector: mt.Vector, Score: sc, Level: LevelForScore(sc)}
			}
		}
		if best.Score >= 0 {
			return best, containerSource(r.ID, c) + " " + cvssLabel(best.Vector)
		}
	}
	for i := range r.Containers {
		c := &r.Containers[i]
		for _, mt := range c.Metrics {
			if l := levelWord(mt.Severity); l != "" {
				return Score{Level: l}, containerSource(r.ID, c) + " word"
			}
		}
	}
	return Score{Level: SeverityUnknown}, SourceNone
}

func containerSource(id string, c *cve5.Container) string {
	s := id + " " + c.Kind
	if c.Provider != "" {
		s += " " + c.Provider
	}
	return s
}

// cvssLabel names a vector's CVSS version ("CVSS:3.1", "CVSS:2.0").
func cvssLabel(vector string) string {
	if v, _, ok := strings.Cut(vector, "/"); ok && strings.HasPrefix(v, "CVSS:") {
		return v
	}
	if vector == "" {
		return "CVSS score"
	}
	return "CVSS:2.0"
}

// osvSeveritySource says where RecordSeverity found an OSV record's level.
func osvSeveritySource(r *advisory.Record, sev Score) string {
	switch {
	case sev.Vector != "":
		return r.ID + " " + cvssLabel(sev.Vector)
	case sev.Level != SeverityUnknown:
		return r.ID + " word"
	}
	return SourceNone
}

// cveExploitation is the SSVC Exploitation decision of a record: the most
// severe any container gives (active > poc > none).
func cveExploitation(r *cve5.Record) string {
	best := ""
	for i := range r.Containers {
		if s := r.Containers[i].SSVC; s != nil {
			best = worseExploitation(best, s.Exploitation)
		}
	}
	return best
}

// worseExploitation returns the more severe of two SSVC Exploitation
// values (active > poc > none > "").
func worseExploitation(a, b string) string {
	rank := map[string]int{"none": 1, "poc": 2, "active": 3}
	b = strings.ToLower(strings.TrimSpace(b))
	if b == "public poc" {
		b = "poc"
	}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// cveDesktopOnly reports the desktop platform a CVE record limits the
// vulnerability to, if it does: at least one affected entry (of any
// container) limits it to that platform, and no entry states another
// platform. Entries that state no platform (most ADP CPE entries) do not
// widen it.
func cveDesktopOnly(r *cve5.Record) string {
	found := ""
	for i := range r.Containers {
		for j := range r.Containers[i].Affected {
			p := &r.Containers[i].Affected[j]
			os, ok := desktopOnly(p)
			switch {
			case ok && (found == "" || os == found):
				found = os
			case ok || statesPlatform(p):
				return ""
			}
		}
	}
	return found
}

// statesPlatform reports whether an entry names an operating system among
// its platforms or CPE target_sw.
func statesPlatform(p *cve5.Product) bool {
	for _, pl := range p.Platforms {
		if NormalizePlatform(pl) != "" {
			return true
		}
	}
	for _, s := range p.CPEs {
		if ts := cpeTargetSW(s); ts != "" && ts != "*" && ts != "-" {
			return true
		}
	}
	return false
}

// aliasEnrichment fills in what the other CVE records of a record's id
// and aliases add: the severity when the record gives none, the SSVC
// exploitation and, for an OSV record, a desktop-only platform limit.
func (m *matcher) aliasEnrichment(r *advisory.Record, en *recordEnrichment) {
	look, ok := m.src.(IDLooker)
	if !ok {
		return
	}
	for _, id := range cveIDs(r) {
		recs, err := look.LookupID(id)
		if err != nil {
			continue
		}
		for _, cr := range recs {
			if cr.CVE == nil || cr == r {
				continue
			}
			if en.sev.Level == SeverityUnknown {
				if sev, src := CVESeverity(cr.CVE); sev.Level != SeverityUnknown {
					en.sev, en.sevSource = sev, src
				}
			}
			en.exploitation = worseExploitation(en.exploitation, cveExploitation(cr.CVE))
			if en.desktop == "" && r.CVE == nil {
				en.desktop = cveDesktopOnly(cr.CVE)
			}
		}
	}
}
