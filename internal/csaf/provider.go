package csaf

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Provider describes a CSAF provider: where it is served and who it is.
type Provider struct {
	// BaseURL is the site's root, e.g. https://psirt.example.com; the
	// directory is served under BaseURL/.well-known/csaf/.
	BaseURL   string
	Publisher Publisher
	// Signer signs every document (.asc); without one the role is
	// csaf_provider, with one csaf_trusted_provider.
	Signer *Signer
	// Now is the provider metadata's last_updated.
	Now time.Time
	// Folder is the CSAF folder's path below BaseURL (default
	// ".well-known/csaf"); the registry serves one per manufacturer.
	Folder string
	// Contact, a mailto: or https: URI, makes WriteProvider write
	// .well-known/security.txt with a CSAF: line pointing at the provider
	// metadata (CSAF 2.0 requirement 8), expiring a year after Now.
	Contact string
}

// FileName is the CSAF 2.0 file name of a tracking ID (section 5.1):
// lower case, every character other than a–z, 0–9, '+' and '-' replaced by
// '_', plus ".json".
func FileName(trackingID string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(trackingID) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '+', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String() + ".json"
}

// Published is one document written to the directory.
type Published struct {
	TrackingID string `json:"trackingId"`
	TLP        string `json:"tlp"`
	Path       string `json:"path"` // relative to .well-known/csaf
}

// WriteProvider writes a provider directory under dir: the documents by
// TLP folder and year of initial release, each with .sha256, .sha512 and
// (with a signer) .asc; per TLP folder index.txt, changes.csv and a ROLIE
// feed; provider-metadata.json, which is checked against the OASIS provider
// schema. Every document is checked first (schema and mandatory tests); one
// that fails is not published and the error lists its problems.
func WriteProvider(dir string, p Provider, docs [][]byte, schemas *Schemas) ([]Published, error) {
	site, out, err := BuildProvider(p, docs, schemas)
	if err != nil {
		return nil, err
	}
	for _, name := range site.Names() {
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(name)), site[name]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Site is a provider directory in memory: each file's bytes by its path
// below the site's root (".well-known/csaf/provider-metadata.json", …).
type Site map[string][]byte

// Names returns the site's file paths, sorted.
func (s Site) Names() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BuildProvider makes the provider directory WriteProvider writes, in
// memory: the same files, by path below the site's root. The CSAF folder
// is Provider.Folder below BaseURL (default ".well-known/csaf").
func BuildProvider(p Provider, docs [][]byte, schemas *Schemas) (Site, []Published, error) {
	if p.BaseURL == "" || p.Publisher.Name == "" || p.Publisher.Namespace == "" {
		return nil, nil, fmt.Errorf("provider: base URL, publisher name and namespace are required")
	}
	if p.Publisher.Category == "" {
		p.Publisher.Category = "vendor"
	}
	folderPath := strings.Trim(p.Folder, "/")
	if folderPath == "" {
		folderPath = ".well-known/csaf"
	}
	base := strings.TrimRight(p.BaseURL, "/") + "/" + folderPath
	site := Site{}
	root := folderPath
	writeFile := func(name string, data []byte) error { site[name] = data; return nil }
	writeWithSums := func(name string, data []byte, s *Signer) error { return site.addWithSums(name, data, s) }
	type entry struct {
		rel              string
		id, title        string
		initial, current string
		products         []string
	}
	byTLP := map[string][]entry{}
	var out []Published
	seen := map[string]bool{}
	for i, data := range docs {
		ps, err := CheckBytes(data, schemas)
		if err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if len(ps) > 0 {
			return nil, nil, fmt.Errorf("document %d fails the CSAF checks and is not published: %v", i+1, ps)
		}
		var a Advisory
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		tlp := "WHITE"
		if d := a.Document.Distribution; d != nil && d.TLP != nil {
			tlp = d.TLP.Label
		}
		t, err := time.Parse(time.RFC3339, a.Document.Tracking.InitialReleaseDate)
		if err != nil {
			return nil, nil, fmt.Errorf("document %d: /document/tracking/initial_release_date: %w", i+1, err)
		}
		rel := path.Join(fmt.Sprint(t.UTC().Year()), FileName(a.Document.Tracking.ID))
		folder := strings.ToLower(tlp)
		if seen[folder+"/"+rel] {
			return nil, nil, fmt.Errorf("document %d: tracking ID %s given twice", i+1, a.Document.Tracking.ID)
		}
		seen[folder+"/"+rel] = true
		if err := writeWithSums(path.Join(root, folder, rel), data, p.Signer); err != nil {
			return nil, nil, err
		}
		byTLP[folder] = append(byTLP[folder], entry{rel, a.Document.Tracking.ID, a.Document.Title, a.Document.Tracking.InitialReleaseDate, a.Document.Tracking.CurrentReleaseDate, productNames(a.ProductTree)})
		out = append(out, Published{a.Document.Tracking.ID, tlp, folder + "/" + rel})
	}
	now := p.Now.UTC().Format(time.RFC3339)
	var feeds, collections, dists []map[string]any
	var folders []string
	for f := range byTLP {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	for _, folder := range folders {
		es := byTLP[folder]
		sort.Slice(es, func(i, j int) bool {
			if es[i].current != es[j].current {
				return es[i].current > es[j].current
			}
			return es[i].rel < es[j].rel
		})
		var index, changes bytes.Buffer
		var entries []map[string]any
		for _, e := range es {
			index.WriteString(e.rel + "\n")
			fmt.Fprintf(&changes, "%q,%q\n", e.rel, e.current)
			u := base + "/" + folder + "/" + e.rel
			links := []map[string]string{{"rel": "self", "href": u}, {"rel": "hash", "href": u + ".sha256"}, {"rel": "hash", "href": u + ".sha512"}}
			if p.Signer != nil {
				links = append(links, map[string]string{"rel": "signature", "href": u + ".asc"})
			}
			entries = append(entries, map[string]any{
				"id": e.id, "title": e.title, "link": links, "published": e.initial, "updated": e.current,
				"summary": map[string]string{"content": e.title},
				"content": map[string]string{"type": "application/json", "src": u},
				"format":  map[string]string{"schema": CSAFSchemaURL, "version": Version},
			})
		}
		label := strings.ToUpper(folder)
		feedName := "csaf-feed-tlp-" + folder + ".json"
		feedURL := base + "/" + folder + "/" + feedName
		feed := map[string]any{"feed": map[string]any{
			"id": sanitize(strings.ToLower(p.Publisher.Name)) + "-csaf-feed-tlp-" + folder, "title": p.Publisher.Name + " CSAF feed (TLP:" + label + ")",
			"link":     []map[string]string{{"rel": "self", "href": feedURL}},
			"category": []map[string]string{{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}},
			"updated":  now, "entry": entries,
		}}
		var terms []map[string]string
		seenTerm := map[string]bool{}
		for _, e := range es {
			for _, n := range e.products {
				if !seenTerm[n] {
					seenTerm[n] = true
					terms = append(terms, map[string]string{"term": n})
				}
			}
		}
		category := map[string]any{"categories": map[string]any{"category": terms}}
		for name, data := range map[string][]byte{"index.txt": index.Bytes(), "changes.csv": changes.Bytes(), feedName: mustJSON(feed),
			"category-" + folder + ".json": mustJSON(category)} {
			if err := writeFile(path.Join(root, folder, name), data); err != nil {
				return nil, nil, err
			}
		}
		feeds = append(feeds, map[string]any{"summary": "TLP:" + label + " advisories of " + p.Publisher.Name + ".", "tlp_label": label, "url": feedURL})
		collections = append(collections, map[string]any{"title": p.Publisher.Name + " CSAF feed (TLP:" + label + ")", "href": feedURL,
			"categories": map[string]any{"category": []map[string]string{{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}}}})
		dists = append(dists, map[string]any{"directory_url": base + "/" + folder + "/"})
	}
	if len(collections) > 0 {
		service := map[string]any{"service": map[string]any{"workspace": []map[string]any{{"title": p.Publisher.Name + " CSAF feeds", "collection": collections}}}}
		if err := writeFile(path.Join(root, "service.json"), mustJSON(service)); err != nil {
			return nil, nil, err
		}
	}
	meta := map[string]any{
		"canonical_url":              base + "/provider-metadata.json",
		"last_updated":               now,
		"list_on_CSAF_aggregators":   true,
		"metadata_version":           Version,
		"mirror_on_CSAF_aggregators": true,
		"publisher":                  p.Publisher,
		"role":                       "csaf_provider",
	}
	if len(feeds) > 0 {
		meta["distributions"] = append(dists, map[string]any{"rolie": map[string]any{"feeds": feeds}})
	}
	if p.Signer != nil {
		meta["role"] = "csaf_trusted_provider"
		meta["public_openpgp_keys"] = []map[string]string{{"fingerprint": p.Signer.Fingerprint, "url": base + "/openpgp/" + p.Signer.Fingerprint + ".asc"}}
		if err := writeFile(path.Join(root, "openpgp", p.Signer.Fingerprint+".asc"), p.Signer.PublicKey); err != nil {
			return nil, nil, err
		}
	}
	data := mustJSON(meta)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	ps, err := schemas.validate(ProviderSchemaURL, "provider-schema", v)
	if err != nil {
		return nil, nil, err
	}
	if len(ps) > 0 {
		return nil, nil, fmt.Errorf("provider-metadata.json fails the provider schema: %v", ps)
	}
	if err := writeWithSums(path.Join(root, "provider-metadata.json"), data, p.Signer); err != nil {
		return nil, nil, err
	}
	if p.Contact != "" {
		txt := "Contact: " + p.Contact + "\nExpires: " + p.Now.UTC().AddDate(1, 0, 0).Format(time.RFC3339) + "\nCSAF: " + base + "/provider-metadata.json\n"
		if err := writeFile(".well-known/security.txt", []byte(txt)); err != nil {
			return nil, nil, err
		}
	}
	return site, out, nil
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only maps of strings and slices: cannot fail
	}
	return append(b, '\n')
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// addWithSums adds a file with its .sha256 and .sha512 (in the sha256sum
// format) and, with a signer, its .asc.
func (site Site) addWithSums(p string, data []byte, s *Signer) error {
	site[p] = data
	name := path.Base(p)
	s256 := sha256.Sum256(data)
	s512 := sha512.Sum512(data)
	site[p+".sha256"] = []byte(hex.EncodeToString(s256[:]) + "  " + name + "\n")
	site[p+".sha512"] = []byte(hex.EncodeToString(s512[:]) + "  " + name + "\n")
	if s != nil {
		sig, err := s.Sign(data)
		if err != nil {
			return fmt.Errorf("signing %s: %w", name, err)
		}
		site[p+".asc"] = sig
	}
	return nil
}

// productNames returns "vendor product" for each product-name branch of a
// product tree, for the ROLIE category document.
func productNames(pt *ProductTree) []string {
	if pt == nil {
		return nil
	}
	var out []string
	for _, v := range pt.Branches {
		for _, p := range v.Branches {
			if p.Category == "product_name" {
				out = append(out, strings.TrimSpace(v.Name+" "+p.Name))
			}
		}
	}
	return out
}
