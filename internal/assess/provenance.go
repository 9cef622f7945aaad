package assess

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
)

// producerOf returns who produced an evidence document and how to name it
// in a reason. A lab without a stated accreditation, or a notified body
// without its NANDO number, counts as the manufacturer's own evidence:
// the claim cannot be checked.
func producerOf(ev dossier.Evidence) (producer, by string) {
	switch ev.Producer {
	case catalog.ProducerLab:
		if strings.TrimSpace(ev.Accreditation) != "" {
			return catalog.ProducerLab, "accredited lab: " + ev.Accreditation
		}
		return catalog.ProducerManufacturer, "said to be a lab, but no accreditation is stated: counted as the manufacturer's own evidence"
	case catalog.ProducerNotifiedBody:
		if ev.NANDONumber != "" {
			return catalog.ProducerNotifiedBody, "notified body " + ev.NANDONumber
		}
		return catalog.ProducerManufacturer, "said to be a notified body, but no NANDO number is stated: counted as the manufacturer's own evidence"
	case catalog.ProducerManufacturer:
		return catalog.ProducerManufacturer, "the manufacturer's own evidence"
	}
	return catalog.ProducerManufacturer, "producer not stated: counted as the manufacturer's own evidence"
}

// producers lists who produced the met decisions of a requirement.
func (s *state) producers() []string {
	var out []string
	for _, d := range s.decisions {
		if d.status == Met && d.producer != "" && !slices.Contains(out, d.producer) {
			out = append(out, d.producer)
		}
	}
	return out
}

// producedBy reports whether a met decision comes from one of want (any
// producer when want is empty).
func (s *state) producedBy(want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, p := range s.producers() {
		if slices.Contains(want, p) {
			return true
		}
	}
	return false
}

// fullReuseBy reports whether a full reuse rests on evidence from one of
// want (any producer when want is empty).
func (s *state) fullReuseBy(want []string) bool {
	for _, u := range s.reused {
		if u.Coverage != "full" {
			continue
		}
		if len(want) == 0 || slices.ContainsFunc(u.by, func(p string) bool { return slices.Contains(want, p) }) {
			return true
		}
	}
	return false
}

// producerNeed says what evidence a producer must give.
var producerNeed = map[string]string{
	catalog.ProducerLab:          "a test report from an accredited lab is needed (for the US Cyber Trust Mark: an FCC-recognised CyberLAB, 47 CFR §8.208(j), §8.220(f)(3))",
	catalog.ProducerNotifiedBody: "evidence from a notified body (with its NANDO number) is needed",
	catalog.ProducerManufacturer: "the manufacturer's own evidence is needed",
}

// awaiting marks a requirement that the manufacturer's evidence (direct
// or reused) prepares but that needs evidence from another producer.
func (e *evaluator) awaiting(st *state, r *RequirementResult) {
	want := st.req.Producers[0]
	r.Awaiting = want
	r.Next = "have it assessed: " + producerNeed[want]
	msg := "prepared but not settled: the evidence comes from the manufacturer; " + producerNeed[want]
	if !st.producedBy(nil) || len(st.producers()) == 0 {
		var from []string
		for _, u := range st.reused {
			if u.Coverage == "full" {
				from = append(from, u.From)
			}
		}
		msg = "prepared through the crosswalk from " + strings.Join(from, ", ") + ", but reuse never upgrades evidence: " + producerNeed[want]
	}
	r.Reasons = append([]string{msg}, r.Reasons...)
}

// classify files a deciding requirement under failing, open or waiting.
func classify(r RequirementResult, failing, open, waiting *[]string) {
	switch {
	case r.Status == NotMet:
		*failing = append(*failing, r.ID)
	case r.Status == Unknown && r.Awaiting != "":
		*waiting = append(*waiting, r.ID)
	case r.Status == Unknown:
		*open = append(*open, r.ID)
	}
}

// verdictOf turns the failing, open and waiting requirements of a regime
// into its verdict. The US Cyber Trust Mark is never "conforms" while the
// FCC has adopted no test standard: it is "ready-for-testing" or "tested".
func verdictOf(regime string, failing, open, waiting []string, deciding int) (string, string) {
	noStandard := ""
	if regime == RegimeUSCTM && !catalog.FCCTestStandardAdopted {
		noStandard = "; " + catalog.FCCTestStandardNote
	}
	switch {
	case len(failing) > 0:
		return DoesNotConform, fmt.Sprintf("%d deciding requirement(s) not met: %s", len(failing), listShort(failing))
	case len(open) > 0:
		return Incomplete, fmt.Sprintf("none fails, but %d deciding requirement(s) lack evidence: %s", len(open), listShort(open))
	case len(waiting) > 0:
		return ReadyForTesting, fmt.Sprintf("nothing fails or is missing on the manufacturer's side; %d requirement(s) await lab evidence: %s%s", len(waiting), listShort(waiting), noStandard)
	case deciding == 0:
		return Conforms, "nothing in force decides yet: the requirements in force are conditional and their condition is not shown to hold (for CRA Art. 14: once the manufacturer becomes aware of an actively exploited vulnerability or a severe incident)"
	case noStandard != "":
		return Tested, fmt.Sprintf("lab evidence covers all %d deciding requirements%s", deciding, noStandard)
	}
	return Conforms, fmt.Sprintf("all %d deciding requirements are met or justified as not applicable", deciding)
}

// regimeRules lists the timeline rules that concern an assessment regime.
func (t timeline) regimeRules(regime string) []string {
	var out []string
	for _, r := range t.rules {
		switch {
		case regime == RegimeCRA && strings.HasPrefix(r, "CRA"):
			out = append(out, r)
		case regime == RegimeREDDA && strings.HasPrefix(r, "RED"):
			out = append(out, r)
		}
	}
	if regime == RegimeUSCTM {
		out = append(out, "47 CFR Part 8 Subpart B (voluntary); "+catalog.FCCTestStandardNote)
	}
	if regime == RegimeEN303645 {
		out = append(out, "ETSI EN 303 645 V2.1.1 (a voluntary standard; not harmonised under the CRA or the RED)")
	}
	return out
}
