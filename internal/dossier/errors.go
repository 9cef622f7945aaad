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

// Error lists the issues, one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		lines[i] = is.String()
	}
	return strings.Join(lines, "\n")
}
