package ratingweb

import (
	"fmt"
	"strings"

	"github.com/wenming-city/wenming/internal/rating"
)

// sparkline is a subject's totals across rounds as an SVG polyline (the trend).
type sparkline struct {
	Points string
	W, H   int
	Dots   []dot
}

type dot struct {
	X, Y  int
	Label string
}

func newSparkline(h []rating.HistoryRow) sparkline {
	sp := sparkline{W: 320, H: 80}
	if len(h) == 0 {
		return sp
	}
	lo, hi := h[0].Total, h[0].Total
	for _, r := range h {
		lo, hi = min(lo, r.Total), max(hi, r.Total)
	}
	span := max(int64(hi-lo), 1)
	var pts []string
	for i, r := range h {
		x := 10
		if len(h) > 1 {
			x = 10 + i*(sp.W-20)/(len(h)-1)
		}
		y := sp.H - 10 - int(int64(r.Total-lo)*int64(sp.H-20)/span)
		pts = append(pts, fmt.Sprintf("%d,%d", x, y))
		sp.Dots = append(sp.Dots, dot{x, y, r.Period + " " + r.Total.String()})
	}
	sp.Points = strings.Join(pts, " ")
	return sp
}
