package dossier

import (
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
