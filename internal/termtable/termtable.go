// Package termtable lays out tables for a terminal: columns padded to their
// widest cell, long cells wrapped at word boundaries when the table would be
// wider than the width it is given, and colour only when asked for.
//
// The package never looks at the environment or the terminal itself: the
// caller (cmd/dualmark) decides the width and whether colour is on and
// passes them in Options, so that the same input renders the same bytes in
// a test, a pipe and a terminal of a given width. With the zero Options (no
// width limit, no colour) the output is byte-identical to text/tabwriter
// with minwidth 0, padding 2 and ' ' as padding character, which the
// golden files of the reports were written with.
package termtable

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Options say how a table is laid out. The zero value means no width limit
// and no colour.
type Options struct {
	// Width is the most columns (terminal cells) a line may take; 0 means
	// no limit. Only the columns marked with Table.Wrap are narrowed to fit;
	// the others keep their natural width, so a table whose fixed columns
	// alone are wider than Width is still wider than Width.
	Width int
	// Colour turns on ANSI colour for the cells a Table.Paint function
	// gives a colour to.
	Colour bool
}

// Colour is a display attribute of a cell.
type Colour uint8

// The colours a cell can take. None leaves the cell as it is.
const (
	None Colour = iota
	Red
	Green
	Yellow
	Bold
	Dim
)

// sgr holds the ANSI Select Graphic Rendition sequence of each colour.
var sgr = [...]string{None: "", Red: "\x1b[31m", Green: "\x1b[32m", Yellow: "\x1b[33m", Bold: "\x1b[1m", Dim: "\x1b[2m"}

const reset = "\x1b[0m"

// gap is the number of spaces between two columns.
const gap = 2

// minWrap is the narrowest a wrapped column is made, however little room
// the fixed columns leave: a reason cut into three-letter pieces helps
// nobody, so the line becomes wider than the limit instead.
const minWrap = 24

// Table is a table being built: a header and rows of cells, written out
// with Write. A row may have fewer cells than the header; the missing cells
// are empty.
type Table struct {
	opts   Options
	header []string
	rows   [][]string
	wrap   map[int]bool
	paint  map[int]func(string) Colour
}

// New starts a table with the given header cells; a table without a header
// is made with no header arguments.
func New(opts Options, header ...string) *Table {
	return &Table{opts: opts, header: header}
}

// Wrap marks the columns (counted from 0) that may be wrapped onto
// several lines when the table is wider than Options.Width.
func (t *Table) Wrap(cols ...int) *Table {
	if t.wrap == nil {
		t.wrap = map[int]bool{}
	}
	for _, c := range cols {
		t.wrap[c] = true
	}
	return t
}

// Paint gives the cells of column col the colour f returns for their text
// (the header is never painted). It has no effect unless Options.Colour is
// set; widths are always measured on the text without colour.
func (t *Table) Paint(col int, f func(cell string) Colour) *Table {
	if t.paint == nil {
		t.paint = map[int]func(string) Colour{}
	}
	t.paint[col] = f
	return t
}

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows added, header excluded.
func (t *Table) Len() int { return len(t.rows) }

// Write writes the table to w and returns the first write error.
func (t *Table) Write(w io.Writer) error {
	ncol := len(t.header)
	for _, r := range t.rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return nil
	}
	// widths are what a column is padded to: like text/tabwriter, the last
	// cell of a row is not padded and does not widen its column. natural
	// counts every cell, for deciding whether the table fits.
	widths := make([]int, ncol)
	natural := make([]int, ncol)
	measure := func(r []string) {
		for c, s := range r {
			n := Width(s)
			natural[c] = max(natural[c], n)
			if c < len(r)-1 {
				widths[c] = max(widths[c], n)
			}
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	limits := t.fit(natural)
	for c, l := range limits {
		if l > 0 {
			widths[c] = min(widths[c], l)
		}
	}
	bw := bufio.NewWriter(w)
	if len(t.header) > 0 {
		t.writeRow(bw, t.header, widths, nil, false)
	}
	for _, r := range t.rows {
		t.writeRow(bw, r, widths, limits, true)
	}
	return bw.Flush()
}

// fit narrows the wrappable columns so that the table fits the width, and
// returns the wrap limit of each column (0: not wrapped), given the
// natural width of each column.
func (t *Table) fit(widths []int) []int {
	if t.opts.Width <= 0 || len(t.wrap) == 0 {
		return nil
	}
	total := 0
	for c, w := range widths {
		total += w
		if c < len(widths)-1 {
			total += gap
		}
	}
	if total <= t.opts.Width {
		return nil
	}
	fixed, wrapped := 0, 0
	for c, w := range widths {
		if c < len(widths)-1 {
			fixed += gap
		}
		if t.wrap[c] {
			wrapped += w
		} else {
			fixed += w
		}
	}
	room := t.opts.Width - fixed
	limits := make([]int, len(widths))
	for c, w := range widths {
		if !t.wrap[c] {
			continue
		}
		// Each wrapped column gets a share of the room in proportion to its
		// natural width, never less than minWrap (or its header), never
		// more than it needs.
		share := room * w / max(wrapped, 1)
		floor := minWrap
		if c < len(t.header) {
			floor = max(floor, Width(t.header[c]))
		}
		limits[c] = min(w, max(share, floor))
	}
	return limits
}

// writeRow writes one row, continued on further lines where a cell wraps.
func (t *Table) writeRow(bw *bufio.Writer, r []string, widths, limits []int, body bool) {
	cells := make([][]string, len(widths))
	lines := 1
	for c := range widths {
		s := ""
		if c < len(r) {
			s = r[c]
		}
		if limits != nil && limits[c] > 0 {
			cells[c] = wrapText(s, limits[c])
		} else {
			cells[c] = []string{s}
		}
		lines = max(lines, len(cells[c]))
	}
	// The last column is written without padding; trailing empty cells are
	// padded like tabwriter pads a cell ended by a tab.
	last := len(r) - 1
	for l := range lines {
		end := last
		if l > 0 {
			// On a continuation line, stop after the last cell that still
			// has text, so that lines carry no trailing blanks.
			end = -1
			for c := range cells {
				if l < len(cells[c]) {
					end = c
				}
			}
		}
		for c := 0; c <= end && c < len(widths); c++ {
			s := ""
			if l < len(cells[c]) {
				s = cells[c][l]
			}
			colour := None
			if body && t.opts.Colour && s != "" {
				if f := t.paint[c]; f != nil {
					colour = f(r[c])
				}
			}
			if colour != None {
				bw.WriteString(sgr[colour])
				bw.WriteString(s)
				bw.WriteString(reset)
			} else {
				bw.WriteString(s)
			}
			if c < end {
				// At least one space, even after a word too long for its
				// wrapped column.
				for range max(widths[c]-Width(s)+gap, 1) {
					bw.WriteByte(' ')
				}
			}
		}
		bw.WriteByte('\n')
	}
}

// Width is the number of terminal columns s takes: one per rune, two for
// East Asian wide and fullwidth runes.
func Width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
		if r >= 0x1100 {
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n++
			}
		}
	}
	return n
}

// WrapText breaks s into lines of at most limit columns, at spaces. A word
// longer than limit (a URL, a purl, an identifier) is never broken: it gets
// a line of its own and runs past the limit, so that it can still be
// copied and searched for. Runs of spaces at a break are dropped; s with no
// text gives one empty line.
func WrapText(s string, limit int) []string { return wrapText(s, limit) }

func wrapText(s string, limit int) []string {
	if limit <= 0 || Width(s) <= limit {
		return []string{s}
	}
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Fields(s) {
		ww := Width(word)
		if curW > 0 && curW+1+ww <= limit {
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += 1 + ww
			continue
		}
		if curW > 0 {
			flush()
		}
		cur.WriteString(word)
		curW = ww
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// Hang writes lead followed by text, with text wrapped at opts.Width and
// its continuation lines indented under its first line: the layout of a
// list of "mark name  detail" lines. With no width it is one line,
// lead+text. The text column is never narrower than minWrap.
func Hang(w io.Writer, opts Options, lead, text string) error {
	limit := 0
	if opts.Width > 0 {
		limit = max(opts.Width-Width(lead), minWrap)
	}
	bw := bufio.NewWriter(w)
	for i, l := range wrapText(text, limit) {
		if i > 0 {
			lead = strings.Repeat(" ", Width(lead))
		}
		bw.WriteString(lead)
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
