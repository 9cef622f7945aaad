package dossier

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const minimal = `product:
  name: Plug
  model: P1
manufacturer:
  name: ACME
category:
  class: default
`

func TestParseMinimal(t *testing.T) {
	d, err := Parse([]byte(minimal), "d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d.Product.Name != "Plug" || d.Category.Class != "default" || d.Updates.Signed != nil {
		t.Fatalf("unexpected dossier %+v", d)
	}
	// the digest the assessment records is over the exact bytes
	if d.SHA256 != "32884c5994a02afc5fd8cf2cee6e9f2cd28089bb039b45a5ab4bed92cbd6bd2c" {
		t.Errorf("SHA256 = %q", d.SHA256)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown field", minimal + "colour: red\n", "d.yaml:8: colour: unknown field"},
		{"typo suggestion", strings.Replace(minimal, "  model:", "  modle:", 1), `d.yaml:3: product.modle: unknown field; did you mean "model"?`},
		{"missing required", strings.Replace(minimal, "  model: P1\n", "", 1), "d.yaml:2: product.model: missing required field"},
		{"missing section", "product: {name: a, model: b}\nmanufacturer: {name: c}\n", "d.yaml:1: category: missing required field"},
		{"wrong type bool", minimal + "updates:\n  signed: yes\n", `d.yaml:9: updates.signed: expected true or false, got the string "yes"`},
		{"wrong type int", minimal + "interfaces:\n  network:\n    - {port: http, protocol: tcp}\n", `d.yaml:10: interfaces.network[0].port: expected a whole number, got the string "http"`},
		{"wrong type list", minimal + "evidence: {}\n", "d.yaml:8: evidence: expected a list, got a mapping"},
		{"bad date", minimal + "supportPeriod:\n  end: 2031-02-30\n", `d.yaml:9: supportPeriod.end: "2031-02-30" is not a date in the form YYYY-MM-DD`},
		{"bad enum", strings.Replace(minimal, "class: default", "class: class-1", 1), `d.yaml:7: category.class: "class-1" is not one of default, important-class-I, important-class-II, critical`},
		{"bad enum in list", minimal + "authentication:\n  accessControl: [password, pin]\n", `d.yaml:9: authentication.accessControl[1]: "pin" is not one of password, biometric`},
		{"class needs item", strings.Replace(minimal, "class: default", "class: important-class-I", 1), "d.yaml:6: category: class important-class-I needs item"},
		{"item out of range", strings.Replace(minimal, "class: default", "class: important-class-I\n  item: 20", 1), "d.yaml:8: category.item: Annex III lists 19 items"},
		{"default with item 0", strings.Replace(minimal, "class: default", "class: default\n  item: 0", 1), "d.yaml:8: category.item: a default-class product has no Annex item"},
		{"end before start", minimal + "supportPeriod:\n  start: 2026-01-01\n  end: 2025-01-01\n", "d.yaml:10: supportPeriod.end: end 2025-01-01 is before start 2026-01-01"},
		{"bad requirement", minimal + "notApplicable:\n  - requirement: XYZ-1\n    justification: none\n", `d.yaml:9: notApplicable[0].requirement: "XYZ-1" is not a requirement ID`},
		{"requirement not in catalog", minimal + "notApplicable:\n  - requirement: CRA-I.2.z\n    justification: none\n", `d.yaml:9: notApplicable[0].requirement: "CRA-I.2.z" is not in the cra catalog`},
		{"duplicate key", minimal + "logging: {}\nlogging: {}\n", "d.yaml:9: logging: field given twice"},
		{"alias", minimal + "logging: &a {}\n", "anchors and aliases are not supported"},
		{"evidence without source", minimal + "evidence:\n  - {issuer: Lab, date: 2026-01-01, demonstrates: [CRA-I.1]}\n", "d.yaml:9: evidence[0]: give path"},
		{"ai high risk without basis", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai:\n    highRisk: true\n", 1), "d.yaml:4: product.ai: a high-risk AI use needs basis"},
		{"ai annex iii without area", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai:\n    highRisk: true\n    basis: annex-iii\n", 1), "d.yaml:6: product.ai.basis: basis annex-iii needs annexIIIUse"},
		{"ai bad area", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai: {highRisk: true, basis: annex-iii, annexIIIUse: toys}\n", 1), `d.yaml:4: product.ai.annexIIIUse: "toys" is not one of biometrics`},
		{"ai area without high risk", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai:\n    highRisk: false\n    annexIIIUse: biometrics\n", 1), "d.yaml:5: product.ai.highRisk: highRisk is false but"},
		{"ai without highRisk", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai:\n    description: x\n", 1), "d.yaml:4: product.ai: state highRisk"},
		{"ai area with annex i basis", strings.Replace(minimal, "  model: P1\n", "  model: P1\n  ai:\n    highRisk: true\n    basis: annex-i-safety-component\n    annexIIIUse: biometrics\n", 1), "d.yaml:7: product.ai.annexIIIUse: annexIIIUse is given but basis is annex-i-safety-component"},
		{"syntax", "product: [\n", "d.yaml:1: invalid YAML: did not find expected node content"},
		{"empty", "", "the file is empty"},
		{"not a mapping", "- a\n", "d.yaml:1: expected a mapping with fields, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), "d.yaml")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not *dossier.Error: %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n%v\ndoes not contain\n%s", err, tt.want)
			}
		})
	}
}

func TestEvidenceDigest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const good = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	ev := func(sum string) string {
		return minimal + "evidence:\n  - path: report.txt\n    sha256: " + sum + "\n    issuer: Lab\n    date: 2026-01-01\n    demonstrates: [EN303645-5.1-1]\n"
	}
	write := func(doc string) string {
		p := filepath.Join(dir, FileName)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(ev(good))
	if _, err := Load(dir); err != nil {
		t.Fatalf("matching digest rejected: %v", err)
	}
	p := write(ev(strings.Repeat("0", 64)))
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), p+":10: evidence[0].sha256: digest does not match report.txt: the file has sha256 "+good) {
		t.Fatalf("mismatch not reported: %v", err)
	}
	write(ev("xyz"))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "is not a SHA-256 digest") {
		t.Fatalf("malformed digest not reported: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(strings.Replace(ev(good), "report.txt", "sub", 1))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "cannot read sub: not a regular file") {
		t.Fatalf("directory as evidence not reported: %v", err)
	}
	write(strings.Replace(ev(good), "report.txt", "missing.pdf", 1))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "evidence[0].path: cannot read missing.pdf") {
		t.Fatalf("missing file not reported: %v", err)
	}
}

func TestScaffold(t *testing.T) {
	tests := []struct {
		a       Answers
		wantErr string
	}{
		{Answers{Name: "Plug: \"Mini\"", Model: "P-1", Manufacturer: "ACME # Ltd", Class: "default"}, ""},
		{Answers{Name: "Cam", Model: "C1", Manufacturer: "ACME", Class: "important-class-I", Item: 17}, ""},
		{Answers{Name: "Cam", Model: "C1", Manufacturer: "ACME", Class: "important-class-I"}, "needs the Annex III item number"},
		{Answers{Name: "Cam", Model: "C1", Manufacturer: "ACME", Class: "critical", Item: 4}, "needs the Annex IV item number (1-3)"},
		{Answers{Name: "Cam", Model: "C1", Manufacturer: "ACME", Class: "class-1"}, "is not one of"},
		{Answers{Name: "", Model: "C1", Manufacturer: "ACME", Class: "default"}, "name is required"},
	}
	for _, tt := range tests {
		data, err := Scaffold(tt.a)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: error %v, want %q", tt.a, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(data, "dossier.yaml")
		if err != nil {
			t.Fatalf("scaffold does not load:\n%v\n%s", err, data)
		}
		if d.Product.Name != tt.a.Name || d.Manufacturer.Name != tt.a.Manufacturer || d.Category.Item != tt.a.Item {
			t.Errorf("scaffold lost answers: %+v", d)
		}
	}
}

func TestParseJSON(t *testing.T) {
	doc := "{\n  \"product\": {\"name\": \"Plug\", \"model\": \"P1\"},\n  \"manufacturer\": {\"name\": \"ACME\"},\n  \"category\": {\"class\": \"default\"},\n  \"updates\": {\"signed\": \"yes\"}\n}\n"
	_, err := Parse([]byte(doc), "d.json")
	if err == nil || !strings.Contains(err.Error(), `d.json:5: updates.signed: expected true or false, got the string "yes"`) {
		t.Fatalf("JSON dossier error not positioned: %v", err)
	}
	d, err := Parse([]byte(strings.Replace(doc, `"yes"`, "true", 1)), "d.json")
	if err != nil || d.Updates.Signed == nil || !*d.Updates.Signed {
		t.Fatalf("JSON dossier not loaded: %v", err)
	}
}

func TestManyIssuesSummarised(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	for i := range 120 {
		fmt.Fprintf(&b, "unknown%d: x\n", i)
	}
	_, err := Parse([]byte(b.String()), "d.yaml")
	var de *Error
	if !errors.As(err, &de) || len(de.Issues) != 120 {
		t.Fatalf("want 120 issues, got %v", err)
	}
	if msg := err.Error(); strings.Count(msg, "\n") != maxListed || !strings.HasSuffix(msg, "... and 70 more issue(s); fix the ones above first") {
		t.Fatalf("summary wrong:\n%s", msg)
	}
}

func TestIssueCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	for i := range maxIssues + 500 {
		fmt.Fprintf(&b, "unknown%d: x\n", i)
	}
	_, err := Parse([]byte(b.String()), "d.yaml")
	var de *Error
	if !errors.As(err, &de) || len(de.Issues) != maxIssues+1 || !strings.Contains(de.Issues[maxIssues].Message, "stopped collecting") {
		t.Fatalf("issues not capped: %d", len(de.Issues))
	}
}
