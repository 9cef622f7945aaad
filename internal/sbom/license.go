package sbom

import (
	"fmt"
	"strings"
)

// makeSet maps the lower-cased identifiers to their canonical spelling.
func makeSet(ids ...string) map[string]string {
	m := make(map[string]string, len(ids))
	for _, id := range ids {
		m[strings.ToLower(id)] = id
	}
	return m
}

// canonicalLicenseID returns the SPDX License List spelling of id, or "".
func canonicalLicenseID(id string) string { return spdxLicenseIDs[strings.ToLower(id)] }

// ValidateLicenseExpression checks that expr is a well-formed SPDX licence
// expression whose identifiers are on the SPDX License List or are
// LicenseRef-/DocumentRef- references. NONE and NOASSERTION are not
// licences and are refused.
func ValidateLicenseExpression(expr string) error {
	toks := tokenizeLicense(expr)
	if len(toks) == 0 {
		return fmt.Errorf("empty licence expression")
	}
	p := &licParser{toks: toks}
	if err := p.expr(); err != nil {
		return fmt.Errorf("licence expression %q: %w", expr, err)
	}
	if p.pos != len(p.toks) {
		return fmt.Errorf("licence expression %q: unexpected %q", expr, p.toks[p.pos])
	}
	return nil
}

// parenSpacer is built once: building it per call cost 6 kB, 600 MB on a
// 100,000-component check.
var parenSpacer = strings.NewReplacer("(", " ( ", ")", " ) ")

func tokenizeLicense(s string) []string {
	s = parenSpacer.Replace(s)
	return strings.Fields(s)
}

type licParser struct {
	toks []string
	pos  int
}

func (p *licParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// expr := term { (AND|OR) term }
func (p *licParser) expr() error {
	if err := p.term(); err != nil {
		return err
	}
	for {
		op := strings.ToUpper(p.peek())
		if op != "AND" && op != "OR" {
			return nil
		}
		p.pos++
		if err := p.term(); err != nil {
			return err
		}
	}
}

// term := "(" expr ")" | id ["+"] [WITH exception]
func (p *licParser) term() error {
	t := p.peek()
	switch {
	case t == "":
		return fmt.Errorf("ends where a licence was expected")
	case t == "(":
		p.pos++
		if err := p.expr(); err != nil {
			return err
		}
		if p.peek() != ")" {
			return fmt.Errorf("missing )")
		}
		p.pos++
		return nil
	}
	p.pos++
	if err := checkLicenseID(t); err != nil {
		return err
	}
	if strings.EqualFold(p.peek(), "WITH") {
		p.pos++
		exc := p.peek()
		if exc == "" || canonicalLicenseID(exc) == "" && !strings.HasPrefix(exc, "AdditionRef-") {
			return fmt.Errorf("%q is not an SPDX licence exception", exc)
		}
		p.pos++
	}
	return nil
}

func checkLicenseID(id string) error {
	up := strings.ToUpper(id)
	switch {
	case up == "NONE" || up == "NOASSERTION":
		return fmt.Errorf("%s is not a licence", up)
	case up == "AND" || up == "OR" || up == "WITH" || id == ")":
		return fmt.Errorf("operator %q where a licence was expected", id)
	case strings.HasPrefix(id, "LicenseRef-") || strings.HasPrefix(id, "DocumentRef-"):
		return nil
	}
	if canonicalLicenseID(strings.TrimSuffix(id, "+")) != "" {
		return nil
	}
	return fmt.Errorf("%q is not an SPDX License List identifier (use LicenseRef-... for others)", id)
}
