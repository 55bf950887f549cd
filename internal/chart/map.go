package chart

import (
	"math"

	"github.com/wenming-city/wenming/internal/geo"
)

// Map is a shaded map of areas (the city's districts) with hot spots: each
// area filled by its figure's step, named at its label point, and circles
// sized by the square root of their count, so a spot with four times the
// orders is twice as wide. It draws through Canvas like every chart, so
// the page, the printout and the PDF show one map. A Canvas that can link
// (the SVG backend) makes each area a link with a tooltip.
type Map struct {
	Areas  []MapArea
	Spots  []MapSpot
	Legend []LegendItem
	Theme  Theme
}

// MapArea is one area and how it is drawn.
type MapArea struct {
	Area  *geo.Area
	Fill  Color
	Name  string // written on the area; "" writes none
	Title string // the tooltip (its name and figure)
	Href  string // a link (drill down); "" is none
}

// MapSpot is a hot spot: a point and its count.
type MapSpot struct {
	At    geo.Point
	N     float64
	Title string
}

// LegendItem is a swatch of the map's key.
type LegendItem struct {
	Color Color
	Label string
}

// Linker is a Canvas that can make what is drawn between Link and Unlink a
// link with a tooltip.
type Linker interface {
	Link(href, title string)
	Unlink()
}

// Steps is the five-step scale of shaded maps, light to dark (geo.Steps).
var Steps = [5]Color{{0xfd, 0xe0, 0xdd}, {0xfc, 0xc5, 0xc0}, {0xfa, 0x9f, 0xb5}, {0xf7, 0x68, 0xa1}, {0xc5, 0x1b, 0x8a}}

// NoData is the fill of an area without a figure.
var NoData = Color{0xe8, 0xee, 0xf3}

// Draw draws the map: the areas fill the box above the legend.
func (m Map) Draw(c Canvas, w, h float64) {
	if len(m.Areas) == 0 {
		return
	}
	legendH := 0.0
	if len(m.Legend) > 0 {
		legendH = 20
	}
	p := geo.NewSet(areasOf(m.Areas)...).Fit(w, h-legendH, 6)
	link, _ := c.(Linker)
	edge, ink := Color{0x5b, 0x6b, 0x7a}, Color{0x1f, 0x2d, 0x3a}
	for _, a := range m.Areas {
		if link != nil && a.Href != "" {
			link.Link(a.Href, a.Title)
		}
		fill := a.Fill
		for _, ring := range a.Area.Outline(p.XY, 0.4, false) {
			c.Polygon(ring, &fill, &edge)
		}
		if link != nil && a.Href != "" {
			link.Unlink()
		}
	}
	for _, a := range m.Areas {
		if a.Name == "" {
			continue
		}
		x, y := p.XY(a.Area.Label)
		c.Text(x, y+4, a.Name, 11, ink, Middle) // on the light fills, in any theme
	}
	top := 0.0
	for _, s := range m.Spots {
		top = math.Max(top, s.N)
	}
	white := Color{0xff, 0xff, 0xff}
	for _, s := range m.Spots {
		if top <= 0 || s.N <= 0 {
			continue
		}
		x, y := p.XY(s.At)
		r := 3 + 9*math.Sqrt(s.N/top)
		if link != nil && s.Title != "" {
			link.Link("", s.Title)
		}
		c.Circle(x, y, r, &Bad, &white)
		if link != nil && s.Title != "" {
			link.Unlink()
		}
	}
	x := 6.0
	for _, l := range m.Legend {
		fill := l.Color
		c.Rect(x, h-14, 12, 10, &fill, &edge)
		c.Text(x+16, h-5, l.Label, 10, m.Theme.Text, Start)
		x += 16 + TextWidth(l.Label, 10) + 12
	}
}

func areasOf(as []MapArea) []*geo.Area {
	out := make([]*geo.Area, len(as))
	for i, a := range as {
		out[i] = a.Area
	}
	return out
}

// Step is the colour of Steps for v between lo and hi.
func Step(v, lo, hi float64) Color { return Steps[geo.Shade(v, lo, hi)] }
