//go:build ignore

// gen converts a GeoJSON FeatureCollection of administrative areas (each
// feature with an id that is the area's division code, a name and an
// optional "cp" label point) into the compact file the binary embeds:
//
//	go run internal/geo/gen.go -in si4_chuan1_le4_shan1.geojson -out internal/geo/data/areas.wmgeo
//
// Coordinates are kept in units of 1/1024 degree (the source's own
// quantisation, about 100 m), each ring as zigzag varint deltas.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
)

type feature struct {
	ID         string `json:"id"`
	Properties struct {
		Name string    `json:"name"`
		CP   []float64 `json:"cp"`
	} `json:"properties"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

func main() {
	in := flag.String("in", "", "GeoJSON file")
	out := flag.String("out", "", "output file")
	flag.Parse()
	b, err := os.ReadFile(*in)
	check(err)
	var fc struct{ Features []feature }
	check(json.Unmarshal(b, &fc))
	sort.Slice(fc.Features, func(i, j int) bool { return fc.Features[i].ID < fc.Features[j].ID })
	buf := []byte("WMGEO1")
	uv := func(v uint64) { buf = binary.AppendUvarint(buf, v) }
	sv := func(v int64) { buf = binary.AppendVarint(buf, v) }
	str := func(s string) { uv(uint64(len(s))); buf = append(buf, s...) }
	q := func(f float64) int64 {
		v := f * 1024
		if v != math.Trunc(v) {
			v = math.Round(v)
		}
		return int64(v)
	}
	uv(uint64(len(fc.Features)))
	points := 0
	for _, f := range fc.Features {
		var polys [][][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			check(json.Unmarshal(f.Geometry.Coordinates, &p))
			polys = [][][][2]float64{p}
		case "MultiPolygon":
			check(json.Unmarshal(f.Geometry.Coordinates, &polys))
		default:
			check(fmt.Errorf("feature %s: geometry %s", f.ID, f.Geometry.Type))
		}
		str(f.ID)
		str(f.Properties.Name)
		cp := f.Properties.CP
		if len(cp) != 2 {
			cp = []float64{0, 0}
		}
		sv(int64(math.Round(cp[0] * 1e6)))
		sv(int64(math.Round(cp[1] * 1e6)))
		uv(uint64(len(polys)))
		for _, p := range polys {
			uv(uint64(len(p)))
			for _, ring := range p {
				uv(uint64(len(ring)))
				var px, py int64
				for _, pt := range ring {
					x, y := q(pt[0]), q(pt[1])
					sv(x - px)
					sv(y - py)
					px, py = x, y
					points++
				}
			}
		}
	}
	check(os.WriteFile(*out, buf, 0o644))
	fmt.Printf("%d areas, %d points, %d bytes\n", len(fc.Features), points, len(buf))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
