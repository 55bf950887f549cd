package pdfdoc

import (
	"math"

	"github.com/signintech/gopdf"
)

// Anchor is where a text's x lies: at its start, middle or end.
type Anchor int

// Anchors.
const (
	Start Anchor = iota
	Middle
	End
)

// Canvas draws inside a block reserved by Draw, in millimetres from the
// block's top left corner with y downward. A nil fill or stroke is none.
// The same five calls are what a chart needs, so a chart that draws through
// an interface of them serves SVG and PDF alike.
type Canvas interface {
	Line(x1, y1, x2, y2, widthMM float64, c RGB)
	Rect(x, y, w, h float64, fill, stroke *RGB)
	Polygon(pts [][2]float64, fill, stroke *RGB)
	Circle(cx, cy, r float64, fill, stroke *RGB)
	// Text writes s with its baseline at y.
	Text(x, y float64, s string, sizePt float64, c RGB, a Anchor)
}

// Draw reserves a block of w × h millimetres, centred in the text area at
// the cursor (on a new page when it does not fit), and lets fn draw in it.
func (d *Doc) Draw(w, h float64, fn func(c Canvas)) {
	if d.err != nil {
		return
	}
	d.Room(h)
	c := &canvas{d: d, x0: AreaLeft + (AreaW-w)/2, y0: d.y}
	if w > AreaW {
		c.x0 = AreaLeft
	}
	fn(c)
	d.size = 0 // the canvas may have changed the font size
	d.y += h
}

type canvas struct {
	d      *Doc
	x0, y0 float64
}

func style(fill, stroke *RGB) string {
	switch {
	case fill != nil && stroke != nil:
		return "FD"
	case fill != nil:
		return "F"
	}
	return "D"
}

func (c *canvas) colours(fill, stroke *RGB) {
	p := c.d.pdf
	if fill != nil {
		p.SetFillColor(fill.R, fill.G, fill.B)
	}
	if stroke != nil {
		p.SetStrokeColor(stroke.R, stroke.G, stroke.B)
		p.SetLineWidth(0.25)
	}
}

func (c *canvas) Line(x1, y1, x2, y2, width float64, col RGB) {
	p := c.d.pdf
	p.SetStrokeColor(col.R, col.G, col.B)
	p.SetLineWidth(width)
	p.Line(c.x0+x1, c.y0+y1, c.x0+x2, c.y0+y2)
}

func (c *canvas) Rect(x, y, w, h float64, fill, stroke *RGB) {
	if fill == nil && stroke == nil {
		return
	}
	c.colours(fill, stroke)
	c.d.pdf.RectFromUpperLeftWithStyle(c.x0+x, c.y0+y, w, h, style(fill, stroke))
}

func (c *canvas) Polygon(pts [][2]float64, fill, stroke *RGB) {
	if len(pts) < 2 || fill == nil && stroke == nil {
		return
	}
	c.colours(fill, stroke)
	ps := make([]gopdf.Point, len(pts))
	for i, pt := range pts {
		ps[i] = gopdf.Point{X: c.x0 + pt[0], Y: c.y0 + pt[1]}
	}
	c.d.pdf.Polygon(ps, style(fill, stroke))
}

// Circle is drawn as a polygon of 48 sides, which no printer tells from a
// circle at the sizes charts use.
func (c *canvas) Circle(cx, cy, r float64, fill, stroke *RGB) {
	const n = 48
	pts := make([][2]float64, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	c.Polygon(pts, fill, stroke)
}

func (c *canvas) Text(x, y float64, s string, size float64, col RGB, a Anchor) {
	d := c.d
	d.setFont(size, col)
	switch a {
	case Middle:
		x -= d.width(s) / 2
	case End:
		x -= d.width(s)
	}
	d.textAt(c.x0+x, c.y0+y, s)
}
