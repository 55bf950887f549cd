// Package geo holds the city's administrative boundaries, embedded in the
// binary (data/SOURCE.md says where they come from and under which
// licence): which area a point lies in (point in polygon), and the
// projection and SVG drawing every map of wenming uses, so maps need no
// tile server and nothing fetched at run time.
//
// Areas are keyed by their division code (行政区划代码, "511102"), the code
// regions carry in the org package, so a region finds its boundary by
// code and a city with other boundaries replaces one data file.
package geo

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

//go:embed data/areas.wmgeo
var areaData []byte

// Point is a place in degrees (WGS-84 as the data has it).
type Point struct{ Lat, Lng float64 }

// Ring is a closed line of points; Polygon is an outer ring followed by
// its holes.
type (
	Ring    []Point
	Polygon []Ring
)

// Area is one administrative area with its boundary.
type Area struct {
	Code  string
	Name  string
	Label Point     // where its name is written
	Polys []Polygon // one or more parts
	box   box
}

type box struct{ minLat, minLng, maxLat, maxLng float64 }

func (b box) has(p Point) bool {
	return p.Lat >= b.minLat && p.Lat <= b.maxLat && p.Lng >= b.minLng && p.Lng <= b.maxLng
}

func (b *box) add(p Point) {
	b.minLat, b.maxLat = math.Min(b.minLat, p.Lat), math.Max(b.maxLat, p.Lat)
	b.minLng, b.maxLng = math.Min(b.minLng, p.Lng), math.Max(b.maxLng, p.Lng)
}

func emptyBox() box { return box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

// Bounds are the area's southern, western, northern and eastern edges.
func (a *Area) Bounds() (south, west, north, east float64) {
	return a.box.minLat, a.box.minLng, a.box.maxLat, a.box.maxLng
}

// Contains reports whether p lies inside the area (on its boundary counts
// as inside either neighbour; a point in a hole is outside).
func (a *Area) Contains(p Point) bool {
	if !a.box.has(p) {
		return false
	}
	for _, poly := range a.Polys {
		if len(poly) == 0 || !inRing(poly[0], p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if inRing(h, p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// inRing is the even-odd rule: a ray from p to the east crosses the ring
// an odd number of times when p is inside.
func inRing(r Ring, p Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) {
			x := a.Lng + (p.Lat-a.Lat)*(b.Lng-a.Lng)/(b.Lat-a.Lat)
			if p.Lng < x {
				in = !in
			}
		}
	}
	return in
}

// centroid is the centre of mass of the area's largest outer ring, where
// its name is best written when it lies inside (the data's own label
// points sit at the edge of some counties).
func (a *Area) centroid() (Point, bool) {
	var best Ring
	bestA := 0.0
	for _, poly := range a.Polys {
		if len(poly) > 0 {
			if ar := math.Abs(ringArea(poly[0])); ar > bestA {
				best, bestA = poly[0], ar
			}
		}
	}
	if bestA == 0 {
		return Point{}, false
	}
	var cx, cy, area float64
	for i, j := 0, len(best)-1; i < len(best); j, i = i, i+1 {
		f := best[j].Lng*best[i].Lat - best[i].Lng*best[j].Lat
		cx += (best[j].Lng + best[i].Lng) * f
		cy += (best[j].Lat + best[i].Lat) * f
		area += f
	}
	area /= 2
	return Point{Lat: cy / (6 * area), Lng: cx / (6 * area)}, true
}

// ringArea is the signed area of a ring in square degrees (shoelace).
func ringArea(r Ring) float64 {
	s := 0.0
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		s += r[j].Lng*r[i].Lat - r[i].Lng*r[j].Lat
	}
	return s / 2
}

// Set is a collection of areas.
type Set struct {
	Areas []*Area
	box   box
}

var loaded struct {
	sync.Once
	set *Set
	err error
}

// Embedded returns the areas built into the binary (the demo city's
// districts and counties). It panics if the embedded file is corrupt, a
// build error that the package tests catch.
func Embedded() *Set {
	loaded.Do(func() { loaded.set, loaded.err = Decode(areaData) })
	if loaded.err != nil {
		panic(loaded.err)
	}
	return loaded.set
}

// Bounds are the set's southern, western, northern and eastern edges.
func (s *Set) Bounds() (south, west, north, east float64) {
	return s.box.minLat, s.box.minLng, s.box.maxLat, s.box.maxLng
}

// NewSet is the set of the areas, bounded by them.
func NewSet(areas ...*Area) *Set {
	out := &Set{box: emptyBox()}
	for _, a := range areas {
		out.Areas = append(out.Areas, a)
		out.box.add(Point{a.box.minLat, a.box.minLng})
		out.box.add(Point{a.box.maxLat, a.box.maxLng})
	}
	return out
}

// Subset is the set of the areas with the codes (in the set's order),
// bounded by them alone, so a map of a few districts fills its frame.
func (s *Set) Subset(codes ...string) *Set {
	var in []*Area
	for _, a := range s.Areas {
		if slices.Contains(codes, a.Code) {
			in = append(in, a)
		}
	}
	return NewSet(in...)
}

// Area returns the area with the code.
func (s *Set) Area(code string) (*Area, bool) {
	for _, a := range s.Areas {
		if a.Code == code {
			return a, true
		}
	}
	return nil, false
}

// Locate returns the area p lies in.
func (s *Set) Locate(p Point) (*Area, bool) {
	if !s.box.has(p) {
		return nil, false
	}
	for _, a := range s.Areas {
		if a.Contains(p) {
			return a, true
		}
	}
	return nil, false
}

var errCorrupt = errors.New("geo: corrupt area data")

// Decode reads the compact format gen.go writes.
func Decode(b []byte) (*Set, error) {
	const magic = "WMGEO1"
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, errCorrupt
	}
	r := reader{b: b[len(magic):]}
	n := r.uvarint()
	set := &Set{box: emptyBox()}
	for i := uint64(0); i < n && r.err == nil; i++ {
		a := &Area{Code: r.str(), Name: r.str(), box: emptyBox()}
		a.Label = Point{Lng: float64(r.varint()) / 1e6, Lat: float64(r.varint()) / 1e6}
		np := r.uvarint()
		for k := uint64(0); k < np && r.err == nil; k++ {
			var poly Polygon
			nr := r.uvarint()
			for m := uint64(0); m < nr && r.err == nil; m++ {
				npts := r.uvarint()
				if npts > uint64(len(r.b)) {
					return nil, errCorrupt
				}
				ring := make(Ring, 0, npts)
				var x, y int64
				for q := uint64(0); q < npts && r.err == nil; q++ {
					x += r.varint()
					y += r.varint()
					pt := Point{Lng: float64(x) / 1024, Lat: float64(y) / 1024}
					ring = append(ring, pt)
					a.box.add(pt)
				}
				poly = append(poly, ring)
			}
			a.Polys = append(a.Polys, poly)
		}
		if c, ok := a.centroid(); ok && a.Contains(c) {
			a.Label = c
		}
		set.Areas = append(set.Areas, a)
		set.box.add(Point{a.box.minLat, a.box.minLng})
		set.box.add(Point{a.box.maxLat, a.box.maxLng})
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errCorrupt, len(r.b))
	}
	return set, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errCorrupt
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
