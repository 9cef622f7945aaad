package vex

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWriteRoundTrip: what the OpenVEX and CycloneDX writers produce, the
// reader reads back to the same statements (status, products, aliases,
// justification mapped), and bad statements are refused.
func TestWriteDocRoundTrip(t *testing.T) {
	doc := &OutDocument{ID: "https://registry.example/vex/v1", Author: "Kestrel Networks PSIRT", Timestamp: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Product: "Kestrel AX3000", ProductVersion: "3.1.0", Statements: []Statement{
			{Vulnerability: "CVE-2024-1086", Aliases: []string{"GHSA-xxxx"}, Products: []string{"pkg:generic/linux@5.15.150"}, Status: StatusAffected, Action: "Update linux to 5.15.151 or later."},
			{Vulnerability: "CVE-2023-52434", Products: []string{"pkg:generic/linux@5.15.150"}, Status: StatusNotAffected, Justification: "vulnerable_code_not_in_execute_path"},
			{Vulnerability: "CVE-2024-0001", Products: []string{"pkg:generic/curl@8.5.0"}, Status: StatusFixed},
			{Vulnerability: "CVE-2024-0002", Products: []string{"pkg:generic/curl@8.5.0"}, Status: StatusUnderInvestigation},
		}}
	for _, c := range []struct {
		name  string
		write func() ([]byte, error)
		just  string
	}{
		{"openvex", func() ([]byte, error) { return OpenVEX(doc) }, "vulnerable_code_not_in_execute_path"},
		{"cyclonedx", func() ([]byte, error) { return CycloneDX(doc, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79") }, "code_not_reachable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := c.write()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data, "out.json")
			if err != nil {
				t.Fatalf("the reader refuses the written document: %v\n%s", err, data)
			}
			if len(got) != len(doc.Statements) {
				t.Fatalf("%d statements read back, want %d", len(got), len(doc.Statements))
			}
			for i, want := range doc.Statements {
				g := got[i]
				if g.Format != c.name || g.Vulnerability != want.Vulnerability || g.Status != want.Status || !reflect.DeepEqual(g.Products, want.Products) {
					t.Errorf("statement %d: %+v, want %+v", i, g, want)
				}
				if len(want.Aliases) > 0 && !reflect.DeepEqual(g.Aliases, want.Aliases) {
					t.Errorf("statement %d aliases %v", i, g.Aliases)
				}
			}
			if got[1].Justification != c.just {
				t.Errorf("justification %q, want %q", got[1].Justification, c.just)
			}
			if !strings.Contains(got[0].Action+got[0].Impact, "5.15.151") {
				t.Errorf("the action statement is lost: %+v", got[0])
			}
		})
	}
	bad := []*OutDocument{
		{ID: "x", Author: "a", Timestamp: doc.Timestamp, Product: "p", Statements: []Statement{{Vulnerability: "CVE-1", Status: "maybe"}}},
		{ID: "x", Author: "a", Timestamp: doc.Timestamp, Product: "p", Statements: []Statement{{Status: StatusAffected}}},
	}
	for i, d := range bad {
		if _, err := OpenVEX(d); err == nil {
			t.Errorf("OpenVEX accepts bad document %d", i)
		}
		if _, err := CycloneDX(d, ""); err == nil {
			t.Errorf("CycloneDX accepts bad document %d", i)
		}
	}
	if _, err := OpenVEX(&OutDocument{ID: "x", Author: "a", Timestamp: doc.Timestamp, Statements: []Statement{{Vulnerability: "CVE-1", Status: StatusNotAffected}}}); err == nil {
		t.Error("OpenVEX accepts not_affected without justification or impact")
	}
}
