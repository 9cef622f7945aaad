// Package sbomquality judges the quality of an SBOM, read by package sbom
// into its model, against named profiles: BSI TR-03183-2 v2.1 and v1.1, the
// NTIA minimum elements (2021) and the CISA 2025 draft minimum elements.
// Each profile is a list of field rules over the document and its
// components; Check returns which pass, and which components break them.
package sbomquality

import (
	"fmt"
	"hash/maphash"
	"net/mail"
	"net/url"
	"strings"

	"github.com/dualmark/dualmark/internal/sbom"
)

// Quality profile names accepted by Check.
const (
	ProfileBSI21    = "bsi-tr03183-2.1"
	ProfileBSI11    = "bsi-tr03183-1.1"
	ProfileNTIA     = "ntia"
	ProfileCISA2025 = "cisa-2025"
)

// Profiles lists the profile names Check accepts.
var Profiles = []string{ProfileBSI21, ProfileBSI11, ProfileNTIA, ProfileCISA2025}

// QualityReport is the verdict of one quality profile on one document.
type QualityReport struct {
	Profile string `json:"profile"`
	// Pass is true when every mandatory check passed.
	Pass   bool          `json:"pass"`
	Checks []CheckResult `json:"checks"`
}

// CheckResult is the outcome of one named field rule of a profile.
type CheckResult struct {
	// ID names the rule, e.g. "comp-deployable-hash".
	ID          string `json:"id"`
	Description string `json:"description"`
	// Mandatory is false for additional/optional ("should") fields, which
	// never fail the profile.
	Mandatory bool `json:"mandatory"`
	Pass      bool `json:"pass"`
	// Offending lists the components that break the rule (location: name),
	// the first MaxOffending of them.
	Offending []string `json:"offending,omitempty"`
	// OffendingCount is how many components break the rule, also those
	// beyond MaxOffending that Offending does not list.
	OffendingCount int `json:"offendingCount,omitempty"`
	// Detail explains a document-level failure.
	Detail string `json:"detail,omitempty"`
}

// Result returns the check with the given ID, if the report has it.
func (r *QualityReport) Result(id string) (CheckResult, bool) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return CheckResult{}, false
}

// rule is one field rule: either a per-component predicate (comp) that
// returns "" when the component complies or the reason it does not, or a
// document predicate (doc).
type rule struct {
	id, desc  string
	mandatory bool
	comp      func(d *sbom.Document, c *sbom.Component) string
	doc       func(d *sbom.Document) string
	// subject: also apply comp to the subject (metadata.component)
	subject bool
}

// MaxOffending is how many offending components a CheckResult lists per
// rule; OffendingCount has the full number. Listing every one of 1,000,000
// components for each of 20 rules cost more memory than the document.
const MaxOffending = 1000

// Check judges doc against the named quality profile.
//
// Profiles, as transcribed (thresholds marked [U] are unconfirmed readings
// of the texts):
//   - bsi-tr03183-2.1: BSI TR-03183-2 v2.1.0 (2025), required, additional
//     and optional fields of sections 5.2/5.3 of the TR.
//   - bsi-tr03183-1.1: BSI TR-03183-2 v1.1 (2023).
//   - ntia: NTIA "Minimum Elements for an SBOM" (2021).
//   - cisa-2025: CISA "Minimum Elements for an SBOM" (2025 public-comment
//     draft); "generation context" is not checked (the model does not keep
//     lifecycle phases).
func Check(doc *sbom.Document, profile string) (*QualityReport, error) {
	rules, ok := profileRules[profile]
	if !ok {
		return nil, fmt.Errorf("unknown SBOM quality profile %q: use one of %s", profile, strings.Join(Profiles, ", "))
	}
	rep := &QualityReport{Profile: profile, Pass: true, Checks: make([]CheckResult, 0, len(rules))}
	for _, r := range rules {
		res := CheckResult{ID: r.id, Description: r.desc, Mandatory: r.mandatory, Pass: true}
		if r.doc != nil {
			if why := r.doc(doc); why != "" {
				res.Pass, res.Detail = false, why
			}
		}
		if r.comp != nil {
			// the subject first, when the rule judges it and it is not
			// among the components; indexing instead of prepending it to a
			// copy of the components saved a copy per rule
			var subject *sbom.Component
			if r.subject && doc.Subject != nil && !hasRef(doc.Components, doc.Subject.Ref) {
				subject = doc.Subject
			}
			n := len(doc.Components)
			if subject != nil {
				n++
			}
			for i := range n {
				c := subject
				if subject == nil {
					c = &doc.Components[i]
				} else if i > 0 {
					c = &doc.Components[i-1]
				}
				if why := r.comp(doc, c); why != "" {
					res.Pass = false
					if res.OffendingCount++; res.OffendingCount <= MaxOffending {
						res.Offending = append(res.Offending, fmt.Sprintf("%s %s: %s", firstNonEmpty(c.Location, c.Ref), strings.TrimSpace(c.Name+" "+c.Version), why))
					}
				}
			}
		}
		if !res.Pass && r.mandatory {
			rep.Pass = false
		}
		rep.Checks = append(rep.Checks, res)
	}
	return rep, nil
}

// Rules shared by several profiles.
var (
	ruleSBOMCreator  = rule{id: "sbom-creator", desc: "SBOM creator with a valid e-mail address or URL", mandatory: true, doc: docCreatorContact}
	ruleTimestamp    = rule{id: "sbom-timestamp", desc: "SBOM creation timestamp (RFC 3339)", mandatory: true, doc: docTimestamp}
	rulePrimary      = rule{id: "primary-component", desc: "the SBOM names the component it describes", mandatory: true, doc: docSubject}
	ruleURI          = rule{id: "sbom-uri", desc: "SBOM-URI (serial number / document namespace)", doc: docURI}
	ruleName         = rule{id: "comp-name", desc: "component name", mandatory: true, comp: compName, subject: true}
	ruleVersion      = rule{id: "comp-version", desc: "component version", mandatory: true, comp: compVersion, subject: true}
	ruleDependencies = rule{id: "comp-dependencies", desc: "dependencies enumerated, every reference resolving", mandatory: true, doc: docDependencies}
	ruleSourceURL    = rule{id: "comp-source-url", desc: "URI of the source code (additional)", comp: compURL(func(c *sbom.Component) string { return c.X().SourceURL }), subject: true}
	ruleOtherIDs     = rule{id: "comp-other-ids", desc: "other unique identifiers: purl, CPE or SWID (additional)", comp: compOtherIDs, subject: true}
	// NTIA and CISA judge the components, not the document's subject.
	ruleAuthor     = rule{id: "sbom-author", desc: "author of the SBOM data", mandatory: true, doc: docAuthor}
	ruleAnyDeps    = rule{id: "comp-dependencies", desc: "dependency relationship", mandatory: true, doc: docAnyDependencies}
	ruleNameOnly   = rule{id: "comp-name", desc: "component name", mandatory: true, comp: compName}
	ruleVersOnly   = rule{id: "comp-version", desc: "component version", mandatory: true, comp: compVersion}
	ruleSupplierID = func(id, desc string) rule { return rule{id: id, desc: desc, mandatory: true, comp: compSupplier} }
	ruleIDs        = func(id string) rule {
		return rule{id: id, desc: "other unique identifiers (purl, CPE, SWID)", mandatory: true, comp: compOtherIDs}
	}
)

var profileRules = map[string][]rule{
	ProfileBSI21: {
		ruleSBOMCreator, ruleTimestamp,
		{id: "sbom-spec-version", desc: "format CycloneDX >= 1.6 or SPDX >= 3.0 [U]", mandatory: true, doc: docSpecVersion("1.6", "3.0")},
		rulePrimary, ruleURI,
		{id: "comp-creator", desc: "component creator with a valid e-mail address or URL", mandatory: true, comp: compCreator, subject: true},
		ruleName, ruleVersion,
		{id: "comp-filename", desc: "file name of the component", mandatory: true, comp: compFileName, subject: true},
		ruleDependencies,
		{id: "comp-license", desc: "distribution licence as a valid SPDX expression", mandatory: true, comp: compLicense, subject: true},
		{id: "comp-deployable-hash", desc: "hash (SHA-256 or stronger [U]: the TR names SHA-512) of the deployable form", mandatory: true, comp: compDeployableHash, subject: true},
		{id: "comp-executable", desc: "executable property (bsi:component:executable)", mandatory: true, comp: compProp(func(c *sbom.Component) string { return c.X().Executable }), subject: true},
		{id: "comp-archive", desc: "archive property (bsi:component:archive)", mandatory: true, comp: compProp(func(c *sbom.Component) string { return c.X().Archive }), subject: true},
		{id: "comp-structured", desc: "structured property (bsi:component:structured)", mandatory: true, comp: compProp(func(c *sbom.Component) string { return c.X().Structured }), subject: true},
		ruleSourceURL,
		{id: "comp-download-url", desc: "URI of the deployable form (additional)", comp: compURL(func(c *sbom.Component) string { return c.X().DownloadURL }), subject: true},
		ruleOtherIDs,
		{id: "comp-declared-license", desc: "original (declared) licences (additional)", comp: compDeclaredLicense, subject: true},
		{id: "comp-effective-license", desc: "effective licence (optional)", comp: compEffectiveLicense, subject: true},
		{id: "comp-source-hash", desc: "hash of the source code (optional)", comp: compSourceHash, subject: true},
		{id: "comp-security-txt", desc: "security.txt URL (optional)", comp: compURL(func(c *sbom.Component) string { return c.X().SecurityTxtURL }), subject: true},
	},
	ProfileBSI11: {
		ruleSBOMCreator, ruleTimestamp,
		{id: "sbom-spec-version", desc: "format CycloneDX >= 1.4 or SPDX >= 2.3 [U]", mandatory: true, doc: docSpecVersion("1.4", "2.3")},
		rulePrimary, ruleURI,
		{id: "comp-creator", desc: "component creator (supplier/manufacturer/author) with a valid e-mail address or URL", mandatory: true, comp: compCreator, subject: true},
		ruleName, ruleVersion, ruleDependencies,
		{id: "comp-license", desc: "licence as a valid SPDX expression", mandatory: true, comp: compLicense, subject: true},
		{id: "comp-hash", desc: "hash (SHA-256 or stronger) of the executable component", mandatory: true, comp: compHash, subject: true},
		ruleSourceURL,
		{id: "comp-download-url", desc: "URI of the executable form (additional)", comp: compURL(func(c *sbom.Component) string { return c.X().DownloadURL }), subject: true},
		ruleOtherIDs,
		{id: "comp-source-hash", desc: "hash of the source code (additional)", comp: compSourceHash, subject: true},
	},
	ProfileNTIA: {
		ruleAuthor, ruleTimestamp, ruleSupplierID("comp-supplier", "supplier name"), ruleNameOnly, ruleVersOnly,
		ruleIDs("comp-other-ids"), ruleAnyDeps,
	},
	ProfileCISA2025: {
		ruleAuthor, ruleTimestamp,
		{id: "sbom-tool", desc: "tool name", mandatory: true, doc: docTool},
		ruleSupplierID("comp-producer", "software producer (supplier)"), ruleNameOnly, ruleVersOnly, ruleIDs("comp-identifiers"),
		{id: "comp-hash", desc: "component hash", mandatory: true, comp: compAnyHash},
		{id: "comp-license", desc: "licence", mandatory: true, comp: compAnyLicense},
		ruleAnyDeps,
	},
}

func validContact(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		return validURL(s)
	}
	a, err := mail.ParseAddress(s)
	return err == nil && strings.Contains(a.Address[strings.IndexByte(a.Address, '@'):], ".")
}

func validURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "ftp" || strings.HasPrefix(u.Scheme, "git"))
}

func docCreatorContact(d *sbom.Document) string {
	switch {
	case d.CreatorContact == "":
		return "no e-mail address or URL of the SBOM creator (CycloneDX metadata.authors/manufacturer/supplier, SPDX creator \"(email)\")"
	case !validContact(d.CreatorContact):
		return fmt.Sprintf("%q is neither a valid e-mail address nor a URL", d.CreatorContact)
	}
	return ""
}

func docTimestamp(d *sbom.Document) string {
	if d.Created.IsZero() {
		return "no valid RFC 3339 creation timestamp"
	}
	return ""
}

func docSpecVersion(minCDX, minSPDX string) func(d *sbom.Document) string {
	return func(d *sbom.Document) string {
		min := minCDX
		if d.Format == sbom.FormatSPDX {
			min = minSPDX
		}
		if versionLess(d.SpecVersion, min) {
			return fmt.Sprintf("%s %s is older than %s", d.Format, d.SpecVersion, min)
		}
		return ""
	}
}

func versionLess(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	return a1 < b1 || a1 == b1 && a2 < b2
}

func docSubject(d *sbom.Document) string {
	if d.Subject == nil {
		return "no primary component (CycloneDX metadata.component, SPDX DESCRIBES relationship / SPDX 3 rootElement)"
	}
	return ""
}

func docURI(d *sbom.Document) string {
	if d.URI == "" || d.Format == sbom.FormatSPDX && d.Encoding == sbom.EncodingJSONLD && !strings.Contains(d.URI, ":") {
		return "no document URI (CycloneDX serialNumber, SPDX documentNamespace, SPDX 3 document IRI)"
	}
	return ""
}

// docAuthor wants a person or organisation among the creators: a tool
// alone is not an author.
func docAuthor(d *sbom.Document) string {
	for _, c := range d.Creators {
		if !strings.HasPrefix(c, "Tool:") {
			return ""
		}
	}
	return "no person or organisation named as author of the SBOM"
}

func docTool(d *sbom.Document) string {
	for _, c := range d.Creators {
		if strings.HasPrefix(c, "Tool:") {
			return ""
		}
	}
	return "no tool named among the creators"
}

// docDependencies: the dependency graph exists, every reference resolves,
// the primary component has its direct dependencies listed and no
// component is an orphan outside the graph.
func docDependencies(d *sbom.Document) string {
	if len(d.Components) == 0 {
		return ""
	}
	if len(d.Dependencies) == 0 {
		return "no dependency relationships at all"
	}
	refs := newRefIndex(d)
	reached := make([]bool, refs.n)
	var problems problemList
	subjectListed := d.Subject == nil
	for _, dep := range d.Dependencies {
		i := refs.find(dep.Ref)
		if i < 0 {
			problems.add("dependency source %q names no component", dep.Ref)
		} else {
			reached[i] = true
		}
		if d.Subject != nil && dep.Ref == d.Subject.Ref && len(dep.DependsOn) > 0 {
			subjectListed = true
		}
		for _, t := range dep.DependsOn {
			j := refs.find(t)
			if j < 0 {
				problems.add("dependency target %q (of %q) names no component", t, dep.Ref)
			} else {
				reached[j] = true
			}
		}
	}
	if !subjectListed {
		problems.add("the primary component lists no direct dependencies")
	}
	for i := range d.Components {
		c := &d.Components[i]
		if !reached[refs.find(c.Ref)] {
			problems.add("component %q (%s) appears in no dependency relationship", c.Name, c.Location)
		}
	}
	return problems.String()
}

// refIndex numbers the distinct refs of a document's components and
// subject: open addressing over int32 slots (1 + the number of the ref's
// first holder, components then the subject; 0 empty). On 1,000,000
// components the two map[string]bool it replaces ("known" and "reached")
// held 208 MB at the peak of BenchmarkCheckMillion, more than the 1.5x
// headroom the lean shape has over its document; this costs 8 MB and a
// []bool of a byte per component.
type refIndex struct {
	d     *sbom.Document
	slots []int32
	mask  uint64
	seed  maphash.Seed
	n     int // the numbers find returns are below n
}

func newRefIndex(d *sbom.Document) *refIndex {
	size := 1
	for size < 2*(len(d.Components)+1) {
		size <<= 1
	}
	t := &refIndex{d: d, slots: make([]int32, size), mask: uint64(size - 1), seed: maphash.MakeSeed(), n: len(d.Components) + 1}
	for i := range d.Components {
		t.insert(int32(i))
	}
	if d.Subject != nil {
		t.insert(int32(len(d.Components)))
	}
	return t
}

func (t *refIndex) ref(i int32) string {
	if int(i) == len(t.d.Components) {
		return t.d.Subject.Ref
	}
	return t.d.Components[i].Ref
}

func (t *refIndex) insert(i int32) {
	r := t.ref(i)
	for h := maphash.String(t.seed, r) & t.mask; ; h = (h + 1) & t.mask {
		if t.slots[h] == 0 {
			t.slots[h] = i + 1
			return
		}
		if t.ref(t.slots[h]-1) == r {
			return
		}
	}
}

// find returns the number of ref r, or -1 when no component or subject
// has it.
func (t *refIndex) find(r string) int {
	for h := maphash.String(t.seed, r) & t.mask; ; h = (h + 1) & t.mask {
		j := t.slots[h]
		if j == 0 {
			return -1
		}
		if t.ref(j-1) == r {
			return int(j - 1)
		}
	}
}

// problemList keeps the first five problems and counts the rest, which
// are never formatted.
type problemList struct {
	first []string
	n     int
}

func (p *problemList) add(format string, args ...any) {
	if p.n++; p.n <= 5 {
		p.first = append(p.first, fmt.Sprintf(format, args...))
	}
}

func (p *problemList) String() string {
	if p.n > 5 {
		return strings.Join(p.first, "; ") + fmt.Sprintf("; and %d more", p.n-5)
	}
	return strings.Join(p.first, "; ")
}

func docAnyDependencies(d *sbom.Document) string {
	if len(d.Components) > 1 && len(d.Dependencies) == 0 {
		return "no dependency relationships"
	}
	return ""
}

func compCreator(_ *sbom.Document, c *sbom.Component) string {
	contacts := nonEmpty(c.X().CreatorContact, c.X().SupplierContact)
	if len(contacts) == 0 {
		return "no e-mail address or URL of the creator, manufacturer or supplier"
	}
	for _, s := range contacts {
		if !validContact(s) {
			return fmt.Sprintf("%q is neither a valid e-mail address nor a URL", s)
		}
	}
	return ""
}

func compName(_ *sbom.Document, c *sbom.Component) string {
	if strings.TrimSpace(c.Name) == "" {
		return "no name"
	}
	return ""
}

func compVersion(_ *sbom.Document, c *sbom.Component) string {
	if strings.TrimSpace(c.Version) == "" {
		return "no version"
	}
	return ""
}

func compSupplier(_ *sbom.Document, c *sbom.Component) string {
	if c.Supplier == "" {
		return "no supplier"
	}
	return ""
}

func compFileName(_ *sbom.Document, c *sbom.Component) string {
	if c.FileName == "" {
		return "no file name (bsi:component:filename / packageFileName)"
	}
	return ""
}

func compLicense(_ *sbom.Document, c *sbom.Component) string {
	expr := firstNonEmpty(c.X().LicenseConcluded, c.Licenses)
	if expr == "" {
		return "no licence"
	}
	if err := sbom.ValidateLicenseExpression(expr); err != nil {
		return err.Error()
	}
	return ""
}

func compAnyLicense(_ *sbom.Document, c *sbom.Component) string {
	if c.Licenses == "" || strings.EqualFold(c.Licenses, "NONE") {
		return "no licence"
	}
	return ""
}

func compDeclaredLicense(_ *sbom.Document, c *sbom.Component) string {
	if c.X().LicenseDeclared == "" {
		return "no declared licence"
	}
	if err := sbom.ValidateLicenseExpression(c.X().LicenseDeclared); err != nil {
		return err.Error()
	}
	return ""
}

func compEffectiveLicense(_ *sbom.Document, c *sbom.Component) string {
	if c.X().LicenseEffective == "" {
		return "no effective licence"
	}
	if err := sbom.ValidateLicenseExpression(c.X().LicenseEffective); err != nil {
		return err.Error()
	}
	return ""
}

// strongHash reports whether hs holds a hash of SHA-256 strength or more
// with a non-empty value.
func strongHash(hs []sbom.Hash) (ok bool, weak string) {
	for _, h := range hs {
		switch h.Algorithm {
		case "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512", "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3":
			if strings.TrimSpace(h.Value) != "" {
				return true, ""
			}
		default:
			weak = h.Algorithm
		}
	}
	return false, weak
}

// hashReason judges the hashes of hs and more (read in that order) for a
// rule about the what hash; none is the reason when there is no hash at
// all, a constant: concatenating it per component was 70 MB of garbage on
// 1,000,000 components, as was the copy compHash made of both lists.
func hashReason(hs, more []sbom.Hash, what, none string) string {
	ok, weak := strongHash(hs)
	ok2, weak2 := strongHash(more)
	if weak2 != "" {
		weak = weak2
	}
	switch {
	case ok || ok2:
		return ""
	case weak != "":
		return fmt.Sprintf("%s hash uses %s, weaker than SHA-256", what, weak)
	}
	return none
}

func compDeployableHash(_ *sbom.Document, c *sbom.Component) string {
	return hashReason(c.X().DeployableHashes, nil, "deployable-form (distribution reference)", "no deployable-form (distribution reference) hash")
}

func compHash(_ *sbom.Document, c *sbom.Component) string {
	return hashReason(c.Hashes, c.X().DeployableHashes, "component", "no component hash")
}

func compAnyHash(_ *sbom.Document, c *sbom.Component) string {
	if len(c.Hashes) == 0 && len(c.X().DeployableHashes) == 0 {
		return "no hash"
	}
	return ""
}

// compSourceHash also accepts an SPDX package verification code, which is
// a digest over the package's source files.
func compSourceHash(_ *sbom.Document, c *sbom.Component) string {
	for _, h := range c.X().SourceHashes {
		if h.Algorithm == sbom.HashSPDXVerificationCode && h.Value != "" {
			return ""
		}
	}
	return hashReason(c.X().SourceHashes, nil, "source-code", "no source-code hash")
}

func compProp(get func(*sbom.Component) string) func(*sbom.Document, *sbom.Component) string {
	return func(_ *sbom.Document, c *sbom.Component) string {
		switch get(c) {
		case "true", "false":
			return ""
		case "":
			return "property not stated"
		}
		return fmt.Sprintf("property value %q is not true or false", get(c))
	}
}

func compURL(get func(*sbom.Component) string) func(*sbom.Document, *sbom.Component) string {
	return func(_ *sbom.Document, c *sbom.Component) string {
		u := get(c)
		switch {
		case u == "":
			return "no URL"
		case !validURL(u):
			return fmt.Sprintf("%q is not a valid URL", u)
		}
		return ""
	}
}

func compOtherIDs(_ *sbom.Document, c *sbom.Component) string {
	if c.PURL == "" && len(c.CPEs) == 0 && c.X().SWID == "" {
		return "no purl, CPE or SWID"
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func hasRef(cs []sbom.Component, ref string) bool {
	for i := range cs {
		if cs[i].Ref == ref {
			return true
		}
	}
	return false
}
