package match

import "testing"

// TestFailsOn: every level, KEV at every severity level, and a finding of
// unknown severity failing severity levels unless ignored.
func TestFailsOn(t *testing.T) {
	one := func(sev string, kev, suppressed bool) *Result {
		return &Result{Findings: []Finding{{Severity: sev, KEV: kev, Suppressed: suppressed}}}
	}
	tests := []struct {
		res           *Result
		level         string
		ignoreUnknown bool
		want          bool
	}{
		{one(SeverityMedium, false, false), "high", false, false},
		{one(SeverityMedium, false, false), "medium", false, true},
		{one(SeverityLow, false, false), "medium", false, false},
		{one(SeverityLow, false, false), "low", false, true},
		{one(SeverityHigh, false, false), "critical", false, false},
		{one(SeverityCritical, false, false), "critical", false, true},
		{one(SeverityLow, true, false), "critical", false, true},
		{one(SeverityLow, true, false), "kev", false, true},
		{one(SeverityCritical, false, false), "kev", false, false},
		{one(SeverityUnknown, false, false), "high", false, true},
		{one(SeverityUnknown, false, false), "critical", false, true},
		{one(SeverityUnknown, false, false), "high", true, false},
		{one(SeverityUnknown, false, false), "kev", false, false},
		{one(SeverityUnknown, false, false), "any", true, true},
		{one(SeverityCritical, true, false), "none", false, false},
		{one(SeverityCritical, true, true), "any", false, false},
		{&Result{}, "any", false, false},
	}
	for _, tc := range tests {
		f := tc.res.Findings
		if got := FailsOn(tc.res, tc.level, tc.ignoreUnknown); got != tc.want {
			t.Errorf("%+v --fail-on %s (ignore unknown %v) = %v, want %v", f, tc.level, tc.ignoreUnknown, got, tc.want)
		}
	}
}
