// Package sbomschema validates SBOMs against the official schemas of their
// format and version, the --strict mode of reading: CycloneDX JSON 1.2–1.7
// and SPDX 3.0 JSON-LD against their JSON schemas, CycloneDX XML 1.2–1.7
// through its JSON form plus a few exact XSD rules (see xml.go). Schemas
// are read from local directories only, never from the network.
//
// sbom.Parse calls Validate when Options.Strict is set; the package knows
// nothing of the SBOM model, so that the model does not depend on it.
package sbomschema

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// EnvSchemaDir names the environment variable that points Strict mode at
// a directory holding the official schemas: the CycloneDX schema folder
// (bom-1.x.schema.json, spdx.schema.json, jsf-0.82.schema.json) and,
// optionally, spdx-json-schema.json of SPDX 3.0.1.
const EnvSchemaDir = "DUALMARK_SCHEMA_DIR"

// schemaDirs returns the directories searched for schemas: dir (the
// caller's choice, sbom.Options.SchemaDir), $DUALMARK_SCHEMA_DIR, then the
// copies staged beside the source tree
// (../shared/data/sbom/cyclonedx-spec/schema and ../shared/data/specs/spdx-3.0.1).
func schemaDirs(dir string) []string {
	var dirs []string
	for _, d := range []string{dir, os.Getenv(EnvSchemaDir)} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if root := stagedDataDir(); root != "" {
		dirs = append(dirs, filepath.Join(root, "sbom", "cyclonedx-spec", "schema"), filepath.Join(root, "specs", "spdx-3.0.1"))
	}
	return dirs
}

// localLoader resolves schema URLs (http://cyclonedx.org/schema/X,
// https://spdx.org/...) to files of the same base name in the schema dirs,
// so that validation never touches the network.
type localLoader struct{ dirs []string }

// Load reads the schema named by url from the schema directories.
func (l localLoader) Load(url string) (any, error) {
	name := path.Base(strings.SplitN(url, "#", 2)[0])
	for _, d := range l.dirs {
		data, err := os.ReadFile(filepath.Join(d, name))
		if err == nil {
			return jsonschema.UnmarshalJSON(bytes.NewReader(data))
		}
	}
	return nil, fmt.Errorf("schema %s not found in %s (set %s or --schema-dir)", name, strings.Join(l.dirs, ", "), EnvSchemaDir)
}

var schemaCache sync.Map // key: dirs + url → *jsonschema.Schema

// compileSchema compiles the schema with the given canonical URL once.
func compileSchema(url string, dirs []string) (*jsonschema.Schema, error) {
	key := strings.Join(dirs, "\x00") + "\x00" + url
	if s, ok := schemaCache.Load(key); ok {
		return s.(*jsonschema.Schema), nil
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(localLoader{dirs: dirs})
	c.UseRegexpEngine(compileRegexp)
	c.AssertFormat()
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("--strict: compile schema %s: %w", url, err)
	}
	schemaCache.Store(key, s)
	return s, nil
}

// Kind names the encoding of a document, as sbom's format detection
// tells it; Validate knows the three below.
type Kind string

// The encodings Validate has schemas for.
const (
	CycloneDXJSON Kind = "CycloneDX JSON"
	CycloneDXXML  Kind = "CycloneDX XML"
	SPDX3JSONLD   Kind = "SPDX 3 JSON-LD"
)

// Validate checks data against the official JSON schema of its kind,
// searching schemaDir first (see schemaDirs for the order). JSON encodings
// of CycloneDX (1.2–1.7) and SPDX 3.0 are validated, and CycloneDX XML
// (1.2–1.7) through its JSON form (see xml.go); for encodings without a
// staged schema (SPDX 2 has no schema in the staged data) it returns
// ErrNoSchema. Failures name the JSON pointers or XML paths that fail.
func Validate(data []byte, kind Kind, schemaDir string) error {
	var url string
	switch kind {
	case CycloneDXJSON:
		v := cycloneDXVersionOf(data)
		if !knownCycloneDXVersion(v) || v < "1.2" {
			return fmt.Errorf("--strict: /specVersion %q has no CycloneDX JSON schema (1.2–1.7)", v)
		}
		url = "http://cyclonedx.org/schema/bom-" + v + ".schema.json"
	case SPDX3JSONLD:
		url = "https://spdx.org/schema/3.0.1/spdx-json-schema.json"
	case CycloneDXXML:
		return validateCycloneDXXML(data, schemaDir)
	default:
		return ErrNoSchema
	}
	sch, err := compileSchema(url, schemaDirs(schemaDir))
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("--strict: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("schema validation against %s failed: %s", path.Base(url), describeValidation(ve))
		}
		return err
	}
	return nil
}

// ErrNoSchema is returned by Validate for encodings it has no schema for.
var ErrNoSchema = errors.New("no JSON schema for this encoding")

// describeValidation lists the failing places (JSON pointers) and why:
// the leaves of the error tree, deepest first, at most five.
func describeValidation(ve *jsonschema.ValidationError) string {
	type leaf struct{ loc, msg string }
	var leaves []leaf
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		msg := e.Error()
		if i := strings.LastIndex(msg, "': "); i >= 0 {
			msg = msg[i+3:]
		}
		leaves = append(leaves, leaf{"/" + strings.Join(e.InstanceLocation, "/"), msg})
	}
	walk(ve)
	sort.SliceStable(leaves, func(i, j int) bool { return len(leaves[i].loc) > len(leaves[j].loc) })
	var msgs []string
	seen := map[string]bool{}
	for _, l := range leaves {
		m := l.loc + ": " + l.msg
		if !seen[m] {
			seen[m] = true
			msgs = append(msgs, m)
		}
	}
	if len(msgs) > 5 {
		msgs = append(msgs[:5], fmt.Sprintf("and %d more", len(msgs)-5))
	}
	return strings.Join(msgs, "; ")
}

// cycloneDXVersionOf reads /specVersion without decoding the document.
func cycloneDXVersionOf(data []byte) string {
	i := bytes.Index(data, []byte(`"specVersion"`))
	if i < 0 {
		return ""
	}
	rest := data[i+len(`"specVersion"`):]
	rest = bytes.TrimLeft(rest, " \t\r\n:")
	if len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}

// lookaheadRegexp supports the one construct of the SPDX 3 schema that Go's
// RE2 engine lacks: a leading negative lookahead, "^(?!X)Y", matched as
// "^Y and not ^X".
type lookaheadRegexp struct {
	src      string
	not, yes *regexp.Regexp
}

// String returns the source pattern.
func (r lookaheadRegexp) String() string { return r.src }

// MatchString reports whether s matches Y and not X.
func (r lookaheadRegexp) MatchString(s string) bool {
	return r.yes.MatchString(s) && !r.not.MatchString(s)
}

// compileRegexp is the RegexpEngine of Strict mode: RE2, plus leading
// negative lookaheads.
func compileRegexp(src string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(src); err == nil {
		return re, nil
	}
	rest, ok := strings.CutPrefix(src, "^(?!")
	if !ok {
		return nil, fmt.Errorf("regular expression %q is not supported (RE2 syntax plus a leading (?!...) only)", src)
	}
	depth, end := 1, -1
	for i := 0; i < len(rest) && end < 0; i++ {
		switch rest[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				end = i
			}
		}
	}
	if end < 0 {
		//lint:ignore ST1005 the message ends with the construct it names, "(?!"
		return nil, fmt.Errorf("regular expression %q: unclosed (?!", src)
	}
	not, err := regexp.Compile("^(?:" + rest[:end] + ")")
	if err != nil {
		return nil, err
	}
	yes, err := regexp.Compile("^(?:" + rest[end+1:] + ")")
	if err != nil {
		return nil, err
	}
	return lookaheadRegexp{src: src, not: not, yes: yes}, nil
}
