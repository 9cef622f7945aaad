package registry

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/vex"
)

// VEX out per product version (issue 14, CSAF/VEX out): the version's
// findings and their VEX status as a CSAF 2.0 VEX document (through
// internal/csaf, checked by the mandatory tests before it is served), an
// OpenVEX or a CycloneDX VEX document (internal/vex's writers).

// csafSchemas are the OASIS schemas the CSAF documents are checked with
// (6.1.8; found through csaf.SchemaDirs).
var csafSchemas = csaf.NewSchemas("")

// versionSources are what a version's VEX documents are made of.
type versionSources struct {
	version  *store.Version
	product  *store.Product
	owner    *store.Org
	findings *match.Result
	// cpes are the first CPE of each finding's component, by component
	// key (purl, else name@version): a finding carries only the purl.
	cpes map[string]string
	// device is the version's device component in the reverse index
	// (its purl and CPE from the dossier or the SBOM's subject), nil when
	// the version is not indexed.
	device *store.Component
}

// versionSources reads a version's product, owner and findings.
func (s *Server) versionSources(ctx context.Context, v *store.Version) (*versionSources, error) {
	prod, err := s.store.Product(ctx, "", v.ProductID)
	if err != nil {
		return nil, err
	}
	owner, err := s.store.Org(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	src := &versionSources{version: v, product: prod, owner: owner, cpes: map[string]string{}}
	if src.findings, err = s.versionFindings(ctx, v, src.cpes); err != nil {
		return nil, err
	}
	if src.device, err = s.versionDevice(ctx, v); err != nil {
		return nil, err
	}
	return src, nil
}

// versionDevice is the version's device component (store.DeviceType)
// among its reverse-index edges, nil when there is none.
func (s *Server) versionDevice(ctx context.Context, v *store.Version) (*store.Component, error) {
	db := s.cases()
	if db == nil {
		return nil, nil
	}
	edges, err := db.EdgesOfVersion(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range edges {
		if e.Ref == "device" {
			ids = append(ids, e.ComponentID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	comps, err := db.Components(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if c := comps[id]; c != nil && c.Type == store.DeviceType {
			return c, nil
		}
	}
	return nil, nil
}

// versionFindings are a version's findings as a scan result: the open ones
// and those a VEX decision resolved (a finding resolved because its
// advisory went away is no statement). cpes, when not nil, receives the
// first CPE of each component by component key (purl, else name@version).
func (s *Server) versionFindings(ctx context.Context, v *store.Version, cpes map[string]string) (*match.Result, error) {
	db := s.cases()
	res := &match.Result{Findings: []match.Finding{}}
	if db == nil {
		return res, nil
	}
	fs, err := db.Findings(ctx, store.FindingQuery{VersionIDs: []string{v.ID}})
	if err != nil {
		return nil, err
	}
	_, adb := s.Monitor() // the advisory records give the CVSS vectors the store does not keep
	ids := map[int64]bool{}
	for _, f := range fs {
		ids[f.ComponentID] = true
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	comps, err := db.Components(ctx, list)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.Resolved != nil && f.Reason != store.ResolvedVEX {
			continue
		}
		c := comps[f.ComponentID]
		if c == nil {
			continue
		}
		mf := match.Finding{Component: match.ComponentRef{Name: c.Name, Version: c.Version, PURL: c.PURL},
			Advisory: match.AdvisoryRef{ID: f.VulnID, Aliases: f.Aliases}, KEV: f.KEV, Severity: f.Severity, Fixed: f.Fixed}
		if key := c.PURL; cpes != nil && len(c.CPEs) > 0 {
			if key == "" {
				key = c.Name + "@" + c.Version
			}
			cpes[key] = c.CPEs[0]
		}
		if mf.CVSS, err = findingCVSS(adb, f.VulnID, f.Aliases); err != nil {
			return nil, err
		}
		if f.EPSS != nil {
			mf.EPSS = &match.EPSS{Score: *f.EPSS}
		}
		if f.VEXStatus != "" {
			mf.SuppressedBy = &vex.Statement{Vulnerability: f.VulnID, Status: f.VEXStatus, Impact: "VEX decision recorded by the registry", Source: "registry"}
			mf.Suppressed = mf.SuppressedBy.Suppresses()
		}
		res.Findings = append(res.Findings, mf)
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := &res.Findings[i], &res.Findings[j]
		if a.Advisory.ID != b.Advisory.ID {
			return a.Advisory.ID < b.Advisory.ID
		}
		return a.Component.Name+a.Component.Version < b.Component.Name+b.Component.Version
	})
	return res, nil
}

// findingCVSS is a finding's CVSS 3.x score as matching reads it
// (match.CVESeverity of a CVE record, match.RecordSeverity of an OSV one)
// from the advisory database's records of its id, then of its aliases: the
// first that gives a 3.x vector (CSAF 2.0 scores are CVSS 2.0 or 3.x; a 4.0
// vector does not fit). nil without a database or a vector: no score is
// made up, and optional test 6.2.3 warns.
func findingCVSS(db *advisory.DB, id string, aliases []string) (*match.Score, error) {
	if db == nil {
		return nil, nil
	}
	for _, name := range append([]string{id}, aliases...) {
		recs, err := db.LookupID(name)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var sc match.Score
			if r.CVE != nil {
				sc, _ = match.CVESeverity(r.CVE)
			} else {
				sc = match.RecordSeverity(r)
			}
			if strings.HasPrefix(sc.Vector, "CVSS:3.") {
				return &sc, nil
			}
		}
	}
	return nil, nil
}

// vexStatements turns findings into statements, one per vulnerability and
// status, naming the components (purl, else name@version).
func vexStatements(res *match.Result) []vex.Statement {
	type key struct{ vuln, status string }
	idx := map[key]int{}
	var out []vex.Statement
	for _, f := range res.Findings {
		status, just, impact, action := vex.StatusAffected, "", "", ""
		if st := f.SuppressedBy; st != nil {
			status, just, impact, action = st.Status, st.Justification, st.Impact, st.Action
		}
		if status == vex.StatusAffected && action == "" && len(f.Fixed) > 0 {
			action = "Update " + f.Component.Name + " to " + strings.Join(f.Fixed, " or ") + " or later."
		}
		prod := f.Component.PURL
		if prod == "" {
			prod = f.Component.Name + "@" + f.Component.Version
		}
		k := key{f.Advisory.ID, status}
		if i, ok := idx[k]; ok {
			if !containsStr(out[i].Products, prod) {
				out[i].Products = append(out[i].Products, prod)
			}
			if action != "" && !strings.Contains(out[i].Action, action) {
				out[i].Action = strings.TrimSpace(out[i].Action + " " + action)
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, vex.Statement{Vulnerability: f.Advisory.ID, Aliases: f.Advisory.Aliases, Products: []string{prod}, Status: status,
			Justification: just, Impact: impact, Action: action})
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) apiVersionVEX(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csaf"
	}
	if format != "csaf" && format != "openvex" && format != "cyclonedx" {
		badRequest(w, r, "format", "format %q: one of csaf, openvex, cyclonedx", format)
		return
	}
	s.readsAs(w, r, func(ctx context.Context, p *principal) (string, error) {
		return s.visibleVersion(ctx, p, r.PathValue("id"))
	}, func(ctx context.Context, org string) (any, error) {
		v, err := s.store.Version(ctx, org, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		src, err := s.versionSources(ctx, v)
		if err != nil {
			return nil, err
		}
		prod, owner, res := src.product, src.owner, src.findings
		now := time.Now().UTC().Truncate(time.Second)
		base := strings.TrimRight(s.cfg.BaseURL, "/")
		if base == "" {
			base = "https://registry.invalid"
		}
		switch format {
		case "openvex", "cyclonedx":
			doc := &vex.OutDocument{ID: base + "/api/v1/versions/" + v.ID + "/vex?format=openvex&at=" + now.Format(time.RFC3339), Author: owner.Name,
				Timestamp: now, Product: prod.Name, ProductVersion: v.Version, Statements: vexStatements(res)}
			var data []byte
			if format == "openvex" {
				data, err = vex.OpenVEX(doc)
			} else {
				data, err = vex.CycloneDX(doc, "")
			}
			if err != nil {
				return nil, err
			}
			ct := "application/json"
			if format == "cyclonedx" {
				ct = "application/vnd.cyclonedx+json"
			}
			return rawBody{ctype: ct, data: append(data, '\n')}, nil
		}
		a, err := s.csafVEX(src, strings.ToUpper("DMR-VEX-"+v.ID+"-"+now.Format("20060102T150405")), "", now) // csafprov.go
		if err != nil {
			return nil, err
		}
		data, err := csaf.Marshal(a) // keys sorted (6.2.13)
		if err != nil {
			return nil, err
		}
		// served only when it passes the schema and the mandatory tests
		probs, err := csaf.CheckBytes(data, csafSchemas)
		if err != nil {
			return nil, fmt.Errorf("checking the CSAF VEX document: %w", err)
		}
		if len(probs) > 0 {
			return nil, fmt.Errorf("the CSAF VEX document of version %s fails %s at %s: %s", v.ID, probs[0].Test, probs[0].Pointer, probs[0].Message)
		}
		return rawBody{ctype: "application/json", data: data}, nil
	})
}
