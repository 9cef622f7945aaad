package dossier

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

// Answers are the facts "dualmark init" asks for.
type Answers struct {
	Name         string // product name
	Model        string // model designation
	Manufacturer string // manufacturer's registered name
	Class        string // CRA class: default, important-class-I, important-class-II, critical
	Item         int    // Annex III/IV item, for the listed classes
}

// Classes are the CRA classes a dossier accepts, in order of strictness.
var Classes = []string{"default", "important-class-I", "important-class-II", "critical"}

// Check reports the first answer that would make an invalid dossier.
func (a Answers) Check() error {
	for _, f := range []struct{ name, v string }{{"name", a.Name}, {"model", a.Model}, {"manufacturer", a.Manufacturer}} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("the product %s is required", f.name)
		}
	}
	n, listed := annexItems[a.Class]
	switch {
	case a.Class == "default":
		if a.Item != 0 {
			return fmt.Errorf("a default-class product has no Annex item")
		}
	case !listed:
		return fmt.Errorf("category %q is not one of %s", a.Class, strings.Join(Classes, ", "))
	case a.Item < 1 || a.Item > n:
		return fmt.Errorf("class %s needs the Annex %s item number (1-%d)", a.Class, annex(a.Class), n)
	}
	return nil
}

// Scaffold returns a commented dossier holding the answers and every other
// section as a commented template to fill in. The result loads with Parse.
func Scaffold(a Answers) ([]byte, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	q := func(s string) string { return strconv.Quote(strings.TrimSpace(s)) }
	err := scaffoldTmpl.Execute(&b, map[string]any{"Name": q(a.Name), "Model": q(a.Model), "Manufacturer": q(a.Manufacturer), "Class": a.Class, "Item": a.Item})
	return b.Bytes(), err
}

var scaffoldTmpl = template.Must(template.New("dossier").Parse(`# dualmark product dossier. Fill in the commented sections; every fact you leave out
# shows as "unknown" in the assessment and as a [GAP] in the paperwork.
# Format reference: docs/DOSSIER.md; JSON Schema: docs/dossier.schema.json.
schemaVersion: "1"
product:
  name: {{.Name}}
  model: {{.Model}}
  # brand: ""
  # type: smart plug
  # hardwareVersion: ""
  # firmwareVersion: ""
  # operatingSystem: linux     # linux | rtos | zephyr | freertos | android | windows | macos | ios | other
  # identifiers:
  #   - {type: serial, value: "scheme of the serial number"}
  # intendedPurpose: ""
  # useEnvironment: ""
  # essentialFunctions: []
  # securityProperties: []
  # foreseeableMisuse: []
manufacturer:
  name: {{.Manufacturer}}
  # address: {street: "", postalCode: "", city: "", country: ""}
  # email: ""
  # website: ""
category:
  class: {{.Class}}
{{- if .Item}}
  item: {{.Item}}
{{- end}}
# supportPeriod:
#   start: YYYY-MM-DD
#   end: YYYY-MM-DD            # at least 5 years unless the expected use is shorter (CRA Art. 13(8))
#   rationale: ""
# updates:
#   mechanism: ota             # ota | app | local | none
#   signed: true
#   automatic: true
#   optOut: true
#   notification: true
#   postpone: true
#   separateSecurityUpdates: true
#   freeOfCharge: true
#   instructions: https://...
# interfaces:
#   network: []                # listening ports: {port: 443, protocol: tcp, service: https, exposure: lan}
#   radios: []                 # {type: wifi, standard: "802.11n"}
#   physical: []               # {name: UART, kind: debug, state: disabled}
# authentication:
#   defaultPassword: none      # none | unique-per-device | user-set-at-setup | universal
#   bruteForceProtection: true
#   passwordChange: ""
# cryptography:
#   algorithms: []             # {name: AES-128-GCM, purpose: TLS}
#   protocols: []
# data:
#   personalData: false
#   sensors: []
#   deletion: {factoryReset: true}
# logging:
#   securityEvents: true
# vulnerabilityHandling:
#   disclosurePolicy: https://...
#   contact: security@...
# sbom: {path: sbom.cdx.json, sha256: ""}
# userInformation: {instructions: https://...}
# market: {firstPlaced: YYYY-MM-DD, lastPlaced: YYYY-MM-DD}   # which rules apply; the support period per unit
# conformity:
#   module: A                  # A | B+C | H | EUCC (Art. 32: class I needs a harmonised standard in full for A)
#   standards: []              # {reference: "EN 18031-1:2024", harmonised: true, applied: full, act: red-da, ojReference: ""}
#   signatory: {name: ""}
# usLabel: {status: not-applied}
# fccDeclarations: {}
# evidence:
#   - {title: "", kind: test-report, path: evidence/report.pdf, sha256: "", issuer: "", producer: accredited-lab, accreditation: "", date: YYYY-MM-DD, demonstrates: [EN303645-5.1-1]}
# notApplicable:
#   - {requirement: EN303645-5.3-14, justification: ""}
`))
