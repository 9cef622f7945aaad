package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/dualmark/dualmark/internal/termtable"
)

// defaultTermWidth is the width used on a terminal whose size cannot be
// read.
const defaultTermWidth = 100

// tableOptions decides how the tables written to w are laid out. This is
// the one place that reads the terminal and the environment for it; the
// packages below get the result (termtable.Options) and never look
// themselves.
//
// Width: COLUMNS when it is set to a positive number (as ls does; it wins
// over the terminal size, so "COLUMNS=80 dualmark … | less" works), else
// the terminal's width when w is a terminal (100 when the size cannot be
// read), else no limit: output piped to a file, grep or a CI log keeps one
// row per line and nothing wrapped, for tools that read it line by line.
//
// Colour: only when w is a terminal, NO_COLOR is unset or empty
// (https://no-color.org) and TERM is not "dumb".
func tableOptions(w io.Writer) termtable.Options {
	tty, width := false, 0
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			width = cols
		}
	}
	return layoutFor(tty, width, os.Getenv)
}

// layoutFor is tableOptions without the terminal: tty says whether the
// output is a terminal, ttyWidth is its width (0 if unknown), getenv reads
// the environment.
func layoutFor(tty bool, ttyWidth int, getenv func(string) string) termtable.Options {
	var o termtable.Options
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		o.Width = n
	} else if tty {
		o.Width = ttyWidth
		if o.Width <= 0 {
			o.Width = defaultTermWidth
		}
	}
	o.Colour = tty && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	return o
}

// isTerminal reports whether f is an interactive terminal (isatty): not a
// file, a pipe or the null device, which CI runners and "< /dev/null" give.
func isTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}
