package assess

import (
	"os"
	"strings"
	"testing"
)

// TestDocsListEveryCheck keeps docs/ASSESSMENT.md in step with the check
// table.
func TestDocsListEveryCheck(t *testing.T) {
	data, err := os.ReadFile("../../docs/ASSESSMENT.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Checks {
		if !strings.Contains(string(data), "`"+c.Name+"`") {
			t.Errorf("docs/ASSESSMENT.md does not describe check %s", c.Name)
		}
	}
}
