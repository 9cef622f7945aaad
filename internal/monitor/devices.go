package monitor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cpe"
	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/purl"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/sbom"
	"gopkg.in/yaml.v3"
)

// CSAF advisories reach the registered devices themselves (issue 14 item
// 5): every indexed version has one component of type store.DeviceType,
// the product itself (its manufacturer, brand, name, model, firmware
// version and, where the SBOM's subject or the dossier's identifiers give
// them, its purl and CPE), indexed under device keys. An imported CSAF
// document's products are stored under the same keys; the pairs of a
// device component are matched by csaf.Entry.Affects against the stored
// products instead of by match.Scan, in every kind of re-match, so a
// device finding is opened, changed (KEV, EPSS) and resolved in the same
// findings history as a component's.

// KindCSAF is the kind of the re-match an import of CSAF documents runs:
// the device pairs the documents' products touch.
const KindCSAF = "csaf"

// MatchCSAF is the match kind of a finding on the device itself from a
// CSAF advisory's product tree.
const MatchCSAF = "csaf-product"

// matchKind is the crisis answer's match kind of a component: MatchCSAF
// for a device component.
func matchKind(c *store.Component) string {
	if c.Type == store.DeviceType {
		return MatchCSAF
	}
	return ""
}

// keyDevice prefixes device keys: "d:v:" vendor, "d:c:" CPE vendor and
// product, "d:p:" purl type, namespace and name — normalised the way
// csaf.Entry.Affects compares them.
const keyDevice = "d:"

// normKey lower-cases and keeps letters and digits (csaf's comparison of
// vendor and product names).
func normKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func vendorKey(v string) string {
	if n := normKey(v); n != "" {
		return keyDevice + "v:" + n
	}
	return ""
}

func cpeKey(s string) string {
	c, ok := cpe.Parse(s)
	if !ok || normKey(c.Vendor) == "" || normKey(c.Product) == "" {
		return ""
	}
	return keyDevice + "c:" + normKey(c.Vendor) + ":" + normKey(c.Product)
}

func purlKey(s string) string {
	p, err := purl.Parse(s)
	if err != nil {
		return ""
	}
	return keyDevice + "p:" + strings.ToLower(p.Type+"/"+p.Namespace+"/"+p.Name)
}

// productKeys are the device keys a CSAF product is stored under.
func productKeys(p *csaf.Product) []string {
	var out []string
	for _, k := range []string{vendorKey(p.Vendor), cpeKey(p.CPE), purlKey(p.PURL)} {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// deviceDossier is what device identity reads of a stored dossier.
type deviceDossier struct {
	Product struct {
		FirmwareVersion string `yaml:"firmwareVersion"`
		Identifiers     []struct {
			Value string `yaml:"value"`
		} `yaml:"identifiers"`
	} `yaml:"product"`
}

// deviceComponent is a version's device itself as a reverse-index
// component: named after the product, at its firmware version (else the
// registered version), with the purl and CPE of the SBOM's subject or of a
// dossier identifier that is one; indexed under its device keys.
func deviceComponent(v *store.Version, f store.DeviceFacts, doc *sbom.Document) store.IndexedComponent {
	c := store.Component{Name: f.Name, Version: v.Version, Type: store.DeviceType}
	var d deviceDossier
	if yaml.Unmarshal(v.Dossier, &d) == nil {
		if fw := strings.TrimSpace(d.Product.FirmwareVersion); fw != "" {
			c.Version = fw
		}
		for _, id := range d.Product.Identifiers {
			val := strings.TrimSpace(id.Value)
			switch {
			case strings.HasPrefix(val, "pkg:") && c.PURL == "":
				c.PURL = val
			case strings.HasPrefix(val, "cpe:") && len(c.CPEs) == 0:
				c.CPEs = []string{val}
			}
		}
	}
	if s := doc.Subject; s != nil {
		if c.PURL == "" {
			c.PURL = s.PURL
		}
		if len(c.CPEs) == 0 && len(s.CPEs) > 0 {
			c.CPEs = []string{s.CPEs[0]}
		}
	}
	h := sha256.New()
	for _, s := range []string{store.DeviceType, v.ID, f.Manufacturer, f.Brand, f.Name, f.Model, c.Version, c.PURL, strings.Join(c.CPEs, "\x01")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	c.Digest = hex.EncodeToString(h.Sum(nil)[:16])
	keys := deviceKeys(f, &c)
	return store.IndexedComponent{Component: c, Keys: keys, Ref: "device", Path: f.Name}
}

// indexDevice adds the version's device component to what IndexVersion
// stores.
func (m *Monitor) indexDevice(ctx context.Context, v *store.Version, doc *sbom.Document, vi *store.VersionIndex) error {
	facts, err := m.st.DeviceFactsOf(ctx, []string{v.ID})
	if err != nil {
		return err
	}
	f, ok := facts[v.ID]
	if !ok {
		return nil
	}
	vi.Components = append(vi.Components, deviceComponent(v, f, doc))
	return nil
}

// devices are the identities a device is matched under: its manufacturer
// and brand as vendor, its product name and model as name.
func devices(f store.DeviceFacts, c *store.Component) []csaf.Device {
	var out []csaf.Device
	seen := map[csaf.Device]bool{}
	for _, vendor := range []string{f.Manufacturer, f.Brand} {
		for _, name := range []string{f.Name, f.Model} {
			if strings.TrimSpace(vendor) == "" || strings.TrimSpace(name) == "" {
				continue
			}
			d := csaf.Device{Vendor: vendor, Name: name, Version: c.Version, PURL: c.PURL}
			if len(c.CPEs) > 0 {
				d.CPE = c.CPEs[0]
			}
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// storedVulns is the JSON a document's vulnerabilities are stored as.
type storedVulns []csaf.VulnStatus

// csafDocID is the store's identity of a CSAF document: publisher and
// tracking ID (a new revision replaces the old one).
func csafDocID(e *csaf.Entry) string {
	h := sha256.Sum256([]byte(strings.ToLower(e.Publisher) + "\x00" + strings.ToUpper(e.TrackingID)))
	return hex.EncodeToString(h[:12])
}

// splitDevices returns the states of the device pairs among pairs, matched
// against the stored CSAF documents, and the other pairs (for match.Scan).
func (m *Monitor) splitDevices(ctx context.Context, db *advisory.DB, pairs []store.Pair) ([]store.FindingState, []store.Pair, error) {
	if len(pairs) == 0 {
		return nil, pairs, nil
	}
	cids := map[int64]bool{}
	for _, p := range pairs {
		cids[p.ComponentID] = true
	}
	dev, err := m.st.DeviceComponents(ctx, keysOf(cids))
	if err != nil || len(dev) == 0 {
		return nil, pairs, err
	}
	var rest, devPairs []store.Pair
	for _, p := range pairs {
		if dev[p.ComponentID] {
			devPairs = append(devPairs, p)
		} else {
			rest = append(rest, p)
		}
	}
	states, err := m.deviceStates(ctx, db, devPairs)
	return states, rest, err
}

// deviceStates matches device pairs against the stored CSAF documents.
func (m *Monitor) deviceStates(ctx context.Context, db *advisory.DB, pairs []store.Pair) ([]store.FindingState, error) {
	cids := map[int64]bool{}
	vids := map[string]bool{}
	for _, p := range pairs {
		cids[p.ComponentID] = true
		vids[p.VersionID] = true
	}
	comps, err := m.st.Components(ctx, keysOf(cids))
	if err != nil {
		return nil, err
	}
	facts, err := m.st.DeviceFactsOf(ctx, keysOf(vids))
	if err != nil {
		return nil, err
	}
	// the device keys of every pair, and the products under any of them in
	// one read
	pairKeys := make([][]string, len(pairs))
	all := map[string]bool{}
	for i, p := range pairs {
		c := comps[p.ComponentID]
		if c == nil {
			continue
		}
		pairKeys[i] = deviceKeys(facts[p.VersionID], c)
		for _, k := range pairKeys[i] {
			all[k] = true
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	prods, err := m.st.CSAFProductsByKeys(ctx, keysOf(all))
	if err != nil || len(prods) == 0 {
		return nil, err
	}
	byKey := map[string][]int{}
	docSet := map[string]bool{}
	decoded := make([]csaf.Product, len(prods))
	for i, sp := range prods {
		if err := json.Unmarshal(sp.Data, &decoded[i]); err != nil {
			return nil, fmt.Errorf("stored CSAF product %s of %s: %w", sp.ProductID, sp.DocID, err)
		}
		byKey[sp.Key] = append(byKey[sp.Key], i)
		docSet[sp.DocID] = true
	}
	docs, err := m.st.ImportedCSAFDocuments(ctx, keysOf(docSet))
	if err != nil {
		return nil, err
	}
	vulns := make(map[string]storedVulns, len(docs))
	for id, d := range docs {
		var vs storedVulns
		if err := json.Unmarshal(d.Vulns, &vs); err != nil {
			return nil, fmt.Errorf("stored CSAF document %s: %w", d.TrackingID, err)
		}
		vulns[id] = vs
	}
	var out []store.FindingState
	for i, p := range pairs {
		c := comps[p.ComponentID]
		if c == nil || len(pairKeys[i]) == 0 {
			continue
		}
		byDoc := map[string][]csaf.Product{}
		seen := map[[2]string]bool{}
		for _, k := range pairKeys[i] {
			for _, j := range byKey[k] {
				sp := &prods[j]
				if dk := [2]string{sp.DocID, sp.ProductID}; !seen[dk] {
					seen[dk] = true
					byDoc[sp.DocID] = append(byDoc[sp.DocID], decoded[j])
				}
			}
		}
		if len(byDoc) > 0 {
			out = append(out, pairStates(p, db, devices(facts[p.VersionID], c), byDoc, docs, vulns)...)
		}
	}
	return out, nil
}

// deviceKeys are the device keys a device is looked up under: its
// manufacturer and brand as vendor, its purl and CPEs.
func deviceKeys(f store.DeviceFacts, c *store.Component) []string {
	var out []string
	add := func(k string) {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	add(vendorKey(f.Manufacturer))
	add(vendorKey(f.Brand))
	add(purlKey(c.PURL))
	for _, s := range c.CPEs {
		add(cpeKey(s))
	}
	sort.Strings(out)
	return out
}

// pairStates are one device pair's findings: per vulnerability (its CVE,
// else its first ID) of an affected status naming a matching product, the
// tracking IDs and other IDs as aliases, the highest CVSS severity the
// documents give the matching products, KEV and EPSS for its CVEs, and the
// vendor fixes as fixed text.
func pairStates(p store.Pair, db *advisory.DB, devs []csaf.Device, byDoc map[string][]csaf.Product, docs map[string]*store.ImportedCSAF, vulns map[string]storedVulns) []store.FindingState {
	type acc struct {
		aliases map[string]bool
		sev     string
		score   float64
		fixed   map[string]bool
	}
	per := map[string]*acc{}
	docIDs := make([]string, 0, len(byDoc))
	for id := range byDoc {
		docIDs = append(docIDs, id)
	}
	sort.Strings(docIDs)
	for _, id := range docIDs {
		d := docs[id]
		if d == nil {
			continue
		}
		e := &csaf.Entry{TrackingID: d.TrackingID, Products: byDoc[id], Vulnerabilities: vulns[id]}
		pids := map[string][]string{}
		for _, dev := range devs {
			for _, h := range e.Affects(dev) {
				if h.Status == "affected" && !slices.Contains(pids[h.Vuln], h.ProductID) {
					pids[h.Vuln] = append(pids[h.Vuln], h.ProductID)
				}
			}
		}
		for i := range e.Vulnerabilities {
			v := &e.Vulnerabilities[i]
			vid := v.CVE
			if vid == "" && len(v.IDs) > 0 {
				vid = v.IDs[0]
			}
			ps := pids[vid]
			if vid == "" || len(ps) == 0 {
				continue
			}
			vid = strings.ToUpper(vid)
			a := per[vid]
			if a == nil {
				a = &acc{aliases: map[string]bool{}, fixed: map[string]bool{}}
				per[vid] = a
			}
			a.aliases[d.TrackingID] = true
			for _, x := range v.IDs {
				a.aliases[x] = true
			}
			if sev, score, _ := v.SeverityFor(ps...); score > a.score || (a.sev == "" && sev != "") {
				a.sev, a.score = sev, score
			}
			for _, r := range v.RemediationsFor(ps...) {
				if r.Category == "vendor_fix" && strings.TrimSpace(r.Details) != "" {
					a.fixed[fixedText(r.Details)] = true
				}
			}
		}
	}
	out := make([]store.FindingState, 0, len(per))
	for vid, a := range per {
		delete(a.aliases, vid)
		st := store.FindingState{VersionID: p.VersionID, ComponentID: p.ComponentID, VulnID: vid, Aliases: keysOf(a.aliases), Severity: a.sev, Fixed: keysOf(a.fixed)}
		if st.Severity == "" {
			st.Severity = "unknown"
		}
		sort.Strings(st.Aliases)
		sort.Strings(st.Fixed)
		if db != nil {
			st.KEV, st.EPSS = enrichment(db, vid, st.Aliases)
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].VulnID < out[j].VulnID })
	return out
}

// fixedText is a vendor fix's details as a fixed-versions entry: one line,
// at most 200 characters.
func fixedText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

// csafPairs are the pairs a CSAF import re-evaluates: the device pairs
// whose keys the documents' products are stored under, and the pairs of
// findings known under the documents' tracking IDs (a revision that no
// longer names a device resolves its finding).
func (m *Monitor) csafPairs(ctx context.Context, plan Plan) ([]store.Pair, error) {
	keys, err := m.st.CSAFKeysOfDocuments(ctx, plan.CSAF)
	if err != nil {
		return nil, err
	}
	comps, err := m.st.ComponentsByKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	edges, err := m.st.EdgesOfComponents(ctx, comps)
	if err != nil {
		return nil, err
	}
	seen := map[store.Pair]bool{}
	var out []store.Pair
	for _, e := range edges {
		p := store.Pair{VersionID: e.VersionID, ComponentID: e.ComponentID}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	byID, err := m.st.PairsOfVulns(ctx, plan.Records)
	if err != nil {
		return nil, err
	}
	for _, p := range byID {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// storeEntry stores one read document: its products under their device
// keys, its vulnerabilities as JSON. It returns the document's store ID,
// whether it changed, and how many product rows it has.
func (m *Monitor) storeEntry(ctx context.Context, e *csaf.Entry, sum [32]byte) (string, bool, int, error) {
	id := csafDocID(e)
	vj, err := json.Marshal(storedVulns(e.Vulnerabilities))
	if err != nil {
		return "", false, 0, err
	}
	rows, err := productRows(e)
	if err != nil {
		return "", false, 0, err
	}
	doc := &store.ImportedCSAF{ID: id, TrackingID: e.TrackingID, Publisher: e.Publisher, Title: e.Title, Released: e.Released,
		SHA256: hex.EncodeToString(sum[:]), Vulns: vj}
	changed, err := m.st.PutCSAF(ctx, doc, rows)
	return id, changed, len(rows), err
}

// productRows are a document's products as stored: each under its device
// keys, a relationship product under the keys of the products it joins;
// products without keys (no vendor, CPE or purl) cannot match a device and
// are left out.
func productRows(e *csaf.Entry) ([]store.CSAFProduct, error) {
	keysOfID := make(map[string][]string, len(e.Products))
	for i := range e.Products {
		if e.Products[i].Relationship == nil {
			keysOfID[e.Products[i].ID] = productKeys(&e.Products[i])
		}
	}
	var rows []store.CSAFProduct
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range e.Products {
		p := &e.Products[i]
		ks := keysOfID[p.ID]
		if r := p.Relationship; r != nil {
			ks = append(slices.Clone(keysOfID[r.Product]), keysOfID[r.RelatesTo]...)
		}
		if len(ks) == 0 {
			continue
		}
		buf.Reset()
		if err := enc.Encode(p); err != nil {
			return nil, err
		}
		data := bytes.TrimSpace(buf.Bytes())
		seen := map[string]bool{}
		for _, k := range ks {
			if !seen[k] {
				seen[k] = true
				rows = append(rows, store.CSAFProduct{ProductID: p.ID, Key: k, Data: slices.Clone(data)})
			}
		}
	}
	return rows, nil
}
