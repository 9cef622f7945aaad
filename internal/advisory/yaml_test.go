package advisory

import (
	"strings"
	"testing"
)

func TestYAMLToJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"typed fields stay strings", "id: X-1\nversions:\n- 1.10\n- 2\nevents:\n- introduced: 0\n",
			`{"id":"X-1","versions":["1.10","2"],"events":[{"introduced":"0"}]}`},
		{"free-form fields keep YAML types", "database_specific:\n  cvss: 7.5\n  ok: true\n  none: null\n  list: [1, a]\n",
			`{"database_specific":{"cvss":7.5,"ok":true,"none":null,"list":[1,"a"]}}`},
		{"dates stay as written", "modified: 2021-07-16T01:31:33.917972Z\n", `{"modified":"2021-07-16T01:31:33.917972Z"}`},
		{"aliases are resolved", "a: &x [1]\nb: *x\n", `{"a":["1"],"b":["1"]}`},
	}
	for _, tt := range tests {
		got, err := yamlToJSON([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a: [unclosed\n", "a: *undefined\n"} {
		if _, err := yamlToJSON([]byte(bad)); err == nil {
			t.Errorf("yamlToJSON(%q) accepted invalid YAML", bad)
		}
	}
	// An alias bomb must stop at the size limit, not exhaust memory.
	var b strings.Builder
	b.WriteString("a0: &a0 [" + strings.Repeat("x,", 50) + "x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [" + strings.Repeat("*a"+itoa(i-1)+",", 9) + "*a" + itoa(i-1) + "]\n")
	}
	if _, err := yamlToJSON([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "expands beyond") {
		t.Errorf("alias bomb: %v", err)
	}
}
