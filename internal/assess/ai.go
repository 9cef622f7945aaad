package assess

import (
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/aibom"
	"github.com/dualmark/dualmark/internal/dossier"
)

// idCRAComponents is the requirement the AI provenance notes attach to:
// CRA Annex I Part II (1), identify and document the components of the
// product (the SBOM). The link is dualmark's reading, not a rule of the
// Regulation [U]: an ML model or dataset shipped in the firmware is a
// component, and one without a source or hash is not identified. The notes
// decide nothing; the SBOM's legal test still decides CRA-II.1.
const idCRAComponents = idCRASBOM

// noteAI adds a note to CRA-II.1 for the ML models and datasets the SBOM
// lists: which lack a mandatory provenance fact, or that all have them.
func (e *evaluator) noteAI(r *aibom.Report) {
	st, ok := e.states[idCRAComponents]
	if r == nil || !ok || len(r.Models)+len(r.Datasets) == 0 {
		return
	}
	var gaps []string
	for _, group := range []struct {
		kind  string
		items []aibom.Item
	}{{"ML model", r.Models}, {"dataset", r.Datasets}} {
		for _, it := range group.items {
			var failed []string
			for _, c := range it.Checks {
				if c.Mandatory && !c.Pass {
					failed = append(failed, c.ID)
				}
			}
			if len(failed) > 0 {
				gaps = append(gaps, fmt.Sprintf("%s %s (%s)", group.kind, it.Name, strings.Join(failed, ", ")))
			}
		}
	}
	if len(gaps) == 0 {
		st.notes = append(st.notes, fmt.Sprintf("note [U]: the SBOM lists %d ML model(s) and %d dataset(s), each with its provenance (source, hash, dataset references, model card)",
			len(r.Models), len(r.Datasets)))
		return
	}
	st.notes = append(st.notes, "note [U]: AI components without their provenance in the SBOM: "+strings.Join(gaps, "; ")+
		"; give each model its source, hash, datasets and model card")
}

// aiSummary is the AI section of the assessment: the SBOM's models and
// datasets, and for a declared high-risk AI use the CRA Art. 12 link with
// the status of the CRA requirements it names. nil when there is neither.
func aiSummary(d *dossier.Dossier, r *aibom.Report, all map[string]RequirementResult) *AISummary {
	var hr *HighRiskAI
	if a := d.Product.AI; a != nil && a.HighRisk != nil && *a.HighRisk {
		link := aibom.CRAArticle12()
		hr = &HighRiskAI{Basis: a.Basis, AnnexIIIUse: a.AnnexIIIUse, Description: a.Description,
			Article12: Article12Link{Text: link.Text, Covers: link.Covers, Confidence: link.Confidence}}
		l := &hr.Article12
		for _, id := range link.Covers {
			rr, ok := all[id]
			if ok && rr.NotInForce != "" {
				l.NotInForce++
			}
			switch {
			case !ok:
				l.Open++
			case rr.Status == Met || rr.Status == NotApplicable:
				l.Met++
			case rr.Status == NotMet:
				l.NotMet++
			default:
				l.Open++
			}
		}
		l.Holds = l.NotMet == 0 && l.Open == 0
	}
	if hr == nil && (r == nil || len(r.Models)+len(r.Datasets) == 0) {
		return nil
	}
	s := &AISummary{Models: []AIItem{}, Datasets: []AIItem{}, Pass: true, HighRisk: hr}
	if r != nil {
		s.Models, s.Datasets, s.Pass = aiItems(r.Models), aiItems(r.Datasets), r.Pass
	}
	return s
}

func aiItems(in []aibom.Item) []AIItem {
	out := make([]AIItem, 0, len(in))
	for _, it := range in {
		x := AIItem{Name: it.Name, Version: it.Version, Location: it.Location, Task: it.Task, Datasets: it.Datasets, Checks: []AIItemCheck{}}
		for _, c := range it.Checks {
			x.Checks = append(x.Checks, AIItemCheck{ID: c.ID, Pass: c.Pass, Mandatory: c.Mandatory, Detail: c.Detail})
		}
		out = append(out, x)
	}
	return out
}
