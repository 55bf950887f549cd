package chart

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/geo"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

func demoMap() Map {
	g := geo.Embedded()
	a, _ := g.Area("511102")
	b, _ := g.Area("511181")
	return Map{
		Areas: []MapArea{
			{Area: a, Fill: Steps[4], Name: "市中区", Title: "市中区 1,204 件", Href: "/dashboard?region=2"},
			{Area: b, Fill: NoData, Name: "峨眉山市", Title: "峨眉山市 无数据"},
		},
		Spots:  []MapSpot{{At: a.Label, N: 400, Title: "张公桥街道 400 件"}, {At: b.Label, N: 100, Title: "绥山镇 100 件"}},
		Legend: []LegendItem{{Steps[0], "0–200"}, {Steps[4], "800–1,000"}},
	}
}

// TestMapLinksShadedAreasAndSizesHotSpotsByTheirCounts: each area is its
// outer rings filled with its step, a linked area is an <a> with its
// tooltip, the names are written, a spot with four times the count is
// drawn larger by the square root, and the legend has its swatches.
func TestMapLinksShadedAreasAndSizesHotSpotsByTheirCounts(t *testing.T) {
	m := demoMap()
	n := parse(t, Render(m, 600, 420, "区县分布"))
	links := n.all("a")
	if len(links) != 1 || links[0].attr("href") != "/dashboard?region=2" {
		t.Fatalf("links %+v", links)
	}
	if ts := links[0].all("title"); len(ts) != 1 || ts[0].Text != "市中区 1,204 件" {
		t.Errorf("the link's tooltip %+v", ts)
	}
	if ps := links[0].all("polygon"); len(ps) == 0 || ps[0].attr("fill") != Steps[4].Hex() {
		t.Errorf("the linked area's polygons %+v", ps)
	}
	polys := n.all("polygon")
	if len(polys) < 2 {
		t.Fatalf("%d polygons", len(polys))
	}
	for _, p := range polys {
		for _, pt := range strings.Fields(p.attr("points")) {
			xy := strings.Split(pt, ",")
			x, _ := strconv.ParseFloat(xy[0], 64)
			y, _ := strconv.ParseFloat(xy[1], 64)
			if x < 0 || x > 600 || y < 0 || y > 400 {
				t.Fatalf("a point %s outside the map's frame above the legend", pt)
			}
		}
	}
	got := strings.Join(texts(n), "|")
	for _, w := range []string{"市中区", "峨眉山市", "0–200", "800–1,000"} {
		if !strings.Contains(got, w) {
			t.Errorf("no text %q in %s", w, got)
		}
	}
	cs := n.all("circle")
	if len(cs) != 2 {
		t.Fatalf("%d spots", len(cs))
	}
	r0, _ := strconv.ParseFloat(cs[0].attr("r"), 64)
	r1, _ := strconv.ParseFloat(cs[1].attr("r"), 64)
	if r0 != 12 || math.Abs(r1-7.5) > 0.01 {
		t.Errorf("spot radii %v and %v, want 12 and 7.5", r0, r1)
	}
	if len(n.all("rect")) != 2 {
		t.Errorf("legend swatches %d", len(n.all("rect")))
	}
	if out := Render(Map{}, 600, 420, "空"); strings.Contains(out, "<polygon") {
		t.Error("an empty map drew areas")
	}
}

// TestMapDrawsIntoAPDFWithItsNames: the same map in a PDF has its names
// and legend in the text pdftotext reads.
func TestMapDrawsIntoAPDFWithItsNames(t *testing.T) {
	d := pdfdoc.New()
	d.Draw(150, 105, func(c pdfdoc.Canvas) { DrawPDF(c, demoMap(), 0, 0, 150, 600, 420) })
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, b)
	for _, w := range []string{"市中区", "峨眉山市", "800–1,000"} {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext does not read back %q:\n%s", w, text)
		}
	}
}
