package geo

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Projection maps degrees to drawing units (y downward): an equirectangular
// projection with the longitudes narrowed by the cosine of the middle
// latitude, which at a city's size keeps shapes true within a fraction of
// a percent, and inverts exactly (a tap on a map becomes a point).
type Projection struct {
	Lat0, Lng0 float64 // the top left corner
	K, Cos     float64 // units per degree of latitude; the narrowing of longitude
	DX, DY     float64 // offset that centres the drawing
}

// Fit is the projection that draws the whole set inside w × h with pad
// units of margin.
func (s *Set) Fit(w, h, pad float64) Projection {
	b := s.box
	cos := math.Cos((b.minLat + b.maxLat) / 2 * math.Pi / 180)
	dLng, dLat := (b.maxLng-b.minLng)*cos, b.maxLat-b.minLat
	k := math.Min((w-2*pad)/math.Max(dLng, 1e-9), (h-2*pad)/math.Max(dLat, 1e-9))
	return Projection{Lat0: b.maxLat, Lng0: b.minLng, K: k, Cos: cos,
		DX: (w - dLng*k) / 2, DY: (h - dLat*k) / 2}
}

// XY projects a point.
func (p Projection) XY(pt Point) (x, y float64) {
	return p.DX + (pt.Lng-p.Lng0)*p.Cos*p.K, p.DY + (p.Lat0-pt.Lat)*p.K
}

// Point inverts XY.
func (p Projection) Point(x, y float64) Point {
	return Point{Lat: p.Lat0 - (y-p.DY)/p.K, Lng: p.Lng0 + (x-p.DX)/(p.K*p.Cos)}
}

// Path is the SVG path of an area's boundary under p, simplified
// (Ramer-Douglas-Peucker) to within 0.4 units of the true line, which at
// the sizes maps are drawn keeps about a tenth of the points and looks the
// same.
func (p Projection) Path(a *Area) string { return a.Path(p.XY, 0.4) }

// Path is the SVG path of the area's boundary under any projection xy,
// simplified to within eps drawing units.
func (a *Area) Path(xy func(Point) (float64, float64), eps float64) string {
	var b strings.Builder
	for _, pts := range a.Outline(xy, eps, true) {
		for i, pt := range pts {
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			b.WriteString(num(pt[0]))
			b.WriteByte(' ')
			b.WriteString(num(pt[1]))
		}
		b.WriteByte('Z')
	}
	return b.String()
}

// Outline is the area's rings under the projection xy, each simplified to
// within eps drawing units (rings that shrink below a triangle are left
// out); holes only with holes set, for a backend that cannot cut them
// (a polygon fill) draws the outer rings alone.
func (a *Area) Outline(xy func(Point) (float64, float64), eps float64, holes bool) [][][2]float64 {
	var out [][][2]float64
	for _, poly := range a.Polys {
		for k, ring := range poly {
			if k > 0 && !holes {
				break
			}
			pts := make([][2]float64, len(ring))
			for i, pt := range ring {
				x, y := xy(pt)
				pts[i] = [2]float64{x, y}
			}
			if pts = simplify(pts, eps); len(pts) >= 3 {
				out = append(out, pts)
			}
		}
	}
	return out
}

// simplify keeps the points of a line that lie farther than eps from the
// chord of the points kept around them (Ramer-Douglas-Peucker).
func simplify(pts [][2]float64, eps float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	var rec func(i, j int)
	rec = func(i, j int) {
		a, b := pts[i], pts[j]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		far, at := 0.0, -1
		for k := i + 1; k < j; k++ {
			var d float64
			if l == 0 {
				d = math.Hypot(pts[k][0]-a[0], pts[k][1]-a[1])
			} else {
				d = math.Abs(dy*(pts[k][0]-a[0])-dx*(pts[k][1]-a[1])) / l
			}
			if d > far {
				far, at = d, k
			}
		}
		if at >= 0 && far > eps {
			keep[at] = true
			rec(i, at)
			rec(at, j)
		}
	}
	rec(0, len(pts)-1)
	out := pts[:0:0]
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// Pin is a marked point on a map.
type Pin struct {
	At     Point
	Label  string // its tooltip
	Colour string // CSS colour; "" is the map's accent
	R      float64
}

// MapOpts say how a map is drawn. Every func may be nil.
type MapOpts struct {
	W, H  float64
	Class string
	Label string // the map's accessible name
	// Fill is an area's CSS fill colour (shading by a figure); "" is the
	// neutral land colour.
	Fill func(a *Area) string
	// Title is an area's tooltip (its name and figure).
	Title func(a *Area) string
	// Href makes an area a link (drill down).
	Href func(a *Area) string
	// Name is the label written on the area; nil writes a.Name, and a
	// func returning "" writes none.
	Name   func(a *Area) string
	Pins   []Pin
	Legend []LegendItem
}

// LegendItem is one swatch of a shaded map's key.
type LegendItem struct{ Colour, Label string }

// SVG draws the set as an inline SVG element. The projection is written on
// the element (data-lat0, data-lng0, data-k, data-cos, data-dx, data-dy) so
// a page script turns a tap into a point with the same formula as
// Projection.Point.
func (s *Set) SVG(o MapOpts) string {
	if o.W == 0 {
		o.W, o.H = 600, 480
	}
	p := s.Fit(o.W, o.H, 8)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" class="geo-map %s" role="img" aria-label="%s" data-lat0="%v" data-lng0="%v" data-k="%v" data-cos="%v" data-dx="%v" data-dy="%v">`,
		num(o.W), num(o.H), html.EscapeString(o.Class), html.EscapeString(o.Label), p.Lat0, p.Lng0, p.K, p.Cos, p.DX, p.DY)
	for _, a := range s.Areas {
		fill := "#e8eef3"
		if o.Fill != nil {
			if f := o.Fill(a); f != "" {
				fill = f
			}
		}
		href := ""
		if o.Href != nil {
			href = o.Href(a)
		}
		if href != "" {
			fmt.Fprintf(&b, `<a href="%s">`, html.EscapeString(href))
		}
		fmt.Fprintf(&b, `<path d="%s" fill="%s" stroke="#5b6b7a" stroke-width="0.8" stroke-linejoin="round" data-code="%s">`,
			p.Path(a), html.EscapeString(fill), html.EscapeString(a.Code))
		title := a.Name
		if o.Title != nil {
			title = o.Title(a)
		}
		fmt.Fprintf(&b, `<title>%s</title></path>`, html.EscapeString(title))
		if href != "" {
			b.WriteString(`</a>`)
		}
	}
	for _, a := range s.Areas {
		name := a.Name
		if o.Name != nil {
			name = o.Name(a)
		}
		if name == "" {
			continue
		}
		x, y := p.XY(a.Label)
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" text-anchor="middle" fill="#1f2d3a" paint-order="stroke" stroke="#fff" stroke-width="2.5" pointer-events="none">%s</text>`,
			num(x), num(y), html.EscapeString(name))
	}
	for _, pin := range o.Pins {
		x, y := p.XY(pin.At)
		c := pin.Colour
		if c == "" {
			c = "#c8101e"
		}
		r := pin.R
		if r == 0 {
			r = 4
		}
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" fill-opacity="0.75" stroke="#fff" stroke-width="1"><title>%s</title></circle>`,
			num(x), num(y), num(r), html.EscapeString(c), html.EscapeString(pin.Label))
	}
	for i, l := range o.Legend {
		y := o.H - 8 - float64(len(o.Legend)-i)*16
		fmt.Fprintf(&b, `<rect x="8" y="%s" width="14" height="12" fill="%s" stroke="#5b6b7a" stroke-width="0.5"/><text x="27" y="%s" font-size="11" fill="#1f2d3a">%s</text>`,
			num(y), html.EscapeString(l.Colour), num(y+10), html.EscapeString(l.Label))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Steps is the five-step scale shaded maps use, light to dark.
var Steps = [5]string{"#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#c51b8a"}

// Shade is the step of Steps for a value between lo and hi (the districts'
// volumes or rates).
func Shade(v, lo, hi float64) int {
	if hi <= lo {
		return 0
	}
	i := int((v - lo) / (hi - lo) * float64(len(Steps)))
	return max(0, min(i, len(Steps)-1))
}
