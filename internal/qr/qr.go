// Package qr renders a label's QR code (PNG or SVG) and the printable label
// image around it: product name, manufacturer and model, one verdict line
// per regime, the end of the security support period, and the registry URL
// the QR code leads to. Output is deterministic so it can be golden-tested.
package qr

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Code is an encoded QR symbol including its 4-module quiet zone.
type Code struct {
	bits [][]bool
}

// New encodes content with error-correction level M (15 %), which leaves
// room for print damage while keeping the symbol small.
func New(content string) (*Code, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("encoding QR code for %q: %w", content, err)
	}
	return &Code{bits: q.Bitmap()}, nil
}

// Modules returns the symbol's width in modules, quiet zone included.
func (c *Code) Modules() int { return len(c.bits) }

// Dark reports whether module (x, y) is dark.
func (c *Code) Dark(x, y int) bool { return c.bits[y][x] }

// PNG renders the code with scale pixels per module.
func (c *Code) PNG(scale int) ([]byte, error) {
	n := c.Modules() * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c.drawAt(img, 0, 0, scale)
	return encodePNG(img)
}

func (c *Code) drawAt(dst draw.Image, x0, y0, scale int) {
	for y, row := range c.bits {
		for x, dark := range row {
			if dark {
				r := image.Rect(x0+x*scale, y0+y*scale, x0+(x+1)*scale, y0+(y+1)*scale)
				draw.Draw(dst, r, image.Black, image.Point{}, draw.Src)
			}
		}
	}
}

// SVG renders the code as an SVG document, one path for all dark modules.
func (c *Code) SVG(scale int) []byte {
	var b bytes.Buffer
	n := c.Modules() * scale
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", n, n, c.Modules(), c.Modules())
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	b.WriteString(c.svgPath(0, 0) + "\n</svg>\n")
	return b.Bytes()
}

// svgPath returns a <path> of the dark modules in module units at (x0, y0).
func (c *Code) svgPath(x0, y0 int) string {
	var p strings.Builder
	for y, row := range c.bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&p, "M%d %dh%dv1h-%dz", x0+x, y0+y, run, run)
			x += run - 1
		}
	}
	return `<path fill="#000" d="` + p.String() + `"/>`
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Verdict is one regime line of the printed label.
type Verdict struct {
	Regime  string // display name, e.g. "EU Cyber Resilience Act"
	Verdict string // conforms | does-not-conform | incomplete
}

// Label is the content of the printable label.
type Label struct {
	URL          string
	ProductName  string
	Manufacturer string
	Model        string
	Verdicts     []Verdict
	SupportEnd   string // YYYY-MM-DD, or "" when not stated
	LabelID      string // shown shortened
	LogIndex     uint64
}

// Layout of the printable label, in pixels.
const (
	labelW   = 1200
	labelH   = 560
	margin   = 30
	qrBox    = labelH - 2*margin
	textX    = margin + qrBox + 30
	titlePt  = 40
	bodyPt   = 24
	smallPt  = 18
	lineGap  = 14
	badgeW   = 250
	badgeH   = 34
	verdictY = 170
)

var verdictColors = map[string]color.RGBA{
	"conforms":         {0x1b, 0x7f, 0x3b, 0xff},
	"does-not-conform": {0xb3, 0x26, 0x1e, 0xff},
	"incomplete":       {0xb7, 0x79, 0x1f, 0xff},
}

func verdictText(v string) string { return strings.ToUpper(strings.ReplaceAll(v, "-", " ")) }

func verdictColor(v string) color.RGBA {
	if c, ok := verdictColors[v]; ok {
		return c
	}
	return color.RGBA{0x55, 0x55, 0x55, 0xff}
}

// lines returns the text rows of the right-hand column: (text, size, bold, y).
type row struct {
	text string
	pt   float64
	bold bool
	y    int
}

func (l *Label) rows() []row {
	sub := strings.Trim(strings.Join([]string{l.Manufacturer, l.Model}, " · "), " ·")
	rows := []row{
		{l.ProductName, titlePt, true, margin + titlePt},
		{sub, bodyPt, false, margin + titlePt + bodyPt + lineGap},
	}
	y := verdictY + len(l.Verdicts)*(badgeH+lineGap) + bodyPt
	support := "Security updates until " + l.SupportEnd
	if l.SupportEnd == "" {
		support = "Security support period: not stated"
	}
	rows = append(rows,
		row{support, bodyPt, true, y},
		row{"Verify: " + l.URL, smallPt, false, y + bodyPt + 2*lineGap},
		row{fmt.Sprintf("Label %s · log entry %d · Ed25519 + ML-DSA-65", short(l.LabelID), l.LogIndex), smallPt, false, y + bodyPt + smallPt + 3*lineGap},
	)
	return rows
}

func short(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

// PNG renders the printable label.
func (l *Label) PNG() ([]byte, error) {
	code, err := New(l.URL)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, labelW, labelH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	scale := qrBox / code.Modules()
	off := margin + (qrBox-scale*code.Modules())/2
	code.drawAt(img, off, off, scale)
	faces, err := loadFaces()
	if err != nil {
		return nil, err
	}
	for _, r := range l.rows() {
		drawText(img, faces.get(r.pt, r.bold), textX, r.y, r.text, image.Black)
	}
	for i, v := range l.Verdicts {
		y := verdictY + i*(badgeH+lineGap)
		draw.Draw(img, image.Rect(textX, y, textX+badgeW, y+badgeH), image.NewUniform(verdictColor(v.Verdict)), image.Point{}, draw.Src)
		drawText(img, faces.get(smallPt, true), textX+10, y+badgeH-9, verdictText(v.Verdict), image.White)
		drawText(img, faces.get(bodyPt, false), textX+badgeW+16, y+badgeH-7, v.Regime, image.Black)
	}
	return encodePNG(img)
}

// SVG renders the printable label as SVG with real text.
func (l *Label) SVG() ([]byte, error) {
	code, err := New(l.URL)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Go, Helvetica, Arial, sans-serif">`+"\n", labelW, labelH, labelW, labelH)
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	scale := float64(qrBox) / float64(code.Modules())
	fmt.Fprintf(&b, `<g transform="translate(%d %d) scale(%.4f)">%s</g>`+"\n", margin, margin, scale, code.svgPath(0, 0))
	for _, r := range l.rows() {
		weight := ""
		if r.bold {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="%g"%s>%s</text>`+"\n", textX, r.y, r.pt, weight, html.EscapeString(r.text))
	}
	for i, v := range l.Verdicts {
		y := verdictY + i*(badgeH+lineGap)
		c := verdictColor(v.Verdict)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#%02x%02x%02x"/>`+"\n", textX, y, badgeW, badgeH, c.R, c.G, c.B)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="%d" font-weight="bold" fill="#fff">%s</text>`+"\n", textX+10, y+badgeH-9, smallPt, verdictText(v.Verdict))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="%d">%s</text>`+"\n", textX+badgeW+16, y+badgeH-7, bodyPt, html.EscapeString(v.Regime))
	}
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

// faceSet holds the Go font faces the label uses, by size and weight.
type faceSet map[[2]float64]font.Face

func loadFaces() (faceSet, error) {
	fs := faceSet{}
	for bold, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, err
		}
		for _, pt := range []float64{titlePt, bodyPt, smallPt} {
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pt, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				return nil, err
			}
			fs[[2]float64{pt, float64(bold)}] = face
		}
	}
	return fs, nil
}

func (fs faceSet) get(pt float64, bold bool) font.Face {
	if bold {
		return fs[[2]float64{pt, 1}]
	}
	return fs[[2]float64{pt, 0}]
}

// drawText draws s with its baseline at y, shortened with an ellipsis to
// fit the label width.
func drawText(dst draw.Image, face font.Face, x, y int, s string, col image.Image) {
	d := &font.Drawer{Dst: dst, Src: col, Face: face, Dot: fixed.P(x, y)}
	limit := fixed.I(labelW - margin - x)
	r := []rune(s)
	for d.MeasureString(s) > limit && len(r) > 1 {
		r = r[:len(r)-1]
		s = string(r) + "…"
	}
	d.DrawString(s)
}
