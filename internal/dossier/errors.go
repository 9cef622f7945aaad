package dossier

import (
	"errors"
	"fmt"
	"strings"
)

// Issue is one problem found in a dossier, with its position.
type Issue struct {
	File    string `json:"file"`
	Line    int    `json:"line"`           // 1-based; 0 when unknown
	Column  int    `json:"column"`         // 1-based; 0 when unknown
	Path    string `json:"path,omitempty"` // field path, e.g. "evidence[2].sha256"
	Message string `json:"message"`
	// Err is the sentinel cause of the issue, if any (ErrEmpty,
	// ErrUnknownRequirement); not part of the JSON.
	Err error `json:"-"`
}

// String formats the issue as "file:line: path: message".
func (i Issue) String() string {
	var b strings.Builder
	b.WriteString(i.File)
	if i.Line > 0 {
		fmt.Fprintf(&b, ":%d", i.Line)
	}
	b.WriteString(": ")
	if i.Path != "" {
		b.WriteString(i.Path)
		b.WriteString(": ")
	}
	b.WriteString(i.Message)
	return b.String()
}

// Error is every problem found while loading one dossier.
type Error struct {
	Issues []Issue
}

// maxListed is how many issues Error prints before summarising the rest.
const maxListed = 50

// Error lists the issues, one a line (the first 50, then a count).
func (e *Error) Error() string {
	n := min(len(e.Issues), maxListed)
	lines := make([]string, 0, n+1)
	for _, is := range e.Issues[:n] {
		lines = append(lines, is.String())
	}
	if rest := len(e.Issues) - n; rest > 0 {
		lines = append(lines, fmt.Sprintf("... and %d more issue(s); fix the ones above first", rest))
	}
	return strings.Join(lines, "\n")
}

// Sentinel errors of the dossier loader. errors.Is finds them in the error
// Load and Parse return, so that a caller (the CLI, a server) can add its
// own advice; the messages themselves name no command or flag.
var (
	// ErrMissing: the path, or the dossier.yaml a folder should hold, does
	// not exist.
	ErrMissing = errors.New("no dossier file")
	// ErrEmpty: the dossier file is empty.
	ErrEmpty = errors.New("the dossier file is empty")
	// ErrUnknownRequirement: the dossier names a requirement ID the
	// catalog does not have.
	ErrUnknownRequirement = errors.New("unknown requirement ID")
	// ErrNotADossier: the file is another kind of document (an SBOM, a VEX
	// document, a gzip file); the error is a *NotADossierError.
	ErrNotADossier = errors.New("not a product dossier")
	// ErrOutsideFolder: an SBOM, HBOM, CBOM or evidence path names a file
	// outside the dossier's folder (absolute, "..", or a symbolic link
	// leading out), which is refused unless Options.AllowOutsidePaths.
	ErrOutsideFolder = errors.New("path outside the dossier's folder")
)

// NotADossierError reports a file that is recognisably not a dossier.
type NotADossierError struct {
	File string
	// Kind is what the file looks like: KindSBOM, KindVEX or KindGzip.
	Kind string
	// Format names the recognised format, e.g. "CycloneDX JSON".
	Format string
}

// Kinds of documents NotADossierError recognises.
const (
	KindSBOM = "SBOM"
	KindVEX  = "VEX document"
	KindGzip = "gzip-compressed file"
)

// Error says what the file looks like.
func (e *NotADossierError) Error() string {
	article := "a"
	if strings.HasPrefix(e.Kind, "S") {
		article = "an" // "an SBOM"
	}
	return fmt.Sprintf("%s: this is %s %s (%s), %v", e.File, article, e.Kind, e.Format, ErrNotADossier)
}

// Is makes errors.Is(err, ErrNotADossier) true.
func (e *NotADossierError) Is(target error) bool { return target == ErrNotADossier }

// Is reports whether one of the issues carries target as its cause, so that
// errors.Is(err, ErrEmpty) or errors.Is(err, ErrUnknownRequirement) holds.
func (e *Error) Is(target error) bool {
	for _, is := range e.Issues {
		if is.Err != nil && errors.Is(is.Err, target) {
			return true
		}
	}
	return false
}
