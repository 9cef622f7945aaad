package csaf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// EnvSchemaDir names the environment variable pointing at the OASIS
// csaf_2.0 folder (json_schema/ and referenced_schema/first/ inside).
const EnvSchemaDir = "DUALMARK_CSAF_SCHEMA_DIR"

// CSAFSchemaURL is the $id of the OASIS CSAF 2.0 JSON schema.
const CSAFSchemaURL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"

// ProviderSchemaURL is the $id of the provider-metadata schema.
const ProviderSchemaURL = "https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json"

// AggregatorSchemaURL is the $id of the aggregator (and lister) schema.
const AggregatorSchemaURL = "https://docs.oasis-open.org/csaf/csaf/v2.0/aggregator_json_schema.json"

// CheckAggregator validates an aggregator.json document against the OASIS
// aggregator schema; each problem names its JSON pointer.
func CheckAggregator(data []byte, schemas *Schemas) ([]Problem, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("aggregator.json: %w", err)
	}
	return schemas.validate(AggregatorSchemaURL, "aggregator-schema", v)
}

// SchemaDirs returns the csaf_2.0 folders searched for the schemas: dir
// (if not empty), $DUALMARK_CSAF_SCHEMA_DIR, then the copy staged beside the
// source tree ($DUALMARK_TESTDATA or ../shared/data, csaf/oasis-csaf/csaf_2.0).
func SchemaDirs(dir string) []string {
	var dirs []string
	for _, d := range []string{dir, os.Getenv(EnvSchemaDir)} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	roots := []string{os.Getenv("DUALMARK_TESTDATA")}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			roots = append(roots, filepath.Join(d, "..", "shared", "data"))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, r := range roots {
		if r == "" {
			continue
		}
		d := filepath.Join(r, "csaf", "oasis-csaf", "csaf_2.0")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			dirs = append(dirs, d)
			break
		}
	}
	return dirs
}

// schemaLoader resolves the OASIS and FIRST schema URLs to local files.
type schemaLoader struct{ dirs []string }

// csafStrictSchemaURL names the OASIS CSAF schema with every object that
// lists its properties closed to others (additionalProperties false): the
// schema of optional test 6.2.20, derived in memory, never a file.
const csafStrictSchemaURL = "https://dualmark.invalid/csaf/v2.0/csaf_json_schema_strict.json"

// Load reads the schema at url from the schema folders.
func (l schemaLoader) Load(url string) (any, error) {
	if url == csafStrictSchemaURL {
		v, err := l.Load(CSAFSchemaURL)
		if err != nil {
			return nil, err
		}
		closeObjects(v)
		if m, ok := v.(map[string]any); ok {
			m["$id"] = csafStrictSchemaURL
		}
		return v, nil
	}
	name := path.Base(strings.SplitN(strings.SplitN(url, "#", 2)[0], "?", 2)[0])
	sub := "json_schema"
	if strings.Contains(url, "first.org") {
		sub = filepath.Join("referenced_schema", "first")
	}
	for _, d := range l.dirs {
		data, err := os.ReadFile(filepath.Join(d, sub, name))
		if err == nil {
			return jsonschema.UnmarshalJSON(bytes.NewReader(data))
		}
	}
	return nil, fmt.Errorf("schema %s not found under %s (set %s)", name, strings.Join(l.dirs, ", "), EnvSchemaDir)
}

// closeObjects sets additionalProperties false on every schema object
// below v that lists properties and says nothing of others.
func closeObjects(v any) {
	switch t := v.(type) {
	case map[string]any:
		if props, ok := t["properties"].(map[string]any); ok {
			if _, set := t["additionalProperties"]; !set {
				t["additionalProperties"] = false
			}
			for _, p := range props {
				closeObjects(p)
			}
		}
		for k, c := range t {
			if k != "properties" {
				closeObjects(c)
			}
		}
	case []any:
		for _, c := range t {
			closeObjects(c)
		}
	}
}

// Schemas compiles and caches the CSAF schemas of a set of folders.
type Schemas struct {
	dirs  []string
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

// NewSchemas returns the schemas found through SchemaDirs(dir).
func NewSchemas(dir string) *Schemas {
	return &Schemas{dirs: SchemaDirs(dir), cache: map[string]*jsonschema.Schema{}}
}

// Get compiles the schema with the given URL once.
func (s *Schemas) Get(url string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.cache[url]; ok {
		return sch, nil
	}
	if len(s.dirs) == 0 {
		return nil, fmt.Errorf("no CSAF schema folder: set %s to the OASIS csaf_2.0 folder", EnvSchemaDir)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(schemaLoader{s.dirs})
	c.AssertFormat()
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", url, err)
	}
	s.cache[url] = sch
	return sch, nil
}

var printer = message.NewPrinter(language.English)

// validate checks a decoded JSON value against a schema and returns one
// problem per failing leaf, with its JSON pointer, under the test id.
func (s *Schemas) validate(url, test string, v any) ([]Problem, error) {
	sch, err := s.Get(url)
	if err != nil {
		return nil, err
	}
	err = sch.Validate(v)
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, Problem{Test: test, Pointer: pointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(printer)})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return dedupe(out), nil
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}

func dedupe(ps []Problem) []Problem {
	var out []Problem
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}
