package geo

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

func TestEmbeddedAreasAreTheDemoCitysDistricts(t *testing.T) {
	s := Embedded()
	want := map[string]string{
		"511102": "市中区", "511111": "沙湾区", "511112": "五通桥区", "511113": "金口河区", "511123": "犍为县",
		"511124": "井研县", "511126": "夹江县", "511129": "沐川县", "511132": "峨边彝族自治县", "511133": "马边彝族自治县",
		"511181": "峨眉山市",
	}
	if len(s.Areas) != len(want) {
		t.Fatalf("%d areas, want %d", len(s.Areas), len(want))
	}
	for code, name := range want {
		a, ok := s.Area(code)
		if !ok || a.Name != name {
			t.Errorf("area %s: %+v", code, a)
		}
	}
}

func TestLocateFindsTheDistrictOfKnownPlaces(t *testing.T) {
	s := Embedded()
	for _, c := range []struct {
		name string
		at   Point
		want string // "" outside every area
	}{
		{"乐山大佛, 市中区", Point{29.5447, 103.7694}, "511102"},
		{"嘉州 centre, 市中区", Point{29.5646, 103.7626}, "511102"},
		{"峨眉山 town", Point{29.6012, 103.4845}, "511181"},
		{"沙湾 town", Point{29.4123, 103.5496}, "511111"},
		{"犍为 town", Point{29.2087, 103.9493}, "511123"},
		{"马边 town", Point{28.8354, 103.5462}, "511133"},
		{"成都, outside the city", Point{30.6586, 104.0648}, ""},
		{"the sea", Point{0, 0}, ""},
	} {
		a, ok := s.Locate(c.at)
		got := ""
		if ok {
			got = a.Code
		}
		if got != c.want {
			t.Errorf("%s %v: in %q, want %q", c.name, c.at, got, c.want)
		}
	}
}

// Neighbouring areas share borders but not land: no point of a fine grid
// over the city is inside two of them.
func TestAreasDoNotOverlap(t *testing.T) {
	s := Embedded()
	b := s.box
	inside := 0
	for lat := b.minLat; lat <= b.maxLat; lat += 0.013 {
		for lng := b.minLng; lng <= b.maxLng; lng += 0.017 {
			n := 0
			for _, a := range s.Areas {
				if a.Contains(Point{lat, lng}) {
					n++
				}
			}
			if n > 1 {
				t.Fatalf("%.4f,%.4f lies in %d areas", lat, lng, n)
			}
			inside += n
		}
	}
	if inside < 1000 {
		t.Fatalf("only %d grid points inside the city: the rings are wrong", inside)
	}
}

func TestHolesAreOutside(t *testing.T) {
	sq := func(a, b float64) Ring { return Ring{{a, a}, {a, b}, {b, b}, {b, a}} }
	a := &Area{Polys: []Polygon{{sq(0, 10), sq(4, 6)}}, box: box{0, 0, 10, 10}}
	for _, c := range []struct {
		p    Point
		want bool
	}{{Point{1, 1}, true}, {Point{5, 5}, false}, {Point{9, 5}, true}, {Point{11, 5}, false}} {
		if got := a.Contains(c.p); got != c.want {
			t.Errorf("Contains(%v) = %v", c.p, got)
		}
	}
}

func TestProjectionInvertsAndFits(t *testing.T) {
	s := Embedded()
	p := s.Fit(600, 480, 8)
	for _, a := range s.Areas {
		for _, pt := range a.Polys[0][0] {
			x, y := p.XY(pt)
			if x < 7.9 || x > 592.1 || y < 7.9 || y > 472.1 {
				t.Fatalf("%v projects to %.1f,%.1f outside the drawing", pt, x, y)
			}
			back := p.Point(x, y)
			if math.Abs(back.Lat-pt.Lat) > 1e-9 || math.Abs(back.Lng-pt.Lng) > 1e-9 {
				t.Fatalf("%v comes back as %v", pt, back)
			}
		}
	}
}

func TestSVGIsWellFormedWithOnePathPerArea(t *testing.T) {
	s := Embedded()
	out := s.SVG(MapOpts{W: 600, H: 480, Label: `乐山 <市> & "县"`,
		Fill:   func(a *Area) string { return Steps[Shade(float64(len(a.Name)), 9, 21)] },
		Href:   func(a *Area) string { return "/dashboard?region=" + a.Code + "&x=1" },
		Pins:   []Pin{{At: Point{29.5447, 103.7694}, Label: "乐山大佛"}},
		Legend: []LegendItem{{Steps[0], "少"}, {Steps[4], "多"}}})
	dec := xml.NewDecoder(strings.NewReader(out))
	paths, texts, links := 0, 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "path":
				paths++
			case "text":
				texts++
			case "a":
				links++
			}
		}
	}
	if paths != 11 || links != 11 || texts != 11+2 {
		t.Errorf("paths %d, links %d, texts %d", paths, links, texts)
	}
	if len(out) > 60_000 {
		t.Errorf("the city map is %d bytes: simplify more", len(out))
	}
	if !strings.Contains(out, `aria-label="乐山 &lt;市&gt; &amp; &#34;县&#34;"`) {
		t.Error("the label is not escaped")
	}
}

func TestDecodeRefusesCorruptData(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("WMGEO2"), areaData[:len(areaData)-3], append(append([]byte{}, areaData...), 1)} {
		if _, err := Decode(b); err == nil {
			t.Errorf("Decode accepted %d bytes of bad data", len(b))
		}
	}
}

// TestSubsetIsBoundedByItsOwnAreas: a subset keeps the areas asked for in
// the set's order, and its bounds are theirs, so its map fills the frame
// with them rather than with the whole city.
func TestSubsetIsBoundedByItsOwnAreas(t *testing.T) {
	all := Embedded()
	a, b := all.Areas[3], all.Areas[1]
	sub := all.Subset(a.Code, b.Code, "no-such-code")
	if len(sub.Areas) != 2 || sub.Areas[0] != b || sub.Areas[1] != a {
		t.Fatalf("subset %v", sub.Areas)
	}
	s, w, n, e := sub.Bounds()
	as, aw, an, ae := a.Bounds()
	bs, bw, bn, be := b.Bounds()
	if s != min(as, bs) || w != min(aw, bw) || n != max(an, bn) || e != max(ae, be) {
		t.Errorf("bounds %v %v %v %v", s, w, n, e)
	}
	S, W, N, E := all.Bounds()
	if s < S || w < W || n > N || e > E || (s == S && w == W && n == N && e == E) {
		t.Errorf("the subset's bounds are not within and smaller than the city's")
	}
	// Outline without holes: only outer rings, each a closed polygon.
	p := sub.Fit(300, 200, 4)
	rings := a.Outline(p.XY, 0.4, false)
	if len(rings) != len(a.Polys) {
		t.Errorf("%d outer rings for %d parts", len(rings), len(a.Polys))
	}
	for _, r := range rings {
		for _, pt := range r {
			if pt[0] < 0 || pt[0] > 300 || pt[1] < 0 || pt[1] > 200 {
				t.Fatalf("a point %v outside the frame", pt)
			}
		}
	}
}
