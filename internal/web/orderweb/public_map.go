package orderweb

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/workorder"
)

// cityMap is the city drawn from data in the binary: the boundaries of
// its districts (internal/geo) with the centres as labelled tap targets,
// on a plain equirectangular projection (x ∝ longitude·cos(mid-latitude),
// y ∝ −latitude), which report.js inverts to turn a tap into a position;
// the server then names the region the point lies in (GET
// /api/v1/public/locate). A tap gives where to street precision, the
// address text says exactly where.
type cityMap struct {
	W, H                     float64 // viewBox size
	West, East, North, South float64 // the edges, in degrees
	Areas                    []mapArea
	Points                   []mapPoint
	Pin                      *mapXY // the chosen place, when there is one
	Scale                    mapScale
	// Tiles is the optional tile server's URL template ({z}, {x}, {y}),
	// "" for none; report.js draws its Web-Mercator tiles beneath the
	// places (map_tiles.go).
	Tiles string
}

// useTiles sets the tile server's template on a map (nil: no map).
func (m *cityMap) useTiles(tmpl string) {
	if m != nil {
		m.Tiles = tmpl
	}
}

type mapPoint struct {
	X, Y, R  float64
	LabelY   float64 // baseline of the label
	Label    string
	City     bool
	Lat, Lng string
}

type mapXY struct{ X, Y float64 }

// mapArea is one district's boundary as an SVG path.
type mapArea struct {
	Path, Code, Label string
}

// mapScale is the scale bar in the bottom left corner: from X1 to X2 at
// height Y is KM kilometres.
type mapScale struct {
	X1, X2, Y, TextY float64
	KM               int
}

const (
	mapWidth = 1000.0
	mapFont  = 28.0 // label size in viewBox units (about 10 px on a phone)
)

// labelBox is the space a label takes, for keeping labels apart.
type labelBox struct{ left, right, top, bottom float64 }

func (b labelBox) hitsAny(others []labelBox) bool {
	for _, o := range others {
		if b.left < o.right && o.left < b.right && b.top < o.bottom && o.top < b.bottom {
			return true
		}
	}
	return false
}

// labelWidth estimates a label's width: Han characters are square, Latin
// letters about half as wide.
func labelWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2e80 {
			w += mapFont * 0.55
		} else {
			w += mapFont
		}
	}
	return w
}

// newCityMap projects the places and the boundaries of those that have
// one (by division code); nil when there are no places to draw.
func newCityMap(places []workorder.Place, areas *geo.Set, lang string) *cityMap {
	if len(places) == 0 {
		return nil
	}
	m := &cityMap{W: mapWidth, West: 180, East: -180, North: -90, South: 90}
	var drawn []*geo.Area
	for _, p := range places {
		m.West, m.East = math.Min(m.West, p.Lng), math.Max(m.East, p.Lng)
		m.South, m.North = math.Min(m.South, p.Lat), math.Max(m.North, p.Lat)
		if a, ok := areas.Area(p.Code); ok && p.Level != "city" {
			drawn = append(drawn, a)
			south, west, north, east := a.Bounds()
			m.West, m.East = math.Min(m.West, west), math.Max(m.East, east)
			m.South, m.North = math.Min(m.South, south), math.Max(m.North, north)
		}
	}
	// A margin of 12% (at least 0.02°, about 2 km) so edge points and their
	// labels fit, and a single point still gets an area around it.
	padLat := math.Max((m.North-m.South)*0.12, 0.02)
	padLng := math.Max((m.East-m.West)*0.12, 0.02)
	m.North, m.South, m.East, m.West = m.North+padLat, m.South-padLat, m.East+padLng, m.West-padLng
	k := math.Cos((m.North + m.South) / 2 * math.Pi / 180)
	m.H = math.Round(mapWidth * (m.North - m.South) / ((m.East - m.West) * k))
	m.H = math.Max(200, math.Min(m.H, 2000))
	for _, a := range drawn {
		path := a.Path(func(pt geo.Point) (float64, float64) {
			xy := m.project(pt.Lat, pt.Lng)
			return xy.X, xy.Y
		}, 0.8)
		m.Areas = append(m.Areas, mapArea{Path: path, Code: a.Code, Label: a.Name})
	}
	var placed []labelBox
	for _, p := range places {
		xy := m.project(p.Lat, p.Lng)
		pt := mapPoint{X: xy.X, Y: xy.Y, R: 14, Label: p.LocalName(lang), City: p.Level == "city",
			Lat: strconv.FormatFloat(p.Lat, 'f', 6, 64), Lng: strconv.FormatFloat(p.Lng, 'f', 6, 64)}
		if pt.City {
			pt.R = 18
		}
		// The label goes above its point unless it would cover a label
		// already drawn; then below (a city centre usually sits beside a
		// district centre).
		w := labelWidth(pt.Label)
		above := labelBox{xy.X - w/2, xy.X + w/2, xy.Y - 24 - mapFont, xy.Y - 24}
		below := labelBox{xy.X - w/2, xy.X + w/2, xy.Y + 50 - mapFont, xy.Y + 50}
		box := above
		if above.hitsAny(placed) && !below.hitsAny(placed) {
			box = below
		}
		pt.LabelY = box.bottom
		placed = append(placed, box)
		m.Points = append(m.Points, pt)
	}
	// Scale bar: a round number of kilometres near a fifth of the width.
	kmPerUnit := (m.East - m.West) * k * 111.195 / mapWidth
	km := 1
	for _, c := range []int{1, 2, 5, 10, 20, 50, 100} {
		if float64(c)/kmPerUnit <= mapWidth/4 {
			km = c
		}
	}
	m.Scale = mapScale{X1: 30, X2: 30 + math.Round(float64(km)/kmPerUnit), Y: m.H - 30, TextY: m.H - 42, KM: km}
	return m
}

func (m *cityMap) project(lat, lng float64) mapXY {
	x := (lng - m.West) / (m.East - m.West) * m.W
	y := (m.North - lat) / (m.North - m.South) * m.H
	return mapXY{X: math.Round(x*10) / 10, Y: math.Round(y*10) / 10}
}

// pin marks the place in the submitted values on the map, if it is on it.
func (m *cityMap) pin(vals url.Values) {
	if m == nil {
		return
	}
	lat, err1 := inputtext.Decimal(strings.TrimSpace(vals.Get("lat")))
	lng, err2 := inputtext.Decimal(strings.TrimSpace(vals.Get("lng")))
	if err1 != nil || err2 != nil || lat > m.North || lat < m.South || lng < m.West || lng > m.East {
		m.Pin = nil
		return
	}
	xy := m.project(lat, lng)
	m.Pin = &xy
}

// Deg formats an edge for report.js.
func (m *cityMap) Deg(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
