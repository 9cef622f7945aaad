package catalog

import (
	"bytes"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// cutData returns the embedded data cut down to a small consistent
// catalog, for FuzzParse: every regime file keeps its first two groups
// with their first three requirements, the crosswalk the rows (and none
// entries) between requirements that are kept. Parsing the whole data
// takes tens of milliseconds, which held the fuzzer at a few executions a
// minute (docs/HARDENING.md); the cut parses in well under one.
func cutData(tb testing.TB) fstest.MapFS {
	tb.Helper()
	full := dataFiles(tb)
	out := fstest.MapFS{}
	for k, v := range full {
		out[k] = &fstest.MapFile{Data: v.Data}
	}
	for _, r := range Regimes {
		name := regimeFiles[r]
		out[name] = &fstest.MapFile{Data: cutYAML(tb, full[name].Data, func(doc *yaml.Node) {
			groups := mapValue(doc, "groups")
			if groups == nil {
				return
			}
			groups.Content = groups.Content[:min(2, len(groups.Content))]
			for _, g := range groups.Content {
				if reqs := mapValue(g, "requirements"); reqs != nil {
					reqs.Content = reqs.Content[:min(3, len(reqs.Content))]
				}
			}
		})}
	}
	c, err := Parse(withFile(out, crosswalkFile, []byte("rows: []\n")))
	if err != nil {
		tb.Fatalf("the cut regime files do not parse: %v", err)
	}
	kept := map[string]bool{}
	for _, r := range c.All() {
		kept[r.ID] = true
	}
	out[crosswalkFile] = &fstest.MapFile{Data: cutYAML(tb, full[crosswalkFile].Data, func(doc *yaml.Node) {
		for _, key := range []string{"rows", "none"} {
			seq := mapValue(doc, key)
			if seq == nil {
				continue
			}
			var keep []*yaml.Node
			for _, row := range seq.Content {
				if allKept(row, kept) {
					keep = append(keep, row)
				}
			}
			seq.Content = keep
		}
	})}
	return out
}

// allKept reports whether every requirement ID a crosswalk row names
// (from, to, id) is kept, and it names one.
func allKept(row *yaml.Node, kept map[string]bool) bool {
	n := 0
	for _, key := range []string{"from", "to", "id"} {
		v := mapValue(row, key)
		if v == nil {
			continue
		}
		ids := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			ids = v.Content
		}
		for _, id := range ids {
			if !kept[id.Value] {
				return false
			}
			n++
		}
	}
	return n > 0
}

// mapValue returns the value of key in a mapping node (nil if absent).
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// cutYAML decodes data, lets cut change the tree, and encodes it again.
func cutYAML(tb testing.TB, data []byte, cut func(*yaml.Node)) []byte {
	tb.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	cut(&doc)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// withFile returns a copy of fsys with name holding data.
func withFile(fsys fstest.MapFS, name string, data []byte) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = v
	}
	out[name] = &fstest.MapFile{Data: data}
	return out
}

// TestCutData: the cut catalog parses, holds requirements of every regime
// and crosswalk rows, and is small.
func TestCutData(t *testing.T) {
	fsys := cutData(t)
	c, err := Parse(fsys)
	if err != nil {
		t.Fatalf("the cut catalog does not parse: %v", err)
	}
	for _, r := range Regimes {
		if len(c.ByRegime(r)) == 0 {
			t.Errorf("no %s requirements in the cut catalog", r)
		}
	}
	total := 0
	for name, f := range fsys {
		t.Logf("%6d B  %s", len(f.Data), name)
		total += len(f.Data)
	}
	if rows := len(c.direct); rows == 0 {
		t.Error("the cut crosswalk has no rows")
	}
	if total > 24<<10 {
		t.Errorf("the cut catalog is %d B, want ≤ 24 kB", total)
	}
}
