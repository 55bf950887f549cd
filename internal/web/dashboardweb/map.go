package dashboardweb

import (
	"strconv"

	"github.com/wenming-city/wenming/internal/chart"
	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The map's box in chart units.
const mapW, mapH = 600.0, 440.0

// cityMap is the cockpit's map: the regions ranked (the city's districts)
// shaded by the ranked rate, each a drill-down link with its figure as the
// tooltip, and the hot spots sized by their orders; inside a district,
// whose streets have no boundaries in the embedded data, the district
// alone with its hot spots. Nil where no region shown has a boundary.
func (s *Server) cityMap(v *web.View, q query, rep *report, path string) *chart.Map {
	g := geo.Embedded()
	m := &chart.Map{Theme: chart.Light}
	if q.Big {
		m.Theme = chart.Dark
	}
	lo, hi, any := 1.0, 0.0, false
	for _, x := range rep.Regions {
		if r, ok := rankRate(rep.Metric, x.Row).Value(); ok {
			lo, hi, any = min(lo, r), max(hi, r), true
		}
	}
	codes := map[int64]string{}
	for _, n := range rep.Region.Children {
		codes[n.ID] = n.Code
	}
	for _, x := range rep.Regions {
		a, ok := g.Area(codes[x.Row.ID])
		if !ok {
			continue
		}
		name := v.Name(x.Row.Name, x.Row.NameEN)
		ma := chart.MapArea{Area: a, Fill: chart.NoData, Name: name,
			Href:  q.link(path, map[string]string{"region": strconv.FormatInt(x.Row.ID, 10)}),
			Title: v.T("dash.map_area", name, rankRate(rep.Metric, x.Row).Percent("—"), v.Num(x.Row.Received))}
		if r, ok := rankRate(rep.Metric, x.Row).Value(); ok {
			ma.Fill = chart.Step(r, lo, hi)
		}
		m.Areas = append(m.Areas, ma)
	}
	if len(m.Areas) == 0 {
		a, ok := g.Area(rep.Region.Self.Code)
		if !ok {
			return nil
		}
		name := v.Name(rep.Region.Self.Name, rep.Region.Self.NameEN)
		m.Areas = append(m.Areas, chart.MapArea{Area: a, Fill: chart.NoData, Name: name, Title: name})
	} else if any {
		for i, c := range chart.Steps {
			from := lo + (hi-lo)*float64(i)/float64(len(chart.Steps))
			m.Legend = append(m.Legend, chart.LegendItem{Color: c, Label: chart.Percent(from) + "+"})
			if hi <= lo {
				break // one value: one swatch
			}
		}
	}
	if len(m.Legend) > 0 || len(rep.Regions) > 0 {
		m.Legend = append(m.Legend, chart.LegendItem{Color: chart.NoData, Label: v.T("dash.map_none")})
	}
	for _, h := range rep.Spots {
		m.Spots = append(m.Spots, chart.MapSpot{At: geo.Point{Lat: h.Lat, Lng: h.Lng}, N: float64(h.Received),
			Title: v.T("dash.map_spot", spotName(v, h), v.Num(h.Received))})
	}
	return m
}

// spotName is a hot spot's region with the one above it ("张公桥街道 › 第一网格").
func spotName(v *web.View, h workorder.HotSpot) string {
	name := v.Name(h.Name, h.NameEN)
	if h.Parent != "" {
		name = v.Name(h.Parent, h.ParentEN) + " › " + name
	}
	return name
}
