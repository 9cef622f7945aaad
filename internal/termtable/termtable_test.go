package termtable

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

// tabwritten renders rows the way the reports did before this package:
// text/tabwriter, minwidth 0, padding 2, ' '.
func tabwritten(rows [][]string) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	return b.String()
}

// TestZeroOptionsMatchTabwriter: with no width limit and no colour the
// bytes are those of text/tabwriter, for the shapes the renderers use
// (uniform rows, empty cells, trailing empty cells, non-ASCII text).
func TestZeroOptionsMatchTabwriter(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
	}{
		{"plain", [][]string{{"ID", "STATUS", "REASON"}, {"CRA-I.1", "met", "the dossier says so"}, {"CRA-AII.8", "not met", "x"}}},
		{"empty cells", [][]string{{"A", "B", "C"}, {"", "", ""}, {"long cell here", "", "z"}}},
		{"trailing empty", [][]string{{"ID:", "x"}, {"Title:", ""}}},
		{"unicode", [][]string{{"FROM", "TO"}, {"EN 303 645 — 5.1", "CRA-I.2.d…"}, {"ü", "ß"}}},
		{"one column", [][]string{{"ONLY"}, {"a"}, {"bbbbbb"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := New(Options{}, tt.rows[0]...)
			for _, r := range tt.rows[1:] {
				tb.Row(r...)
			}
			var b bytes.Buffer
			if err := tb.Write(&b); err != nil {
				t.Fatal(err)
			}
			if want := tabwritten(tt.rows); b.String() != want {
				t.Errorf("got\n%q\nwant (tabwriter)\n%q", b.String(), want)
			}
		})
	}
}

// TestWrap: a table wider than the limit wraps its wrappable column at
// word boundaries, keeps every word (nothing is cut), and the other
// columns keep their width.
func TestWrap(t *testing.T) {
	reason := "the dossier names no coordinated vulnerability disclosure policy: add security.contact and a policy URL"
	tests := []struct {
		name  string
		width int
		want  string
	}{
		{"fits", 200, "ID       STATUS   REASON\nCRA-I.1  not met  " + reason + "\nCRA-I.2  met      ok\n"},
		{"wrapped at 60", 60, "" +
			"ID       STATUS   REASON\n" +
			"CRA-I.1  not met  the dossier names no coordinated\n" +
			"                  vulnerability disclosure policy: add\n" +
			"                  security.contact and a policy URL\n" +
			"CRA-I.2  met      ok\n"},
		// Too narrow for anything: the reason column keeps minWrap columns.
		{"floor", 10, "" +
			"ID       STATUS   REASON\n" +
			"CRA-I.1  not met  the dossier names no\n" +
			"                  coordinated\n" +
			"                  vulnerability disclosure\n" +
			"                  policy: add\n" +
			"                  security.contact and a\n" +
			"                  policy URL\n" +
			"CRA-I.2  met      ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := New(Options{Width: tt.width}, "ID", "STATUS", "REASON").Wrap(2)
			tb.Row("CRA-I.1", "not met", reason)
			tb.Row("CRA-I.2", "met", "ok")
			var b bytes.Buffer
			if err := tb.Write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
			if got := strings.Join(strings.Fields(b.String()), " "); !strings.Contains(got, reason) {
				t.Errorf("a word of the reason was lost: %s", got)
			}
			for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if tt.width >= 60 && Width(l) > tt.width {
					t.Errorf("line wider than %d: %q", tt.width, l)
				}
				if strings.HasSuffix(l, " ") {
					t.Errorf("trailing blank: %q", l)
				}
			}
		})
	}
}

// TestWrapMiddleColumn: a wrapped column that is not the last is padded on
// every line, so the columns after it stay aligned.
func TestWrapMiddleColumn(t *testing.T) {
	tb := New(Options{Width: 40}, "ID", "TITLE", "CONF").Wrap(1)
	tb.Row("CRA-I.1", "no known exploitable vulnerabilities at release", "C")
	var b bytes.Buffer
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID       TITLE                      CONF\n" +
		"CRA-I.1  no known exploitable       C\n" +
		"         vulnerabilities at\n" +
		"         release\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestWrapText covers the line breaker alone: long words (URLs, purls) stay
// whole on a line of their own, runs of spaces collapse at a break, empty
// text stays one empty line.
func TestWrapText(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		want  []string
	}{
		{"", 5, []string{""}},
		{"short", 10, []string{"short"}},
		{"aaa bbb ccc", 7, []string{"aaa bbb", "ccc"}},
		{"aaaaaaaaaa", 4, []string{"aaaaaaaaaa"}},
		{"see https://example.org/security/advisories now", 10, []string{"see", "https://example.org/security/advisories", "now"}},
		{"a   b", 1, []string{"a", "b"}},
		{"pkg:golang/github.com/x/y@v1 is affected", 12, []string{"pkg:golang/github.com/x/y@v1", "is affected"}},
	}
	for _, tt := range tests {
		got := WrapText(tt.s, tt.limit)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("WrapText(%q, %d) = %q, want %q", tt.s, tt.limit, got, tt.want)
		}
	}
}

// TestColour: colour codes appear only with Options.Colour, never in the
// header, and do not count towards the width.
func TestColour(t *testing.T) {
	paint := func(s string) Colour {
		if s == "not met" {
			return Red
		}
		return None
	}
	for _, colour := range []bool{false, true} {
		tb := New(Options{Colour: colour}, "STATUS", "ID").Paint(0, paint)
		tb.Row("not met", "CRA-I.1")
		tb.Row("met", "CRA-I.2")
		var b bytes.Buffer
		if err := tb.Write(&b); err != nil {
			t.Fatal(err)
		}
		want := "STATUS   ID\nnot met  CRA-I.1\nmet      CRA-I.2\n"
		if colour {
			want = "STATUS   ID\n\x1b[31mnot met\x1b[0m  CRA-I.1\nmet      CRA-I.2\n"
		}
		if b.String() != want {
			t.Errorf("colour=%v: got %q, want %q", colour, b.String(), want)
		}
	}
}

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"—…", 2}, {"日本", 4}, {"ｆｕｌｌ", 8},
	}
	for _, tt := range tests {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteError(t *testing.T) {
	tb := New(Options{}, "A")
	tb.Row("x")
	if err := tb.Write(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("got %v, want the write error", err)
	}
}

// TestHang: the detail wraps under itself after the lead; without a width
// it is the one line fmt would print.
func TestHang(t *testing.T) {
	text := "witness quorum not met: 0 of 3 witnesses cosigned, 3 required"
	tests := []struct {
		width int
		want  string
	}{
		{0, "  FAIL witnesses   " + text + "\n"},
		{50, "" +
			"  FAIL witnesses   witness quorum not met: 0 of 3\n" +
			"                   witnesses cosigned, 3 required\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Hang(&b, Options{Width: tt.width}, "  FAIL witnesses   ", text); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("width %d: got\n%s\nwant\n%s", tt.width, b.String(), tt.want)
		}
	}
}

// TestLongWordInMiddleColumn: a word longer than its wrapped column runs
// past it but stays apart from the next cell.
func TestLongWordInMiddleColumn(t *testing.T) {
	tb := New(Options{Width: 40}, "ID", "TITLE", "CONF").Wrap(1)
	tb.Row("X", "https://example.org/a/very/long/path/to/the/advisory", "C")
	var b bytes.Buffer
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID  TITLE                           CONF\n" +
		"X   https://example.org/a/very/long/path/to/the/advisory C\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
