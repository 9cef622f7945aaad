package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dualmark/dualmark/internal/registry/intake"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// SeedOptions say what portfolio Seed builds.
type SeedOptions struct {
	Count   int      // products to register
	Example string   // an example product folder (dossier.yaml, SBOM, evidence)
	SBOMs   []string // SBOM files to use instead of the example's own, in turn
	// Split, when above 0, cuts each of SBOMs (CycloneDX JSON) into
	// consecutive slices of Split components, each slice an SBOM of its
	// own (its dependency graph dropped): a portfolio of many distinct
	// components from one staged SBOM, as the monitor's benchmark builds.
	Split int
}

var (
	sbomPathLine = regexp.MustCompile(`(?m)^(sbom:\n(?:  .*\n)*?  path: ).*$`)
	sbomSHALine  = regexp.MustCompile(`(?m)^(sbom:\n(?:  .*\n)*?  sha256: ).*$`)
)

// Seed registers Count products for a benchmark or a demonstration: each
// distinct SBOM is assessed once with the example's dossier (its SBOM path and
// digest replaced), and the products — "Seed product N", spread over ten
// manufacturers — reuse those versions. It returns how many it registered.
func (s *Server) Seed(ctx context.Context, o SeedOptions) (int, error) {
	base, err := intake.FromDir(o.Example)
	if err != nil {
		return 0, err
	}
	uploads := []*intake.Upload{base}
	if len(o.SBOMs) > 0 {
		uploads = nil
		for _, path := range o.SBOMs {
			data, err := os.ReadFile(path)
			if err != nil {
				return 0, err
			}
			if o.Split <= 0 {
				uploads = append(uploads, WithSBOM(base, filepath.Base(path), data))
				continue
			}
			parts, err := SplitSBOM(data, o.Split)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", path, err)
			}
			for i, part := range parts {
				name := filepath.Base(path)
				if len(parts) > 1 {
					name = fmt.Sprintf("%s.part%d.cdx.json", strings.TrimSuffix(name, ".cdx.json"), i+1)
				}
				uploads = append(uploads, WithSBOM(base, name, part))
			}
		}
	}
	versions := make([]*store.Version, len(uploads))
	for i, up := range uploads {
		res, err := intake.Process(up, intake.Options{AdvisoryDB: s.cfg.AdvisoryDB, TempDir: filepath.Join(s.cfg.Data, "tmp")})
		if err != nil {
			return 0, fmt.Errorf("seed SBOM %d: %w", i+1, err)
		}
		if versions[i], err = newVersion(res, up); err != nil {
			return 0, err
		}
	}
	a := store.Actor{UserID: "serve seed", Remote: "local"}
	orgs := make([]*store.Org, 10)
	for i := range orgs {
		orgs[i] = &store.Org{Name: fmt.Sprintf("Seed Manufacturer %d", i+1), Kind: store.KindManufacturer}
		if err := s.store.CreateOrg(ctx, a, orgs[i]); err != nil {
			return 0, err
		}
	}
	for n := 0; n < o.Count; n++ {
		org := orgs[n%len(orgs)]
		p := &store.Product{OrgID: org.ID, Name: fmt.Sprintf("Seed product %d", n+1), Manufacturer: org.Name, Model: fmt.Sprintf("SEED-%05d", n+1)}
		v := *versions[n%len(versions)]
		v.ID = ""
		if err := s.store.CreateProduct(ctx, store.Actor{OrgID: org.ID, UserID: a.UserID, Remote: a.Remote}, p, &v, nil); err != nil {
			return n, err
		}
	}
	return o.Count, nil
}

// SplitSBOM cuts a CycloneDX JSON SBOM of more than n components into
// consecutive slices of n (the last one shorter), each a copy of the
// document with only its slice and no dependency graph; a smaller SBOM is
// returned as it is.
func SplitSBOM(data []byte, n int) ([][]byte, error) {
	if n <= 0 {
		return nil, fmt.Errorf("slice size %d: must be at least 1", n)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not CycloneDX JSON: %w", err)
	}
	var comps []json.RawMessage
	if raw, ok := doc["components"]; !ok || json.Unmarshal(raw, &comps) != nil || len(comps) == 0 {
		return nil, errors.New("no \"components\" array to split")
	}
	if len(comps) <= n {
		return [][]byte{data}, nil // as it is, with its dependency graph
	}
	delete(doc, "dependencies")
	var out [][]byte
	for i := 0; i < len(comps); i += n {
		part, err := json.Marshal(comps[i:min(i+n, len(comps))])
		if err != nil {
			return nil, err
		}
		doc["components"] = part
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// WithSBOM returns a copy of an upload whose dossier names another SBOM
// (sbom.path and sbom.sha256 replaced).
func WithSBOM(up *intake.Upload, name string, sbom []byte) *intake.Upload {
	h := sha256.Sum256(sbom)
	d := sbomPathLine.ReplaceAll(up.Dossier, []byte("${1}"+name))
	d = sbomSHALine.ReplaceAll(d, []byte("${1}"+hex.EncodeToString(h[:])))
	return &intake.Upload{Dossier: d, SBOM: sbom, Evidence: up.Evidence}
}
