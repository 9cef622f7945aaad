package pqc

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/sbom"
)

// asset is the policy's view of one cryptographic asset, from a CBOM
// component or a dossier entry.
type asset struct {
	ref, name, location, assetType string
	// texts are matched against the family patterns.
	texts     []string
	oid       string
	primitive string
	functions []string
	bits      int
	curve     string
	nql       *int
	purposes  []string
	// algRef (keys): the algorithm the key is for.
	algRef string
	// deps are refs whose ratings combine into this asset's (certificates,
	// protocols).
	deps []string
	// protocol type and version, for protocol assets.
	protoType, protoVersion string
	usedBy                  []string
}

// contrib is one part of a rating: a family recognised or a referenced
// asset already rated.
type contrib struct {
	family   string
	rating   string
	pq, asym bool // a post-quantum part; an asymmetric part
	// sizeUnknown: a public-key family whose key size or curve is not
	// stated, so its strength is unknown (the earliest deadline binds)
	sizeUnknown bool
	strength    int
	reason      string
	source      string
}

// evaluator rates a set of assets, memoising by index.
type evaluator struct {
	p      *Policy
	assets []asset
	byRef  map[string]int
	done   []*rated
	busy   []bool
	warn   func(loc, msg string)
}

type rated struct {
	contrib
	families []string
	hybrid   bool
	sources  []string
}

var bitsRe = regexp.MustCompile(`(?i)(?:RSA|DHE?|DSA|FFDHE|MODP)[-_ ]?(\d{3,5})`)

func (e *evaluator) rate(i int) *rated {
	if e.done[i] != nil {
		return e.done[i]
	}
	if e.busy[i] {
		return &rated{contrib: contrib{rating: Unknown, reason: "references form a cycle"}}
	}
	e.busy[i] = true
	defer func() { e.busy[i] = false }()
	a := e.assets[i]
	var cs []contrib
	// a key takes the families of the algorithm it is for
	if a.algRef != "" {
		if j, ok := e.byRef[a.algRef]; ok && j != i {
			alg := e.assets[j]
			a.texts = append(slices.Clone(a.texts), alg.texts...)
			a.oid = firstNonEmpty(alg.oid, a.oid)
			a.curve = firstNonEmpty(a.curve, alg.curve)
			a.primitive = firstNonEmpty(a.primitive, alg.primitive)
			a.functions = append(slices.Clone(a.functions), alg.functions...)
			if a.bits == 0 {
				a.bits = alg.bits
			}
		}
	}
	if a.assetType == "protocol" {
		cs = append(cs, e.protocolContrib(a)...)
	} else {
		cs = append(cs, e.familyContribs(a)...)
	}
	for _, d := range a.deps {
		j, ok := e.byRef[d]
		if !ok || j == i {
			continue // dangling refs are warned about by the SBOM reader
		}
		r := e.rate(j)
		c := r.contrib
		c.family, c.source = "", ""
		c.reason = fmt.Sprintf("uses %s (%s)", e.assets[j].name, r.rating)
		if r.rating == Broken || r.rating == Unknown {
			c.reason = fmt.Sprintf("uses %s (%s: %s)", e.assets[j].name, r.rating, r.reason)
		}
		cs = append(cs, c)
	}
	r := combine(cs, a.assetType)
	if a.nql != nil && *a.nql >= 1 && r.rating != QuantumSafe {
		e.warn(a.location+"/cryptoProperties/algorithmProperties/nistQuantumSecurityLevel",
			fmt.Sprintf("%s: the CBOM claims NIST quantum security level %d, but the policy rates it %s; the claim is ignored", a.name, *a.nql, r.rating))
	}
	e.done[i] = r
	return r
}

// familyContribs recognises the algorithm families of an asset and rates
// each.
func (e *evaluator) familyContribs(a asset) []contrib {
	matched := map[string]bool{}
	oid := strings.TrimPrefix(a.oid, "oid:")
	for _, f := range e.p.Families {
		for _, o := range f.OIDs {
			if oid != "" && (oid == o || strings.HasPrefix(oid, o+".") && strings.Count(o, ".") >= 7) {
				matched[f.ID] = true
			}
		}
		for _, re := range f.re {
			for _, t := range a.texts {
				if re.MatchString(t) {
					matched[f.ID] = true
				}
			}
		}
	}
	var fams []*Family
	for _, f := range e.p.Families {
		if !matched[f.ID] {
			continue
		}
		excluded := false
		for _, x := range f.Excludes {
			excluded = excluded || matched[x]
		}
		if !excluded {
			fams = append(fams, f)
		}
	}
	signature := a.primitive == "signature" || slices.Contains(a.functions, "sign") || slices.Contains(a.functions, "verify") ||
		slices.Contains(a.purposes, PurposeFirmwareSigning) || slices.Contains(a.purposes, PurposePKI)
	for _, f := range fams {
		if f.Kind == "public-key" && f.ID != "ECDH" && f.ID != "DH" {
			signature = true
		}
	}
	var cs []contrib
	for _, f := range fams {
		c := contrib{family: f.ID, rating: f.Rating, source: f.Source, reason: f.Reason, pq: f.Kind == "pqc", asym: f.Kind == "pqc" || f.Kind == "public-key"}
		switch {
		case f.SignatureRating != "" && signature:
			c.rating = f.SignatureRating
		case f.OtherReason != "" && f.SignatureRating != "":
			c.reason = f.OtherReason
		}
		if len(f.OnlyPurposes) > 0 {
			switch {
			case len(a.purposes) == 0:
				c.reason += " (use not stated: assumed " + strings.Join(f.OnlyPurposes, "/") + "; state it with the property " + sbom.PropCryptoPurpose + ")"
			case !intersects(a.purposes, f.OnlyPurposes):
				c.rating, c.reason, c.pq = Unknown, f.OtherReason, false
			}
		}
		if f.Kind == "public-key" {
			e.sizeRule(f, a, &c)
		}
		if c.reason == "" {
			c.reason = f.ID + " is " + c.rating
		}
		cs = append(cs, c)
	}
	return cs
}

// sizeRule sets the strength of a public-key contribution and breaks it
// when the key or curve is too small.
func (e *evaluator) sizeRule(f *Family, a asset, c *contrib) {
	if len(f.Strength) > 0 {
		bits := a.bits
		if bits == 0 {
			for _, t := range a.texts {
				if m := bitsRe.FindStringSubmatch(t); m != nil {
					bits, _ = strconv.Atoi(m[1])
					break
				}
			}
		}
		if bits == 0 {
			c.reason, c.sizeUnknown = f.ID+" key size not stated: the 112-bit deadline is assumed", true
			return
		}
		if f.MinBits > 0 && bits < f.MinBits {
			c.rating, c.reason, c.source = Broken, fmt.Sprintf("%s-%d is below %d bits", f.ID, bits, f.MinBits), "sp800-131a-r2"
			return
		}
		keys := make([]int, 0, len(f.Strength))
		for k := range f.Strength {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, k := range keys {
			if bits >= k {
				c.strength = f.Strength[k]
			}
		}
		c.reason = fmt.Sprintf("%s-%d (%d-bit security) is quantum-vulnerable", f.ID, bits, c.strength)
		return
	}
	curve, strength := e.curveOf(a)
	if strength == 0 {
		c.reason, c.sizeUnknown = f.ID+" curve not stated: the 112-bit deadline is assumed", true
		return
	}
	if strength < 112 {
		c.rating, c.reason, c.source = Broken, fmt.Sprintf("%s on %s gives only %d-bit security", f.ID, curve, strength), "sp800-131a-r2"
		return
	}
	c.strength = strength
	c.reason = fmt.Sprintf("%s on %s (%d-bit security) is quantum-vulnerable", f.ID, curve, strength)
}

// curveOf finds the curve of an asset (the curve field, else the longest
// curve name inside its texts) and its strength.
func (e *evaluator) curveOf(a asset) (string, int) {
	if a.curve != "" {
		if s, ok := e.p.curveStrength[normCurve(a.curve)]; ok {
			return a.curve, s
		}
	}
	best, bs := "", 0
	for _, t := range a.texts {
		n := normCurve(t)
		for name, s := range e.p.curveStrength {
			if strings.Contains(n, name) && len(name) > len(best) {
				best, bs = name, s
			}
		}
	}
	return best, bs
}

// protocolContrib rates a protocol by its version and its cipher-suite
// names.
func (e *evaluator) protocolContrib(a asset) []contrib {
	t := strings.ToLower(a.protoType)
	v := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(a.protoVersion), "v"), t))
	var cs []contrib
	// suite names: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> families
	suite := a
	suite.assetType = "algorithm"
	suite.texts = nil
	suite.purposes = nil
	for _, s := range a.texts {
		// one token at a time, so that TLS_ECDHE_ECDSA_... yields both
		// ECDH and ECDSA (in one name, ECDH would exclude ECDSA)
		seen := map[string]bool{}
		for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == ' ' || r == '/' || r == ',' }) {
			suite.texts = []string{tok}
			for _, c := range e.familyContribs(suite) {
				if seen[c.family] {
					continue
				}
				seen[c.family] = true
				if c.rating != Broken {
					c.reason = fmt.Sprintf("cipher suite %s uses %s (%s)", s, c.family, c.rating)
				}
				c.sizeUnknown = false // the sizes are those of the referenced algorithms
				cs = append(cs, c)
			}
		}
	}
	for _, pr := range e.p.Protocols {
		if pr.Type != t && !slices.Contains(pr.Aliases, t) {
			continue
		}
		for _, r := range pr.Rules {
			if !slices.Contains(r.Versions, v) {
				continue
			}
			if r.Rating == ratingGroups {
				cs = append(cs, contrib{family: a.protoType + " " + a.protoVersion, rating: ratingGroups})
			} else {
				cs = append(cs, contrib{family: a.protoType + " " + a.protoVersion, rating: r.Rating, reason: r.Reason, source: r.Source,
					strength: r.Strength, asym: r.Rating == QuantumVulnerable})
			}
			return cs
		}
		return append(cs, contrib{family: a.protoType, rating: Unknown, reason: fmt.Sprintf("%s version %q is not in the policy", a.protoType, a.protoVersion)})
	}
	return append(cs, contrib{family: a.protoType, rating: Unknown, reason: fmt.Sprintf("protocol type %q is not rated by the policy", a.protoType)})
}

// combine folds the contributions into one rating: broken wins; a
// post-quantum part makes the asset quantum-safe (hybrid when a classical
// asymmetric part is there too); else quantum-vulnerable; else unknown;
// symmetric and hash parts alone are quantum-safe.
func combine(cs []contrib, assetType string) *rated {
	r := &rated{}
	var broken, pq, vuln, unk, safe []contrib
	groups := false
	for _, c := range cs {
		r.families = appendUnique(r.families, c.family)
		if c.source != "" {
			r.sources = appendUnique(r.sources, c.source)
		}
		switch {
		case c.rating == Broken:
			broken = append(broken, c)
		case c.rating == ratingGroups:
			groups = true
		case c.rating == QuantumSafe && c.pq:
			pq = append(pq, c)
		case c.rating == QuantumVulnerable:
			vuln = append(vuln, c)
		case c.rating == Unknown:
			unk = append(unk, c)
		case c.rating == QuantumSafe:
			safe = append(safe, c)
		}
	}
	reasons := func(list []contrib) string {
		var out []string
		for _, c := range list {
			out = appendUnique(out, c.reason)
		}
		return strings.Join(out, "; ")
	}
	switch {
	case len(broken) > 0:
		r.contrib = contrib{rating: Broken, reason: reasons(broken), asym: true}
	case len(pq) > 0:
		r.contrib = contrib{rating: QuantumSafe, pq: true, asym: true, reason: reasons(pq)}
		if len(vuln) > 0 {
			r.hybrid = true
			r.reason = "hybrid: " + reasons(pq) + "; classical part: " + reasons(vuln)
		}
	case len(vuln) > 0:
		r.contrib = contrib{rating: QuantumVulnerable, asym: true, reason: reasons(vuln)}
		// the weakest stated strength; a part of unknown size makes the
		// whole unknown (and bound by the earliest deadline)
		for _, c := range vuln {
			if c.sizeUnknown {
				r.strength, r.sizeUnknown = 0, true
				break
			}
			if c.strength > 0 && (r.strength == 0 || c.strength < r.strength) {
				r.strength = c.strength
			}
		}
	case len(unk) > 0:
		r.contrib = contrib{rating: Unknown, reason: reasons(unk)}
	case groups:
		r.contrib = contrib{rating: Unknown, reason: "the key-exchange groups and signature algorithms are not listed (cipher suites or cryptoRefArray), so the protocol cannot be rated"}
	case len(safe) > 0:
		r.contrib = contrib{rating: QuantumSafe, reason: reasons(safe)}
	case assetType == "certificate" || assetType == "related-crypto-material":
		r.contrib = contrib{rating: Unknown, reason: "the algorithm it uses is not stated or not resolvable"}
	default:
		r.contrib = contrib{rating: Unknown, reason: "algorithm not recognised by the policy"}
	}
	return r
}

// deadline returns the earliest deadline binding a quantum-vulnerable asset
// of the given strength (0: unknown, bound by all) and purposes.
func (p *Policy) deadline(strength int, purposes []string) *Deadline {
	var best *Deadline
	for i := range p.Deadlines {
		d := &p.Deadlines[i]
		if d.MaxStrength > 0 && strength > d.MaxStrength {
			continue
		}
		if len(d.Purposes) > 0 && !intersects(d.Purposes, purposes) {
			continue
		}
		// the earliest binds; on a tie the one specific to the use says more
		if best == nil || d.last.Before(best.last) || d.last.Equal(best.last) && len(d.Purposes) > 0 && len(best.Purposes) == 0 {
			best = d
		}
	}
	return best
}

// evaluate rates every asset and builds the result.
func evaluate(p *Policy, assets []asset, opts Options, res *Result) {
	e := &evaluator{p: p, assets: assets, byRef: map[string]int{}, done: make([]*rated, len(assets)), busy: make([]bool, len(assets)),
		warn: func(loc, msg string) { res.Warnings = append(res.Warnings, sbom.Warning{Location: loc, Message: msg}) }}
	for i, a := range assets {
		if a.ref != "" {
			if _, dup := e.byRef[a.ref]; !dup {
				e.byRef[a.ref] = i
			}
		}
	}
	propagatePurposes(e)
	on := opts.On
	if on.IsZero() {
		on = time.Now().UTC()
	}
	res.On = on.Format(time.DateOnly)
	if !opts.SupportUntil.IsZero() {
		res.SupportUntil = opts.SupportUntil.Format(time.DateOnly)
	}
	res.PolicyVersion = p.Version
	res.Counts = map[string]int{}
	res.Assets, res.Sources = []AssetResult{}, []Source{}
	used := map[string]bool{}
	for i := range assets {
		r := e.rate(i)
		a := e.assets[i]
		ar := AssetResult{Ref: a.ref, Name: a.name, Location: a.location, AssetType: a.assetType, Families: r.families,
			Strength: r.strength, Purposes: a.purposes, Rating: r.rating, Hybrid: r.hybrid, Reason: r.reason, Sources: r.sources, UsedBy: a.usedBy}
		e.status(&ar, on, opts.SupportUntil, res)
		res.Counts[ar.Rating]++
		res.Assets = append(res.Assets, ar)
		for _, s := range ar.Sources {
			used[s] = true
		}
		if ar.DeadlineRule != "" {
			for _, d := range p.Deadlines {
				if d.ID == ar.DeadlineRule {
					used[d.Source] = true
				}
			}
		}
	}
	for _, id := range sortedKeys(used) {
		if s := p.Sources[id]; s != nil {
			res.Sources = append(res.Sources, *s)
		}
	}
	if len(assets) == 0 {
		res.Findings = append(res.Findings, Finding{Name: "(none)", Status: StatusUnknown,
			Message: "no cryptographic assets are listed, so post-quantum readiness cannot be judged", Next: "list the algorithms, keys, certificates and protocols in a CycloneDX 1.6+ CBOM"})
	}
	res.Ready = len(res.Findings) == 0
	res.Readiness = readinessLine(res)
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	if res.Warnings == nil {
		res.Warnings = []sbom.Warning{}
	}
}

// status decides the status of a rated asset on the date and over the
// support period, adding its finding.
func (e *evaluator) status(ar *AssetResult, on, until time.Time, res *Result) {
	f := Finding{Ref: ar.Ref, Name: ar.Name, Location: ar.Location}
	switch ar.Rating {
	case QuantumSafe:
		ar.Status = StatusOK
		return
	case Broken:
		ar.Status = StatusForbidden
		f.Message = ar.Name + " is broken: " + ar.Reason
		f.Next = "replace it now"
	case Unknown:
		ar.Status = StatusUnknown
		f.Message = ar.Name + " cannot be rated: " + ar.Reason
		f.Next = "name the algorithm (CycloneDX name or algorithmFamily, parameter set, curve or key size) so the policy can rate it"
		if ar.AssetType == "protocol" {
			f.Next = "state the protocol version and the key-exchange and signature algorithms it uses (cipherSuites, cryptoRefArray), or record in the risk assessment why it needs no migration"
		}
	case QuantumVulnerable:
		d := e.p.deadline(ar.Strength, ar.Purposes)
		if d == nil {
			ar.Status = StatusAcceptable
			return
		}
		ar.Deadline, ar.DeadlineRule = d.Last, d.ID
		src := e.p.Sources[d.Source]
		cite := fmt.Sprintf("%s (%s) [%s]", d.Says, d.Source, src.Confidence)
		if src.Status == "draft" {
			cite = fmt.Sprintf("%s (%s, a draft) [%s]", d.Says, d.Source, src.Confidence)
		}
		f.Deadline = d.Last
		f.Next = migrationHint(ar.Purposes, ar.AssetType)
		switch {
		case on.After(d.last):
			ar.Status = StatusForbidden
			f.Message = fmt.Sprintf("%s is quantum-vulnerable and no longer acceptable since %s: %s", ar.Name, d.last.AddDate(0, 0, 1).Format(time.DateOnly), cite)
		case !until.IsZero() && until.After(d.last):
			ar.Status = StatusMigrate
			f.Message = fmt.Sprintf("%s is quantum-vulnerable and the support period runs to %s: migrate by %s; %s", ar.Name, until.Format(time.DateOnly), d.Last, cite)
		default:
			ar.Status = StatusAcceptable
			if until.IsZero() {
				ar.Reason += "; acceptable until " + d.Last + " (no support end given)"
			} else {
				ar.Reason += "; acceptable until " + d.Last + ", after the support period ends"
			}
			return
		}
	}
	f.Status = ar.Status
	res.Findings = append(res.Findings, f)
}

func migrationHint(purposes []string, assetType string) string {
	switch {
	case assetType == "protocol":
		return "offer a hybrid key exchange such as X25519MLKEM768 (TLS 1.3) and ML-DSA or composite certificates"
	case slices.Contains(purposes, PurposeFirmwareSigning):
		return "sign firmware with ML-DSA, SLH-DSA or LMS/XMSS, or a hybrid such as Ed25519 + ML-DSA-65, and ship the new verification key in an update before the deadline"
	case slices.Contains(purposes, PurposePKI):
		return "plan ML-DSA or composite (ML-DSA + ECDSA) certificates and a CA that issues them"
	case slices.Contains(purposes, "key-establishment"):
		return "use a hybrid key exchange such as X25519MLKEM768 (TLS 1.3)"
	}
	return "move to ML-KEM (key establishment) or ML-DSA/SLH-DSA (signatures), or a hybrid; keep the algorithm updatable (crypto agility)"
}

// readinessLine is the one line for consumers and the label.
func readinessLine(res *Result) string {
	var forbidden, migrate, unknown []string
	first := ""
	for _, f := range res.Findings {
		switch f.Status {
		case StatusForbidden:
			forbidden = appendUnique(forbidden, f.Name)
		case StatusMigrate:
			migrate = append(migrate, f.Name)
			if first == "" || f.Deadline < first {
				first = f.Deadline
			}
		case StatusUnknown:
			unknown = append(unknown, f.Name)
		}
	}
	switch {
	case len(forbidden) > 0:
		return fmt.Sprintf("Not post-quantum ready: uses cryptography that is broken or past its deadline (%s).", strings.Join(forbidden, ", "))
	case len(migrate) > 0:
		return fmt.Sprintf("Not yet post-quantum ready: %d item(s) must move to quantum-safe cryptography by %s, before support ends on %s.", len(migrate), first, res.SupportUntil)
	case len(unknown) > 0:
		return fmt.Sprintf("Post-quantum readiness unknown: %d item(s) could not be rated.", len(unknown))
	case res.SupportUntil == "":
		return "Post-quantum readiness: no cryptography needs replacing today; give the support end to judge the whole support period."
	}
	fw := ""
	for _, a := range res.Assets {
		if slices.Contains(a.Purposes, PurposeFirmwareSigning) && a.Rating == QuantumSafe {
			fw = " Firmware updates are signed with quantum-safe cryptography."
			break
		}
	}
	return fmt.Sprintf("Post-quantum ready: no cryptography has to be replaced before support ends on %s.%s", res.SupportUntil, fw)
}

// propagatePurposes gives the algorithms and keys a certificate uses the
// purpose pki, and passes purposes along the asset-to-asset references of
// keys, certificates and dependency edges, three rounds deep.
func propagatePurposes(e *evaluator) {
	for round := 0; round < 3; round++ {
		for i := range e.assets {
			a := &e.assets[i]
			give := slices.Clone(a.purposes)
			if a.assetType == "certificate" {
				give = appendUnique(give, PurposePKI)
				a.purposes = appendUnique(a.purposes, PurposePKI)
			}
			if len(give) == 0 {
				continue
			}
			targets := slices.Clone(a.deps)
			if a.algRef != "" {
				targets = append(targets, a.algRef)
			}
			if a.assetType == "protocol" {
				continue // a protocol's algorithms keep their own use
			}
			for _, t := range targets {
				if j, ok := e.byRef[t]; ok && j != i {
					for _, g := range give {
						e.assets[j].purposes = appendUnique(e.assets[j].purposes, g)
					}
				}
			}
		}
	}
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
