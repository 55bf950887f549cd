package chart

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// SVG is a Canvas writing an SVG document. Its viewBox is the chart's box,
// and it has no fixed size, so it scales to its container from a phone to
// a projector.
type SVG struct {
	b     strings.Builder
	w, h  float64
	links []string // the elements Link opened, innermost last
}

// FontFamily is the SVG text's font list: the CJK fonts of Linux, Windows
// and macOS, then any sans-serif.
const FontFamily = `"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif`

// Render draws ch into a w × h box and returns the SVG document; title is
// its accessible name (<title> and aria-label).
func Render(ch Chart, w, h float64, title string) string {
	s := &SVG{w: w, h: h}
	ch.Draw(s, w, h)
	return s.Document(title)
}

func f(v float64) string { return strconv.FormatFloat(round(v), 'f', -1, 64) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func paint(attr string, c *Color) string {
	if c == nil {
		return ` ` + attr + `="none"`
	}
	return ` ` + attr + `="` + c.Hex() + `"`
}

// Line draws a segment.
func (s *SVG) Line(x1, y1, x2, y2, width float64, c Color) {
	s.b.WriteString(`<line x1="` + f(x1) + `" y1="` + f(y1) + `" x2="` + f(x2) + `" y2="` + f(y2) +
		`" stroke="` + c.Hex() + `" stroke-width="` + f(width) + `" stroke-linecap="round"/>`)
}

// Rect draws a rectangle.
func (s *SVG) Rect(x, y, w, h float64, fill, stroke *Color) {
	s.b.WriteString(`<rect x="` + f(x) + `" y="` + f(y) + `" width="` + f(max(w, 0)) + `" height="` + f(max(h, 0)) + `"` +
		paint("fill", fill) + paint("stroke", stroke) + `/>`)
}

// Polygon draws a closed polygon.
func (s *SVG) Polygon(pts [][2]float64, fill, stroke *Color) {
	s.b.WriteString(`<polygon points="`)
	for i, p := range pts {
		if i > 0 {
			s.b.WriteByte(' ')
		}
		s.b.WriteString(f(p[0]) + "," + f(p[1]))
	}
	s.b.WriteString(`"` + paint("fill", fill) + paint("stroke", stroke) + `/>`)
}

// Circle draws a circle.
func (s *SVG) Circle(cx, cy, r float64, fill, stroke *Color) {
	s.b.WriteString(`<circle cx="` + f(cx) + `" cy="` + f(cy) + `" r="` + f(r) + `"` + paint("fill", fill) + paint("stroke", stroke) + `/>`)
}

// Text draws a text, escaped, y its baseline.
func (s *SVG) Text(x, y float64, t string, size float64, c Color, a Anchor) {
	anchor := "start"
	switch a {
	case Middle:
		anchor = "middle"
	case End:
		anchor = "end"
	}
	s.b.WriteString(`<text x="` + f(x) + `" y="` + f(y) + `" font-size="` + f(size) + `" fill="` + c.Hex() +
		`" text-anchor="` + anchor + `">` + esc(t) + `</text>`)
}

// Link starts a link to href (or, without one, a group) whose tooltip is
// title; Unlink ends it.
func (s *SVG) Link(href, title string) {
	if href != "" {
		s.b.WriteString(`<a href="` + esc(href) + `">`)
		s.links = append(s.links, "</a>")
	} else {
		s.b.WriteString(`<g>`)
		s.links = append(s.links, "</g>")
	}
	if title != "" {
		s.b.WriteString(`<title>` + esc(title) + `</title>`)
	}
}

// Unlink ends the innermost Link.
func (s *SVG) Unlink() {
	if n := len(s.links); n > 0 {
		s.b.WriteString(s.links[n-1])
		s.links = s.links[:n-1]
	}
}

// Document is the whole SVG element.
func (s *SVG) Document(title string) string {
	vb := "0 0 " + f(s.w) + " " + f(s.h)
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="` + vb + `" preserveAspectRatio="xMidYMid meet" role="img" aria-label="` +
		esc(title) + `" class="chart" font-family='` + FontFamily + `'><title>` + esc(title) + `</title>` + s.b.String() + `</svg>`
}
