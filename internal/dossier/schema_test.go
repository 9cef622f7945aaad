package dossier

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/dossier.schema.json")

const schemaFile = "../../docs/dossier.schema.json"

var exampleDirs = []string{"../../examples/smart-plug", "../../examples/security-camera", "../../examples/home-router"}

func TestSchemaUpToDate(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/dossier -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run: go test ./internal/dossier -update", schemaFile)
	}
}

// compileSchema compiles docs/dossier.schema.json with format assertions on.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	return compileFiles(t, true, SchemaID, map[string]string{SchemaID: schemaFile})
}

// compileFiles adds each file under its URL and compiles the schema at id.
func compileFiles(t *testing.T, formats bool, id string, files map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	if formats {
		c.AssertFormat()
	}
	for url, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("schema %s does not compile: %v", id, err)
	}
	return sch
}

// yamlToJSON converts a YAML document to the JSON value a schema validator
// sees. Timestamps stay the text written (yaml.v3 would normalise 2026-3-1).
func yamlToJSON(data []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	v, err := nodeValue(&n)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return nodeValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool", "!!null":
		var v any
		err := n.Decode(&v)
		return v, err
	}
	return n.Value, nil
}

func TestExamplesValidate(t *testing.T) {
	sch := compileSchema(t)
	for _, dir := range exampleDirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			d, err := Load(dir)
			if err != nil {
				t.Fatalf("loader rejects the example:\n%v", err)
			}
			if d.Product.Name == "" || d.BaseDir != dir {
				t.Fatalf("bad dossier: name %q, base %q", d.Product.Name, d.BaseDir)
			}
			data, err := os.ReadFile(filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := yamlToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("schema rejects the example: %v", err)
			}
		})
	}
}

// TestLoaderAndSchemaAgree removes every field of the richest example in
// turn; the loader and the schema must both accept or both reject the result.
func TestLoaderAndSchemaAgree(t *testing.T) {
	sch := compileSchema(t)
	dir := exampleDirs[0]
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var paths []string
	var visit func(n *yaml.Node, path string)
	visit = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			visit(n.Content[0], path)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := joinPath(path, n.Content[i].Value)
				paths = append(paths, p)
				visit(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			if len(n.Content) > 0 {
				visit(n.Content[0], path+"[0]")
			}
		}
	}
	visit(&root, "")
	required, step := 0, 1
	if testing.Short() { // every fourth field: all of them take minutes under the race detector
		step = 4
	}
	for i, p := range paths {
		if i%step != 0 {
			continue
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		removeField(&doc, p)
		out, err := yaml.Marshal(&doc)
		if err != nil {
			t.Fatal(err)
		}
		_, loadErr := Parse(out, filepath.Join(dir, FileName))
		inst, err := yamlToJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := sch.Validate(inst)
		if (loadErr == nil) != (schemaErr == nil) {
			t.Errorf("without %s: loader error %v, schema error %v", p, loadErr, schemaErr)
		}
		if loadErr != nil {
			required++
			if !strings.Contains(loadErr.Error(), p) && !strings.Contains(loadErr.Error(), parentPath(p)) {
				t.Errorf("without %s: error does not name the field: %v", p, loadErr)
			}
		}
	}
	if required*step < 8 {
		t.Fatalf("only %d of %d removals were rejected; the required-field set looks wrong", required, len(paths))
	}
	t.Logf("%d of %d field removals tried, %d rejected by both", (len(paths)+step-1)/step, len(paths), required)
}

// removeField deletes the mapping key at a path like "a.b[0].c".
func removeField(root *yaml.Node, path string) {
	n := root.Content[0]
	parts := strings.Split(path, ".")
	for i, part := range parts {
		name, idx := part, -1
		if j := strings.Index(part, "["); j >= 0 {
			name = part[:j]
			fmt.Sscanf(part[j:], "[%d]", &idx)
		}
		for k := 0; k+1 < len(n.Content); k += 2 {
			if n.Content[k].Value != name {
				continue
			}
			if i == len(parts)-1 && idx < 0 {
				n.Content = append(n.Content[:k], n.Content[k+2:]...)
				return
			}
			n = n.Content[k+1]
			if idx >= 0 {
				n = n.Content[idx]
			}
			break
		}
	}
}

// TestLoaderAndSchemaAgreeOnValues changes single values of the smart-plug
// example; the loader and the schema must both reject each change.
func TestLoaderAndSchemaAgreeOnValues(t *testing.T) {
	sch := compileSchema(t)
	dir := exampleDirs[0]
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	changes := []struct{ from, to string }{
		{"class: default", "class: important-class-I"},
		{"class: default", "class: default\n  item: 3"},
		{"  signed: true", `  signed: "true"`},
		{"  mechanism: ota", "  mechanism: usb"},
		{"  start: 2026-03-01", "  start: 2026-3-1"},
		{"  expectedUseYears: 7", "  expectedUseYears: 7.5"},
		{"  defaultPassword: none", "  defaultPassword: admin"},
		{"    sha256: ", "    sha256: 12"},
		{"  network: []", "  network: [{port: 80}]"},
		{"  accessControl: [single_account, MFA]", "  accessControl: [single_account, pin]"},
		{"  model: SP-210", "  model: \"\""},
		{"    issuer: Pacific Cyber Test Labs LLC\n", ""},
	}
	for _, c := range changes {
		if !strings.Contains(string(data), c.from) {
			t.Fatalf("example lacks %q", c.from)
		}
		out := []byte(strings.Replace(string(data), c.from, c.to, 1))
		_, loadErr := Parse(out, filepath.Join(dir, FileName))
		inst, err := yamlToJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := sch.Validate(inst)
		if loadErr == nil || schemaErr == nil {
			t.Errorf("%q -> %q: loader error %v, schema error %v; both must reject", c.from, c.to, loadErr, schemaErr)
		}
	}
}

func TestReferenceUpToDate(t *testing.T) {
	const file = "../../docs/dossier-reference.md"
	got := []byte(Reference())
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/dossier -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run: go test ./internal/dossier -update", file)
	}
	for _, f := range []string{"`product.name`", "`evidence[].sha256`", "`interfaces.network[].port`", "`usLabel.extraFields`"} {
		if !bytes.Contains(got, []byte(f)) {
			t.Errorf("reference lacks %s", f)
		}
	}
}
