package chart

import (
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

// node is a parsed SVG element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) all(name string) []node {
	var out []node
	for _, k := range n.Kids {
		if k.XMLName.Local == name {
			out = append(out, k)
		}
		out = append(out, k.all(name)...)
	}
	return out
}

func parse(t *testing.T, doc string) node {
	t.Helper()
	var n node
	if err := xml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatalf("not XML: %v\n%s", err, doc)
	}
	if n.XMLName.Local != "svg" || n.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root = %v", n.XMLName)
	}
	if n.attr("width") != "" || n.attr("height") != "" {
		t.Fatal("fixed size: the chart would not scale")
	}
	return n
}

func texts(n node) []string {
	var out []string
	for _, t := range n.all("text") {
		out = append(out, t.Text)
	}
	return out
}

func TestTicksAreRoundAndCoverTheData(t *testing.T) {
	for _, c := range []struct{ lo, hi float64 }{{0, 1}, {0, 100}, {0, 7}, {0, 0}, {-5, 5}, {3, 1234567}, {0, 0.004}} {
		got := Ticks(c.lo, c.hi, 5)
		if got[0] > c.lo || got[len(got)-1] < c.hi {
			t.Errorf("Ticks(%v, %v) = %v does not cover", c.lo, c.hi, got)
		}
		step := got[1] - got[0]
		p := math.Pow(10, math.Floor(math.Log10(step)))
		m := math.Round(step / p)
		if !slices.Contains([]float64{1, 2, 5, 10}, m) {
			t.Errorf("Ticks(%v, %v) step %v is not 1, 2 or 5 × 10^n", c.lo, c.hi, step)
		}
		if len(got) < 3 || len(got) > 8 {
			t.Errorf("Ticks(%v, %v) = %v: %d ticks", c.lo, c.hi, got, len(got))
		}
	}
}

func TestNumberAndPercent(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 1.5: "1.5", 2.0: "2", -0.01: "0", 1234.56: "1234.6"} {
		if got := Number(in, 1); got != want {
			t.Errorf("Number(%v) = %q, want %q", in, got, want)
		}
	}
	if got := Percent(0.985); got != "98.5%" {
		t.Errorf("Percent = %q", got)
	}
}

func TestTextWidthCountsHanAsOneEm(t *testing.T) {
	if got := TextWidth("市中区", 10); got != 30 {
		t.Errorf("Han width = %v", got)
	}
	if w := TextWidth("abc", 10); w <= 10 || w >= 30 {
		t.Errorf("Latin width = %v", w)
	}
	if got := Fit("乐山市市中区张公桥街道", 10, 45); got != "乐山市…" {
		t.Errorf("Fit = %q", got)
	}
}

func TestLineChartDrawsAxesPointsLegendAndLabels(t *testing.T) {
	ch := LineChart{Title: "受理量 <月度>", Labels: []string{"2026-07", "2026-08", "2026-09"},
		Series: []Series{{Name: "受理", Values: []float64{120, math.NaN(), 180}}, {Name: "办结", Values: []float64{100, 90, 150}}}}
	doc := Render(ch, 600, 300, "趋势 & 对比")
	n := parse(t, doc)
	if vb := n.attr("viewBox"); vb != "0 0 600 300" {
		t.Errorf("viewBox = %q", vb)
	}
	if n.attr("aria-label") != "趋势 & 对比" {
		t.Errorf("aria-label = %q", n.attr("aria-label"))
	}
	ts := texts(n)
	for _, want := range []string{"受理量 <月度>", "受理", "办结", "2026-07", "2026-09", "0", "180"} {
		if !slices.Contains(ts, want) {
			t.Errorf("no text %q in %q", want, ts)
		}
	}
	if !strings.Contains(doc, "&lt;月度&gt;") {
		t.Error("text not escaped")
	}
	// 2 + 3 points (one month without a value), legend 2 swatches.
	if got := len(n.all("circle")); got != 5 {
		t.Errorf("%d points, want 5", got)
	}
	if got := len(n.all("rect")); got != 2 {
		t.Errorf("%d legend swatches, want 2", got)
	}
	// Lines: series segments 0 (gap) + 2, the grid and the axis, month ticks.
	if got := len(n.all("line")); got < 2+3+3 {
		t.Errorf("%d lines", got)
	}
	for _, c := range n.all("circle") {
		if y := c.attr("cy"); strings.HasPrefix(y, "-") {
			t.Errorf("point above the box: %s", y)
		}
	}
}

func TestBarChartDrawsOneBarPerRowWithLabelsAndNotes(t *testing.T) {
	ch := BarChart{Title: "红榜", Max: 1, Bars: []Bar{
		{Label: "市中区", Value: 0.9, Text: "90.0%", Note: "▲2.0"},
		{Label: "沙湾区", Value: 0.5, Text: "50.0%", Note: "▼1.5", NoteBad: true},
		{Label: "金口河区", Value: 0, Text: "—"}}}
	n := parse(t, Render(ch, 500, 200, "红榜"))
	ts := texts(n)
	for _, want := range []string{"红榜", "市中区", "沙湾区", "金口河区", "90.0%", "▲2.0", "▼1.5", "—"} {
		if !slices.Contains(ts, want) {
			t.Errorf("no text %q in %q", want, ts)
		}
	}
	// A track per row and a bar per row with a value: 3 + 2.
	rects := n.all("rect")
	if len(rects) != 5 {
		t.Fatalf("%d rects, want 5", len(rects))
	}
	var widths []string
	for _, r := range rects {
		widths = append(widths, r.attr("width"))
	}
	// The 0.9 bar is 0.9 of the track.
	tw, bw := rects[0].attr("width"), rects[1].attr("width")
	var a, b float64
	if _, err := fmtSscan(tw, &a); err != nil {
		t.Fatal(err)
	}
	if _, err := fmtSscan(bw, &b); err != nil {
		t.Fatal(err)
	}
	if math.Abs(b/a-0.9) > 0.01 {
		t.Errorf("bar %v of track %v (%v)", b, a, widths)
	}
	for _, x := range n.all("text") {
		if x.Text == "▼1.5" && x.attr("fill") != Bad.Hex() {
			t.Errorf("worse change drawn %s", x.attr("fill"))
		}
	}
}

func TestGaugeShowsThePercentOrNoValue(t *testing.T) {
	n := parse(t, Render(Gauge{Label: "满意率", Value: 0.875, OK: true}, 200, 200, "满意率"))
	ts := texts(n)
	if !slices.Contains(ts, "87.5%") || !slices.Contains(ts, "满意率") {
		t.Errorf("texts %q", ts)
	}
	if got := len(n.all("polygon")); got != 2 {
		t.Errorf("%d polygons, want track and value", got)
	}
	n = parse(t, Render(Gauge{Label: "满意率", OK: false}, 200, 200, "满意率"))
	if ts := texts(n); !slices.Contains(ts, "—") {
		t.Errorf("no value drawn as %q", ts)
	}
	if got := len(n.all("polygon")); got != 1 {
		t.Errorf("%d polygons without a value, want the track only", got)
	}
}

// TestWriteSamples writes the charts to testdata when asked
// (WENMING_CHART_SAMPLES=dir), to look at them.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("WENMING_CHART_SAMPLES")
	if dir == "" {
		t.Skip("WENMING_CHART_SAMPLES not set")
	}
	line := LineChart{Title: "月度趋势", Labels: []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"},
		Series: []Series{{Name: "受理量", Values: []float64{320, 410, 380, 520, 610, 580}}, {Name: "办结量", Values: []float64{300, 390, 360, 480, 590, 500}}}}
	bars := BarChart{Title: "区县满意率", Max: 1, Bars: []Bar{{Label: "市中区", Value: 0.93, Text: "93.0%", Note: "▲1.2"},
		{Label: "五通桥区", Value: 0.81, Text: "81.0%", Note: "▼3.4", NoteBad: true}, {Label: "峨眉山市", Value: 0.77, Text: "77.0%"}}}
	page := `<html><body style="font-family:sans-serif">` + Render(line, 640, 300, "t") + Render(bars, 640, 200, "b") +
		`<div style="width:200px">` + Render(Gauge{Label: "满意率", Value: 0.9, OK: true}, 200, 200, "g") + `</div>` +
		`<div style="background:#111827">` + Render(LineChart{Theme: Dark, Labels: line.Labels, Series: line.Series}, 640, 300, "d") + `</div></body></html>`
	if err := os.WriteFile(dir+"/charts.html", []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }

// TestChartsDrawIntoAPDFThatPdftotextReads: the same chart drawn through
// pdfdoc's Canvas has its labels in the PDF's text.
func TestChartsDrawIntoAPDFThatPdftotextReads(t *testing.T) {
	d := pdfdoc.New()
	d.Heading("图表", 16)
	d.Draw(150, 70, func(c pdfdoc.Canvas) {
		DrawPDF(c, LineChart{Labels: []string{"2026-10", "2026-11"}, Series: []Series{{Name: "受理量", Values: []float64{120, 180}}}}, 0, 0, 100, 480, 280)
		DrawPDF(c, Gauge{Label: "满意率", Value: 0.875, OK: true}, 110, 0, 40, 100, 100)
	})
	d.Draw(150, 30, func(c pdfdoc.Canvas) {
		DrawPDF(c, BarChart{Max: 1, Bars: []Bar{{Label: "市中区", Value: 0.9, Text: "90.0%", Note: "▲2.0"}}}, 0, 0, 150, 440, 60)
	})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, b)
	for _, w := range []string{"受理量", "2026-10", "87.5%", "满意率", "市中区", "90.0%"} {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext does not read back %q:\n%s", w, text)
		}
	}
}
