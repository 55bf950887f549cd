// Package chart draws the product's charts on the server: a trend line
// by month, a bar chart of a ranking and a gauge of a rate, with Chinese
// labels, axis ticks and a legend. A chart draws through Canvas, five
// calls (Line, Rect, Polygon, Circle, Text) in abstract units with y
// downward, so the same chart serves the page and the printout (SVG, this
// package's SVG backend) and a PDF (a Canvas over pdfdoc's). No library:
// the layout is a few hundred lines and needs no font file, as text widths
// are estimated (a Han character one em, Latin about half).
package chart

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Color is an RGB colour.
type Color struct{ R, G, B uint8 }

// Hex is the colour as #rrggbb.
func (c Color) Hex() string {
	const h = "0123456789abcdef"
	b := []byte{'#', h[c.R>>4], h[c.R&15], h[c.G>>4], h[c.G&15], h[c.B>>4], h[c.B&15]}
	return string(b)
}

// Anchor is where a text's x lies: at its start, middle or end.
type Anchor int

const (
	Start Anchor = iota
	Middle
	End
)

// Canvas is what a chart draws on. Units are the caller's (SVG user
// units, millimetres in a PDF), y grows downward, a text's y is its
// baseline and its size is in the same units. A nil fill or stroke is
// none.
type Canvas interface {
	Line(x1, y1, x2, y2, width float64, c Color)
	Rect(x, y, w, h float64, fill, stroke *Color)
	Polygon(pts [][2]float64, fill, stroke *Color)
	Circle(cx, cy, r float64, fill, stroke *Color)
	Text(x, y float64, s string, size float64, c Color, a Anchor)
}

// Chart is anything that draws itself into a box of w × h units.
type Chart interface {
	Draw(c Canvas, w, h float64)
}

// Theme is the colours of a chart: text, axes and grid, and the series'
// palette. Light is for the page and print, Dark for the big screen.
type Theme struct {
	Text, Muted, Grid, Axis, Track Color
	Palette                        []Color
}

var (
	Light = Theme{Text: Color{0x1f, 0x29, 0x37}, Muted: Color{0x6b, 0x72, 0x80}, Grid: Color{0xe5, 0xe7, 0xeb},
		Axis: Color{0x9c, 0xa3, 0xaf}, Track: Color{0xe5, 0xe7, 0xeb},
		Palette: []Color{{0xb9, 0x1c, 0x1c}, {0x1d, 0x4e, 0xd8}, {0x04, 0x78, 0x57}, {0xb4, 0x53, 0x09}, {0x6d, 0x28, 0xd9}, {0x0e, 0x74, 0x90}}}
	Dark = Theme{Text: Color{0xf3, 0xf4, 0xf6}, Muted: Color{0x9c, 0xa3, 0xaf}, Grid: Color{0x37, 0x41, 0x51},
		Axis: Color{0x6b, 0x72, 0x80}, Track: Color{0x37, 0x41, 0x51},
		Palette: []Color{{0xf8, 0x71, 0x71}, {0x60, 0xa5, 0xfa}, {0x34, 0xd3, 0x99}, {0xfb, 0xbf, 0x24}, {0xa7, 0x8b, 0xfa}, {0x22, 0xd3, 0xee}}}
)

func (t Theme) color(i int) Color {
	if len(t.Palette) == 0 {
		return t.Text
	}
	return t.Palette[i%len(t.Palette)]
}

// Good and Bad are the colours of a change for the better and the worse.
var (
	Good = Color{0x04, 0x78, 0x57}
	Bad  = Color{0xb9, 0x1c, 0x1c}
)

// TextWidth estimates the width of s at size: a wide (Han, kana, full-width)
// character one em, a digit or Latin letter a little over half of one.
func TextWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
			(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)):
			w += 1
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == '|' || r == 'i' || r == 'l':
			w += 0.3
		case unicode.IsUpper(r) || r == '%' || r == 'm' || r == 'w':
			w += 0.72
		default:
			w += 0.56
		}
	}
	return w * size
}

// Fit shortens s with "…" until it fits in w at size.
func Fit(s string, size, w float64) string {
	if TextWidth(s, size) <= w {
		return s
	}
	for s != "" {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
		if TextWidth(s+"…", size) <= w {
			return s + "…"
		}
	}
	return ""
}

// Ticks returns about n round values from 0 (or below, for negative data)
// covering lo..hi: steps of 1, 2 or 5 times a power of ten.
func Ticks(lo, hi float64, n int) []float64 {
	if n < 2 {
		n = 2
	}
	if lo > 0 {
		lo = 0
	}
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n-1)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p * 10
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v < hi+step*0.999; v += step {
		out = append(out, math.Round(v/step)*step)
		if len(out) > 20 {
			break
		}
	}
	return out
}

// Number formats v with at most decimals digits after the point, without
// trailing zeros.
func Number(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Percent formats a fraction as "98.5%".
func Percent(v float64) string { return Number(v*100, 1) + "%" }
