package vex

// CycloneDXAnalysis is a statement as a CycloneDX vulnerability's
// "analysis" object (CycloneDX 1.4 and later). The fields are in
// alphabetical order, as encoding/json writes the map-built documents
// around it.
type CycloneDXAnalysis struct {
	// Detail is the statement's impact statement.
	Detail string `json:"detail,omitempty"`
	// Justification is CycloneDX's justification, where one means the same
	// as the statement's.
	Justification string `json:"justification,omitempty"`
	// State is the impact analysis state: not_affected, resolved,
	// in_triage or exploitable.
	State string `json:"state"`
}

// CycloneDX returns the statement as a CycloneDX analysis: the status as a
// state, the justification in CycloneDX's words (OpenVEX and CSAF labels
// mapped, CycloneDX's own kept, anything else left out) and the impact
// statement as the detail.
func (s *Statement) CycloneDX() CycloneDXAnalysis {
	return CycloneDXAnalysis{State: cdxState(s.Status), Justification: cdxJustification(s.Justification), Detail: s.Impact}
}

func cdxState(status string) string {
	switch status {
	case StatusNotAffected:
		return "not_affected"
	case StatusFixed:
		return "resolved"
	case StatusUnderInvestigation:
		return "in_triage"
	}
	return "exploitable"
}

// cdxJustification maps OpenVEX justifications to CycloneDX ones.
func cdxJustification(j string) string {
	switch j {
	case "component_not_present", "vulnerable_code_not_present":
		return "code_not_present"
	case "vulnerable_code_not_in_execute_path":
		return "code_not_reachable"
	case "vulnerable_code_cannot_be_controlled_by_adversary":
		return "requires_environment"
	case "inline_mitigations_already_exist":
		return "protected_by_mitigating_control"
	case "code_not_present", "code_not_reachable", "requires_configuration", "requires_dependency",
		"requires_environment", "protected_by_compiler", "protected_at_runtime", "protected_at_perimeter",
		"protected_by_mitigating_control":
		return j
	}
	return ""
}
