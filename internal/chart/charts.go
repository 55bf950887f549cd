package chart

import (
	"math"
)

// Series is one line of a LineChart: its name in the legend and one value
// per label (NaN: no value that month, the line breaks there).
type Series struct {
	Name   string
	Values []float64
}

// LineChart is a trend: values by month (or any labels) on a y axis with
// round ticks, a legend above.
type LineChart struct {
	Title  string
	Labels []string // x axis, e.g. "2026-07" or "7月"
	Series []Series
	// Format writes a y value (a tick, a point's label); nil: Number(v, 1).
	Format func(float64) string
	// Max fixes the top of the y axis (1 for rates); 0: from the data.
	Max   float64
	Theme Theme
}

func (l LineChart) format(v float64) string {
	if l.Format != nil {
		return l.Format(v)
	}
	return Number(v, 1)
}

// Draw draws the chart into w × h.
func (l LineChart) Draw(c Canvas, w, h float64) {
	t := l.Theme
	if len(t.Palette) == 0 {
		t = Light
	}
	fs := math.Max(h/22, 3)
	top := fs * 0.4
	if l.Title != "" {
		c.Text(0, fs*1.2, l.Title, fs*1.15, t.Text, Start)
		top = fs * 2
	}
	// Legend: a swatch and the name of each series, in one row.
	x := 0.0
	for i, s := range l.Series {
		col := t.color(i)
		c.Rect(x, top+fs*0.15, fs*1.2, fs*0.7, &col, nil)
		c.Text(x+fs*1.5, top+fs*0.85, s.Name, fs, t.Text, Start)
		x += fs*2.5 + TextWidth(s.Name, fs)
	}
	top += fs * 1.8
	lo, hi := 0.0, l.Max
	for _, s := range l.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	ticks := Ticks(lo, hi, 5)
	ymin, ymax := ticks[0], ticks[len(ticks)-1]
	left := 0.0
	for _, v := range ticks {
		left = math.Max(left, TextWidth(l.format(v), fs*0.9))
	}
	left += fs * 0.6
	bottom := h - fs*1.8
	right := w - fs*0.8
	y := func(v float64) float64 { return bottom - (v-ymin)/(ymax-ymin)*(bottom-top) }
	for _, v := range ticks {
		c.Line(left, y(v), right, y(v), fs*0.06, t.Grid)
		c.Text(left-fs*0.3, y(v)+fs*0.3, l.format(v), fs*0.9, t.Muted, End)
	}
	c.Line(left, bottom, right, bottom, fs*0.08, t.Axis)
	n := len(l.Labels)
	if n == 0 {
		return
	}
	step := (right - left) / float64(n)
	xat := func(i int) float64 { return left + step*(float64(i)+0.5) }
	// Label every k-th month so labels never overlap.
	k := 1
	for lw := 0.0; ; k++ {
		lw = 0
		for _, s := range l.Labels {
			lw = math.Max(lw, TextWidth(s, fs*0.9))
		}
		if lw+fs*0.5 <= step*float64(k) || k > n {
			break
		}
	}
	for i, s := range l.Labels {
		c.Line(xat(i), bottom, xat(i), bottom+fs*0.3, fs*0.06, t.Axis)
		if i%k == 0 {
			c.Text(xat(i), bottom+fs*1.3, s, fs*0.9, t.Muted, Middle)
		}
	}
	for si, s := range l.Series {
		col := t.color(si)
		var prev *[2]float64
		for i := 0; i < n && i < len(s.Values); i++ {
			v := s.Values[i]
			if math.IsNaN(v) {
				prev = nil
				continue
			}
			p := [2]float64{xat(i), y(v)}
			if prev != nil {
				c.Line(prev[0], prev[1], p[0], p[1], fs*0.18, col)
			}
			prev = &p
		}
		for i := 0; i < n && i < len(s.Values); i++ {
			if v := s.Values[i]; !math.IsNaN(v) {
				c.Circle(xat(i), y(v), fs*0.28, &col, nil)
			}
		}
		// The last value written beside its point.
		for i := min(n, len(s.Values)) - 1; i >= 0; i-- {
			if v := s.Values[i]; !math.IsNaN(v) {
				c.Text(xat(i), y(v)-fs*0.6, l.format(v), fs*0.85, col, Middle)
				break
			}
		}
	}
}

// Bar is one bar of a BarChart: its label, value, the text written at its
// end (the value formatted) and a note after it (a change, "▲2.1").
type Bar struct {
	Label string
	Value float64
	Text  string
	Note  string
	// NoteBad colours the note as a change for the worse (else better,
	// when Note is set).
	NoteBad bool
}

// BarChart is a ranking: horizontal bars, one per row, the longest at
// the top if the caller sorted them so; labels on the left.
type BarChart struct {
	Title string
	Bars  []Bar
	Max   float64 // the full length (1 for rates); 0: the largest value
	Color *Color  // nil: the theme's first colour
	Theme Theme
}

// Draw draws the chart into w × h; every bar gets an equal share of the
// height below the title.
func (b BarChart) Draw(c Canvas, w, h float64) {
	t := b.Theme
	if len(t.Palette) == 0 {
		t = Light
	}
	n := len(b.Bars)
	top := 0.0
	rowH := h / math.Max(float64(n), 1)
	fs := math.Min(rowH*0.5, math.Max(h/14, 3))
	if b.Title != "" {
		fs = math.Min(h/(float64(n)*2+2), math.Max(h/14, 3))
		c.Text(0, fs*1.2, b.Title, fs*1.15, t.Text, Start)
		top = fs * 2
		rowH = (h - top) / math.Max(float64(n), 1)
	}
	col := t.color(0)
	if b.Color != nil {
		col = *b.Color
	}
	max := b.Max
	labelW, endW := 0.0, 0.0
	for _, x := range b.Bars {
		max = math.Max(max, x.Value)
		labelW = math.Max(labelW, TextWidth(x.Label, fs))
		endW = math.Max(endW, TextWidth(x.Text+"  "+x.Note, fs))
	}
	labelW = math.Min(labelW, w*0.35)
	if max <= 0 {
		max = 1
	}
	x0 := labelW + fs*0.6
	full := w - x0 - endW - fs*0.6
	if full < w*0.2 {
		full = w * 0.2
	}
	for i, x := range b.Bars {
		y := top + rowH*float64(i)
		bh := math.Min(rowH*0.62, fs*1.3)
		cy := y + rowH/2
		c.Text(labelW, cy+fs*0.35, Fit(x.Label, fs, labelW), fs, t.Text, End)
		c.Rect(x0, cy-bh/2, full, bh, &t.Track, nil)
		if x.Value > 0 {
			c.Rect(x0, cy-bh/2, full*math.Min(x.Value/max, 1), bh, &col, nil)
		}
		end := x0 + full + fs*0.4
		c.Text(end, cy+fs*0.35, x.Text, fs, t.Text, Start)
		if x.Note != "" {
			nc := Good
			if x.NoteBad {
				nc = Bad
			}
			c.Text(end+TextWidth(x.Text+" ", fs), cy+fs*0.35, x.Note, fs*0.9, nc, Start)
		}
	}
}

// Gauge is a rate as a ring: the filled part is the value, the text in
// the middle the value as a percent (or None when there is no value).
type Gauge struct {
	Label string
	Value float64 // 0..1
	OK    bool    // false: no value (denominator 0)
	None  string  // shown when !OK, e.g. "—"
	Color *Color
	Theme Theme
}

// Draw draws the ring centred in w × h with the label below.
func (g Gauge) Draw(c Canvas, w, h float64) {
	t := g.Theme
	if len(t.Palette) == 0 {
		t = Light
	}
	fs := math.Max(h/10, 2.5)
	r := math.Min(w/2, (h-fs*2)/2) * 0.92
	cx, cy := w/2, r+fs*0.2
	ring := r * 0.22
	c.Polygon(arc(cx, cy, r, r-ring, 0, 1), &t.Track, nil)
	col := t.color(0)
	if g.Color != nil {
		col = *g.Color
	}
	text := g.None
	if text == "" {
		text = "—"
	}
	if g.OK {
		v := math.Max(0, math.Min(g.Value, 1))
		if v > 0 {
			c.Polygon(arc(cx, cy, r, r-ring, 0, v), &col, nil)
		}
		text = Percent(v)
	}
	ts := math.Min(r*0.5, (r-ring)*2*0.9/math.Max(TextWidth(text, 1), 1))
	c.Text(cx, cy+ts*0.35, text, ts, t.Text, Middle)
	if g.Label != "" {
		c.Text(cx, h-fs*0.3, Fit(g.Label, fs, w), fs, t.Muted, Middle)
	}
}

// arc is the ring segment from fraction a to b of a full turn, clockwise
// from the top, between radii ro and ri, as a polygon.
func arc(cx, cy, ro, ri, a, b float64) [][2]float64 {
	steps := int(math.Max(2, math.Ceil((b-a)*96)))
	pts := make([][2]float64, 0, steps*2+2)
	at := func(f, r float64) [2]float64 {
		th := f*2*math.Pi - math.Pi/2
		return [2]float64{round(cx + r*math.Cos(th)), round(cy + r*math.Sin(th))}
	}
	for i := 0; i <= steps; i++ {
		pts = append(pts, at(a+(b-a)*float64(i)/float64(steps), ro))
	}
	for i := steps; i >= 0; i-- {
		pts = append(pts, at(a+(b-a)*float64(i)/float64(steps), ri))
	}
	return pts
}

func round(v float64) float64 { return math.Round(v*100) / 100 }
