package chart

import "github.com/wenming-city/wenming/internal/pdfdoc"

// PDF is a Canvas over a pdfdoc.Canvas: a chart drawn in its own units is
// placed at (X, Y) millimetres inside a pdfdoc.Draw block and scaled by
// Scale millimetres per unit; text sizes become points.
type PDF struct {
	C     pdfdoc.Canvas
	X, Y  float64
	Scale float64
}

// DrawPDF draws ch into c at (x, y) millimetres, w millimetres wide, the
// chart laid out in a box of units wide × unitsH high.
func DrawPDF(c pdfdoc.Canvas, ch Chart, x, y, w, units, unitsH float64) {
	ch.Draw(PDF{C: c, X: x, Y: y, Scale: w / units}, units, unitsH)
}

func rgb(c Color) pdfdoc.RGB { return pdfdoc.RGB{R: c.R, G: c.G, B: c.B} }

func rgbp(c *Color) *pdfdoc.RGB {
	if c == nil {
		return nil
	}
	x := rgb(*c)
	return &x
}

func (p PDF) x(v float64) float64 { return p.X + v*p.Scale }
func (p PDF) y(v float64) float64 { return p.Y + v*p.Scale }

// Line draws a segment.
func (p PDF) Line(x1, y1, x2, y2, width float64, c Color) {
	p.C.Line(p.x(x1), p.y(y1), p.x(x2), p.y(y2), width*p.Scale, rgb(c))
}

// Rect draws a rectangle.
func (p PDF) Rect(x, y, w, h float64, fill, stroke *Color) {
	p.C.Rect(p.x(x), p.y(y), w*p.Scale, h*p.Scale, rgbp(fill), rgbp(stroke))
}

// Polygon draws a closed polygon.
func (p PDF) Polygon(pts [][2]float64, fill, stroke *Color) {
	out := make([][2]float64, len(pts))
	for i, q := range pts {
		out[i] = [2]float64{p.x(q[0]), p.y(q[1])}
	}
	p.C.Polygon(out, rgbp(fill), rgbp(stroke))
}

// Circle draws a circle.
func (p PDF) Circle(cx, cy, r float64, fill, stroke *Color) {
	p.C.Circle(p.x(cx), p.y(cy), r*p.Scale, rgbp(fill), rgbp(stroke))
}

// Text writes a text, its size from units to points.
func (p PDF) Text(x, y float64, s string, size float64, c Color, a Anchor) {
	p.C.Text(p.x(x), p.y(y), s, size*p.Scale*72/25.4, rgb(c), pdfdoc.Anchor(a))
}
