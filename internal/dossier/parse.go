package dossier

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// MaxSize is the largest dossier file Load accepts.
const MaxSize = 4 << 20

// FileName is the dossier file Load looks for when given a folder.
const FileName = "dossier.yaml"

// Load reads and validates a dossier from a YAML file, or from the
// dossier.yaml inside a folder. Evidence paths resolve against the file's folder.
func Load(path string) (*Dossier, error) { return LoadWith(path, Options{}) }

// Options change what Load and Parse accept.
type Options struct {
	// AllowOutsidePaths lets SBOM, HBOM, CBOM and evidence paths name
	// files outside the dossier's folder ("..", symbolic links leading
	// out). Off, such a path is an issue (ErrOutsideFolder) and the file
	// is not opened: a dossier from someone else cannot make the reader
	// hash, and reveal the digest of, /etc/shadow. An absolute path is
	// refused either way (readers join every path to the folder).
	AllowOutsidePaths bool
}

// LoadWith is Load with options.
func LoadWith(path string, opts Options) (*Dossier, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dossier: %w: %w", ErrMissing, err)
		}
		return nil, fmt.Errorf("dossier: %w", err)
	}
	if st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("dossier: %w: %w (a folder must hold %s)", ErrMissing, err, FileName)
		}
		return nil, fmt.Errorf("dossier: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("dossier %s: %w", path, err)
	}
	if e := sniff(data, path); e != nil {
		return nil, e
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("dossier %s: larger than %d bytes; a dossier is a short YAML file", path, MaxSize)
	}
	return ParseWith(data, path, opts)
}

// Parse validates a dossier held in memory. filename names it in errors and
// sets the folder against which evidence paths resolve ("" = current folder).
// On failure the error is an *Error listing every issue found.
func Parse(data []byte, filename string) (*Dossier, error) {
	return ParseWith(data, filename, Options{})
}

// ParseWith is Parse with options.
func ParseWith(data []byte, filename string, opts Options) (*Dossier, error) {
	if filename == "" {
		filename = "<dossier>"
	}
	if e := sniff(data, filename); e != nil {
		return nil, e
	}
	p := &parser{file: filename, pos: map[string]*yaml.Node{}, idErrs: map[string]error{}, opts: opts}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(nil, "", "the file is empty")
			p.issues[len(p.issues)-1].Err = ErrEmpty
		} else {
			p.addYAMLError(err)
		}
		return nil, p.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(&extra, "", "more than one YAML document; a dossier is a single document")
		return nil, p.err()
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	p.walk(doc, dossierType, "")
	if len(p.issues) > 0 {
		return nil, p.err()
	}
	d := &Dossier{}
	if err := doc.Decode(d); err != nil {
		// The walk accepts only what Decode accepts; reaching here is a bug,
		// still reported as a positioned issue rather than a panic.
		p.addYAMLError(err)
		return nil, p.err()
	}
	d.File = filename
	d.BaseDir = filepath.Dir(filename)
	sum := sha256.Sum256(data)
	d.SHA256 = hex.EncodeToString(sum[:])
	p.check(d)
	if len(p.issues) > 0 {
		return nil, p.err()
	}
	return d, nil
}

// parser collects issues and remembers the node of every field path.
type parser struct {
	file   string
	issues []Issue
	pos    map[string]*yaml.Node // field path → value node
	idErrs map[string]error      // requirement ID → result of the catalog check
	capped bool                  // issues beyond maxIssues were dropped
	opts   Options
}

// maxIssues bounds the issues collected from one dossier.
const maxIssues = 1000

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	if len(p.issues) >= maxIssues {
		if !p.capped {
			p.capped = true
			p.issues = append(p.issues, Issue{File: p.file, Message: fmt.Sprintf("more than %d issues; stopped collecting them", maxIssues)})
		}
		return
	}
	is := Issue{File: p.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		is.Line, is.Column = n.Line, n.Column
	}
	p.issues = append(p.issues, is)
}

// addAt reports an issue at a field path seen during the walk, or at the
// closest parent that was seen.
func (p *parser) addAt(path, format string, args ...any) {
	p.add(p.nodeFor(path), path, format, args...)
}

func (p *parser) nodeFor(path string) *yaml.Node {
	for q := path; ; {
		if n, ok := p.pos[q]; ok {
			return n
		}
		if q == "" {
			return nil
		}
		q = parentPath(q)
	}
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

func (p *parser) addYAMLError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		is := Issue{File: p.file, Message: "invalid YAML: " + m}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			is.Line, _ = strconv.Atoi(sm[1])
			is.Message = "invalid YAML: " + sm[2]
		}
		p.issues = append(p.issues, is)
	}
}

func (p *parser) err() error {
	if len(p.issues) == 0 {
		return nil
	}
	return &Error{Issues: p.issues}
}
