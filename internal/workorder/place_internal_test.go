package workorder

import "testing"

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
