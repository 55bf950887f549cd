package workorder

import (
	"fmt"
	"testing"

	"github.com/wenming-city/wenming/internal/geo"
)

// TestAReportIsPlacedInTheDeepestRegionNearItsPoint proves the descent:
// a point by a grid's centre gets the grid, one between communities of a
// street the nearer community, one in a district with no centres below it
// the district, one far from every district nothing; and a nearer centre
// of another district's street never wins over the district the point is in.
func TestAReportIsPlacedInTheDeepestRegionNearItsPoint(t *testing.T) {
	ps := []Place{
		{ID: 2, Path: "/1/2/", Level: "district", Lat: 29.5646, Lng: 103.7626},
		{ID: 3, Path: "/1/3/", Level: "district", Lat: 29.4123, Lng: 103.5496},
		{ID: 20, Path: "/1/2/20/", Level: "street", Lat: 29.5805, Lng: 103.7485},
		{ID: 21, Path: "/1/2/21/", Level: "street", Lat: 29.5585, Lng: 103.7655},
		{ID: 200, Path: "/1/2/20/200/", Level: "community", Lat: 29.5850, Lng: 103.7485},
		{ID: 201, Path: "/1/2/20/201/", Level: "community", Lat: 29.5760, Lng: 103.7485},
		{ID: 2000, Path: "/1/2/20/200/2000/", Level: "grid", Lat: 29.5866, Lng: 103.7485},
		{ID: 30, Path: "/1/3/30/", Level: "street", Lat: 29.5200, Lng: 103.6600},
	}
	for _, c := range []struct {
		name     string
		lat, lng float64
		want     int64
	}{
		{"by the grid's centre", 29.5865, 103.7486, 2000},
		{"nearer the second community", 29.5770, 103.7480, 201},
		{"in the street, far from its communities", 29.5805, 103.7600, 20},
		{"in the district, far from its streets", 29.5300, 103.8200, 2},
		{"the other district", 29.4100, 103.5500, 3},
		{"nowhere near", 31.0, 105.0, 0},
	} {
		if got := placeIn(ps, c.lat, c.lng); got != c.want {
			t.Errorf("%s: region %d, want %d", c.name, got, c.want)
		}
	}
}

// TestABoundaryDecidesTheDistrictWhateverTheDistance proves that where a
// district has a boundary (internal/geo), a point is placed in the district
// whose boundary holds it, not in the district with the nearest centre,
// and a point outside every boundary in none of them.
func TestABoundaryDecidesTheDistrictWhateverTheDistance(t *testing.T) {
	areas := geo.Embedded()
	var ps []Place
	for i, a := range areas.Areas {
		// Every centre is put in 市中区, so distance alone would always say 市中区.
		ps = append(ps, Place{ID: int64(i + 1), Path: fmt.Sprintf("/100/%d/", i+1), Code: a.Code, Level: "district", Lat: 29.5646, Lng: 103.7626})
	}
	for _, c := range []struct {
		name     string
		lat, lng float64
		want     string
	}{
		{"乐山大佛", 29.5447, 103.7694, "511102"},
		{"五通桥 town", 29.4064, 103.8180, "511112"},
		{"峨眉山 town", 29.6012, 103.4845, "511181"},
		{"沐川 town", 28.9565, 103.9024, "511129"},
		{"成都, outside", 30.6586, 104.0648, ""},
	} {
		got := ""
		if id := placeIn(ps, c.lat, c.lng); id != 0 {
			got = ps[id-1].Code
		}
		if got != c.want {
			t.Errorf("%s: placed in %q, want %q", c.name, got, c.want)
		}
	}
}
