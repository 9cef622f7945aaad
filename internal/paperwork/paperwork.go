// Package paperwork writes the documents a product needs on both sides of the
// Atlantic from its dossier: the EU declaration of conformity draft (CRA
// Annex V), the simplified declaration (Annex VI), the Annex II user
// information sheet, the Annex VII technical-documentation index, the FCC
// Cyber Trust Mark registry entry (REG-1..REG-11 and the §8.208(c)
// declarations) and the US Cyber Trust Mark label data in the CTA-2120 shape.
//
// A fact the dossier does not give is never invented: it appears as a gap,
// "[GAP: ...]", in the rendered document and in the document's Gaps list.
package paperwork

import (
	"fmt"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
)

// Document is one generated document, in a form every renderer shares.
type Document struct {
	ID       string    `json:"id"`    // file stem, e.g. "eu-declaration-of-conformity"
	Title    string    `json:"title"` // human title
	Basis    string    `json:"basis"` // the legal text the document follows
	Product  string    `json:"product"`
	Draft    bool      `json:"draft"` // a draft the manufacturer must review and sign
	Intro    []string  `json:"intro,omitempty"`
	Sections []Section `json:"sections"`
	Gaps     []string  `json:"gaps"` // every missing fact, in document order
	Notes    []string  `json:"notes,omitempty"`
}

// Section is a titled group of fields.
type Section struct {
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
}

// Field is one item of a document: a value, or a gap saying what is missing.
type Field struct {
	Item  string `json:"item,omitempty"` // the item number in the legal text, e.g. "V.2", "REG-9"
	Label string `json:"label"`
	Value string `json:"value,omitempty"`
	Gap   string `json:"gap,omitempty"`
}

// Text returns the value, or "[GAP: ...]" when the fact is missing.
func (f Field) Text() string {
	if f.Gap != "" {
		return "[GAP: " + f.Gap + "]"
	}
	return f.Value
}

// Options tune generation.
type Options struct {
	// Now stamps generated documents (CTA-2120 created/modified); zero = time.Now().
	Now time.Time
	// CRA is the outcome of the CRA assessment the EU declaration of
	// conformity rests on; nil means not assessed, and the declaration then
	// carries no conformity statement.
	CRA *CRAOutcome
}

// CRAOutcome is what the declaration of conformity needs to know about the
// CRA assessment (assess.Run gives it; paperwork does not assess).
type CRAOutcome struct {
	// On is the assessment date, YYYY-MM-DD.
	On string
	// InForce says whether the CRA applied in full on that date; when not,
	// Verdict is the readiness verdict for units placed from 11 Dec 2027.
	InForce bool
	// Verdict and Reason are the CRA verdict ("conforms", ...) and why.
	Verdict, Reason string
	// RouteOpen says whether the chosen conformity-assessment module is
	// open to the product's class (Art. 32).
	RouteOpen bool
}

// Positive reports whether the assessment allows a declaration of
// conformity to be drawn up: the CRA verdict conforms and the chosen route
// is open (a DoC cannot be signed without a positive conformity
// assessment, CRA Art. 28 and the Commission's CRA FAQ).
func (o *CRAOutcome) Positive() bool { return o != nil && o.Verdict == "conforms" && o.RouteOpen }

// Build generates every document for a dossier, in a fixed order.
func Build(d *dossier.Dossier, opts Options) ([]*Document, error) {
	if d == nil {
		return nil, fmt.Errorf("paperwork: no dossier")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	label, err := BuildLabel(d, opts)
	if err != nil {
		return nil, err
	}
	return []*Document{
		euDeclaration(d, opts.CRA),
		simplifiedDeclaration(d, opts.CRA),
		userInformation(d),
		technicalDocumentation(d),
		fccRegistry(d),
		label.Document(),
	}, nil
}

// builder accumulates the sections of one document and its gaps.
type builder struct {
	doc *Document
	sec *Section
}

func newDoc(d *dossier.Dossier, id, title, basis string) *builder {
	name := d.Product.Name
	if d.Product.Model != "" {
		name += " (" + d.Product.Model + ")"
	}
	return &builder{doc: &Document{ID: id, Title: title, Basis: basis, Product: name, Gaps: []string{}}}
}

func (b *builder) section(title string) {
	b.doc.Sections = append(b.doc.Sections, Section{Title: title})
	b.sec = &b.doc.Sections[len(b.doc.Sections)-1]
}

// field adds a value, or a gap with the message missing when value is empty.
func (b *builder) field(item, label, value, missing string) {
	f := Field{Item: item, Label: label, Value: strings.TrimSpace(value)}
	if f.Value == "" {
		if missing == "" {
			return // optional and absent: leave out
		}
		f.Gap = missing
		b.doc.Gaps = append(b.doc.Gaps, missing)
	}
	b.sec.Fields = append(b.sec.Fields, f)
}

// fixed adds a statement that the legal text prescribes.
func (b *builder) fixed(item, label, text string) {
	b.sec.Fields = append(b.sec.Fields, Field{Item: item, Label: label, Value: text})
}

// join joins the non-empty parts.
func join(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func address(a *dossier.Address) string {
	if a == nil {
		return ""
	}
	return join(", ", a.Street, join(" ", a.PostalCode, a.City), a.Region, a.Country)
}

func date(d *dossier.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// yesNo renders a stated fact; "" when the dossier does not say.
func yesNo(b *bool, yes, no string) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return yes
	default:
		return no
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// identification lists the product's identifying facts.
func identification(d *dossier.Dossier) string {
	p := d.Product
	parts := []string{}
	if p.Type != "" {
		parts = append(parts, "type: "+p.Type)
	}
	if p.HardwareVersion != "" {
		parts = append(parts, "hardware "+p.HardwareVersion)
	}
	if p.FirmwareVersion != "" {
		parts = append(parts, "firmware "+p.FirmwareVersion)
	}
	for _, id := range p.Identifiers {
		parts = append(parts, id.Type+": "+id.Value)
	}
	return strings.Join(parts, "; ")
}

// manufacturerName is the name plus trademark when it differs.
func manufacturerName(m dossier.Manufacturer) string {
	if m.Trademark != "" && m.Trademark != m.Name {
		return m.Name + " (trademark " + m.Trademark + ")"
	}
	return m.Name
}

func list(items []string) string { return strings.Join(items, "; ") }
