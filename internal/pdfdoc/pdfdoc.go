// Package pdfdoc writes the PDFs wenming hands out: rectification notices
// and reminder letters, mediation agreements, service certificates, the
// cockpit's summary. A Doc is a flow of blocks (headings, paragraphs,
// tables, images, drawings) on A4 pages with the text area of GB/T
// 9704-2012 (156 × 225 mm, 37 mm from the top, 28 mm from the left), page
// numbers in the standard's form, and one embedded CJK font (WenQuanYi Micro
// Hei, Apache-2.0, see font/README.md), so the Chinese text of every PDF is
// real text that pdftotext reads back exactly.
//
// Errors are kept: after the first one every call does nothing, and Bytes
// returns it.
package pdfdoc

import (
	_ "embed"
	"fmt"
	"math"
	"sync"

	"github.com/signintech/gopdf"
)

//go:embed font/wqy-microhei.ttf
var fontData []byte

const fontFamily = "wqy"

// Sizes in points of the Chinese type sizes (字号) GB/T 9704 names.
const (
	Size1 = 26   // 一号
	Size2 = 22   // 二号: the title
	Size3 = 16   // 三号: the body
	Size4 = 14   // 四号: page numbers, the imprint (版记)
	Size5 = 10.5 // 五号: tables and notes
)

// A4 and the text area (版心) of GB/T 9704-2012, in millimetres.
const (
	PageW     = 210.0
	PageH     = 297.0
	AreaTop   = 37.0
	AreaLeft  = 28.0
	AreaW     = 156.0
	AreaH     = 225.0
	AreaRight = AreaLeft + AreaW
	AreaBot   = AreaTop + AreaH
)

const ptToMM = 25.4 / 72

// RGB is a colour.
type RGB struct{ R, G, B uint8 }

// Colours used by the documents: text, the red of the issuing mark and
// its rules, and a light grey for table heads.
var (
	Black = RGB{0, 0, 0}
	Red   = RGB{200, 16, 30}
	Grey  = RGB{110, 110, 110}
	Light = RGB{235, 235, 235}
)

// Align places a line in the text area.
type Align int

// Alignments.
const (
	Left Align = iota
	Center
	Right
)

// Options change the page set-up of New.
type Options struct {
	// NoPageNumbers leaves the page numbers out (a one-page certificate).
	NoPageNumbers bool
	// FirstPageNumberless leaves the number off the first page only (the
	// letter format, 信函格式).
	FirstPageNumberless bool
}

// Doc is a document being laid out.
type Doc struct {
	pdf  *gopdf.GoPdf
	opts Options
	y    float64 // the cursor, mm from the page top
	page int
	err  error
	size float64 // current font size, pt
}

var fontOnce struct {
	sync.Once
	err error
}

// New starts a document with one empty page and the cursor at the top of
// the text area.
func New() *Doc { return NewWith(Options{}) }

// NewWith is New with page options.
func NewWith(o Options) *Doc {
	d := &Doc{pdf: &gopdf.GoPdf{}, opts: o}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	d.pdf.SetInfo(gopdf.PdfInfo{Creator: "wenming", Producer: "wenming"})
	if err := d.pdf.AddTTFFontData(fontFamily, fontData); err != nil {
		d.err = fmt.Errorf("pdfdoc: load the embedded font: %w", err)
		return d
	}
	d.newPage()
	return d
}

// Err reports the first error of the document.
func (d *Doc) Err() error { return d.err }

// Y is the cursor's distance from the top of the page, in millimetres.
func (d *Doc) Y() float64 { return d.y }

// Page is the number of the current page (from 1).
func (d *Doc) Page() int { return d.page }

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	b, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: write: %w", err)
	}
	return b, nil
}

func (d *Doc) fail(err error) {
	if d.err == nil && err != nil {
		d.err = fmt.Errorf("pdfdoc: %w", err)
	}
}

// NewPage ends the current page.
func (d *Doc) NewPage() {
	if d.err != nil {
		return
	}
	d.newPage()
}

func (d *Doc) newPage() {
	d.pdf.AddPage()
	d.page++
	d.y = AreaTop
	d.size = 0
	if d.opts.NoPageNumbers || (d.opts.FirstPageNumberless && d.page == 1) {
		return
	}
	// GB/T 9704 7.5: 4号 Arabic numerals between two dashes, 7 mm below the
	// text area; odd pages one character from the right, even pages one
	// character from the left.
	s := fmt.Sprintf("— %d —", d.page)
	d.setFont(Size4, Black)
	w := d.width(s)
	em := Size4 * ptToMM
	x := AreaRight - em - w
	if d.page%2 == 0 {
		x = AreaLeft + em
	}
	d.textAt(x, AreaBot+7+em*0.8, s)
}

// Room makes sure h millimetres are left on the page, starting a new page
// when they are not.
func (d *Doc) Room(h float64) {
	if d.err != nil {
		return
	}
	if d.y+h > AreaBot+0.01 && d.y > AreaTop {
		d.newPage()
	}
}

// Space moves the cursor down.
func (d *Doc) Space(mm float64) {
	if d.err != nil {
		return
	}
	d.y += mm
	if d.y > AreaBot {
		d.newPage()
	}
}

func (d *Doc) setFont(size float64, c RGB) {
	if d.size != size {
		d.fail(d.pdf.SetFont(fontFamily, "", size))
		d.size = size
	}
	d.pdf.SetTextColor(c.R, c.G, c.B)
}

func (d *Doc) width(s string) float64 {
	w, err := d.pdf.MeasureTextWidth(s)
	d.fail(err)
	return w
}

// textAt writes s with its baseline at y.
func (d *Doc) textAt(x, y float64, s string) {
	if s == "" {
		return
	}
	d.pdf.SetXY(x, y)
	d.fail(d.pdf.Text(s))
}

// ParaOpt is how a paragraph is set.
type ParaOpt struct {
	Size   float64 // points; 0 is 三号 (16 pt)
	Indent float64 // first-line indent in characters (2 for body text)
	Hang   float64 // indent of every line in characters (a list's items)
	Align  Align
	Color  *RGB    // nil is black
	Leader float64 // line pitch as a multiple of the size; 0 is 1.6
	// Right, in characters, keeps the line's end that far from the right
	// edge of the text area (a signature "右空四字").
	Right float64
}

// Para sets a paragraph, broken into lines that fit the text area: CJK
// text breaks between any two characters, Latin words and numbers are kept
// whole, and no line begins with closing punctuation (它挂在上一行末).
func (d *Doc) Para(text string, o ParaOpt) {
	if d.err != nil {
		return
	}
	size := o.Size
	if size == 0 {
		size = Size3
	}
	col := Black
	if o.Color != nil {
		col = *o.Color
	}
	pitch := o.Leader
	if pitch == 0 {
		pitch = 1.6
	}
	em := size * ptToMM
	lh := em * pitch
	d.setFont(size, col)
	left := AreaLeft + o.Hang*em
	width := AreaW - o.Hang*em - o.Right*em
	lines := wrap(text, width, o.Indent*em, d.width)
	for i, ln := range lines {
		d.Room(lh)
		d.setFont(size, col)
		x := left
		if i == 0 {
			x += o.Indent * em
		}
		switch o.Align {
		case Center:
			x = left + (width-d.width(ln))/2
		case Right:
			x = left + width - d.width(ln)
		}
		// The baseline sits at about four fifths of the em below the line's
		// top, the rest of the pitch is shared above and below.
		d.textAt(x, d.y+(lh-em)/2+em*0.85, ln)
		d.y += lh
	}
}

// Heading sets a centred heading (a title: 二号 is Size2). A heading of
// several lines is balanced: its lines are made as even as the text allows,
// rather than a full line and a stub.
func (d *Doc) Heading(text string, size float64) {
	if d.err != nil {
		return
	}
	d.setFont(size, Black)
	n := len(wrap(text, AreaW, 0, d.width))
	right := 0.0
	if n > 1 {
		lo, hi := 0.0, AreaW
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if len(wrap(text, mid, 0, d.width)) > n {
				lo = mid
			} else {
				hi = mid
			}
		}
		right = (AreaW - hi) / (size * ptToMM)
	}
	d.Para(text, ParaOpt{Size: size, Align: Center, Leader: 1.4, Right: right / 2, Hang: right / 2})
}

// Rule draws a horizontal line across the text area at the cursor.
func (d *Doc) Rule(c RGB, widthMM float64) {
	d.RuleSpan(AreaLeft, AreaRight, c, widthMM)
}

// RuleSpan draws a horizontal line from x1 to x2 at the cursor and moves the
// cursor below it.
func (d *Doc) RuleSpan(x1, x2 float64, c RGB, widthMM float64) {
	if d.err != nil {
		return
	}
	d.Room(widthMM)
	d.pdf.SetStrokeColor(c.R, c.G, c.B)
	d.pdf.SetLineWidth(widthMM)
	y := d.y + widthMM/2
	d.pdf.Line(x1, y, x2, y)
	d.y += widthMM
}

// Col is a table column: its head and its share of the table's width
// (relative to the other columns').
type Col struct {
	Title string
	Width float64
}

// Table sets a table of wrapped cells in 五号 with a grey head row that is
// repeated on every page the table runs over.
func (d *Doc) Table(cols []Col, rows [][]string) {
	if d.err != nil || len(cols) == 0 {
		return
	}
	var total float64
	for _, c := range cols {
		total += math.Max(c.Width, 0.01)
	}
	ws := make([]float64, len(cols))
	for i, c := range cols {
		ws[i] = AreaW * math.Max(c.Width, 0.01) / total
	}
	const pad = 1.5
	size := float64(Size5)
	em := size * ptToMM
	lh := em * 1.45
	layout := func(cells []string) ([][]string, float64) {
		out := make([][]string, len(cols))
		n := 1
		for i := range cols {
			s := ""
			if i < len(cells) {
				s = cells[i]
			}
			out[i] = wrap(s, ws[i]-2*pad, 0, d.width)
			n = max(n, len(out[i]))
		}
		return out, float64(n)*lh + 2*pad
	}
	d.setFont(size, Black)
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.Title
	}
	headLines, headH := layout(heads)
	row := func(lines [][]string, h float64, fill bool) {
		x := AreaLeft
		d.pdf.SetStrokeColor(0, 0, 0)
		d.pdf.SetLineWidth(0.2)
		for i := range cols {
			if fill {
				d.pdf.SetFillColor(Light.R, Light.G, Light.B)
				d.pdf.RectFromUpperLeftWithStyle(x, d.y, ws[i], h, "FD")
			} else {
				d.pdf.RectFromUpperLeftWithStyle(x, d.y, ws[i], h, "D")
			}
			d.setFont(size, Black)
			for j, ln := range lines[i] {
				d.textAt(x+pad, d.y+pad+float64(j)*lh+(lh-em)/2+em*0.85, ln)
			}
			x += ws[i]
		}
		d.y += h
	}
	d.Room(headH + lh + 2*pad)
	row(headLines, headH, true)
	for _, r := range rows {
		d.setFont(size, Black)
		lines, h := layout(r)
		if d.y+h > AreaBot {
			d.newPage()
			row(headLines, headH, true)
		}
		row(lines, h, false)
	}
}

// Image places a JPEG or PNG, scaled to fit maxW × maxH millimetres (and
// the text area), centred, at the cursor.
func (d *Doc) Image(data []byte, maxW, maxH float64) {
	if d.err != nil {
		return
	}
	w, h, err := imageSize(data)
	if err != nil {
		d.fail(err)
		return
	}
	maxW = math.Min(maxW, AreaW)
	maxH = math.Min(maxH, AreaH)
	scale := math.Min(maxW/w, maxH/h)
	w, h = w*scale, h*scale
	d.Room(h)
	holder, err := gopdf.ImageHolderByBytes(data)
	if err != nil {
		d.fail(err)
		return
	}
	d.fail(d.pdf.ImageByHolder(holder, AreaLeft+(AreaW-w)/2, d.y, &gopdf.Rect{W: w, H: h}))
	d.y += h
}
