package inspection

import (
	"math"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/inputtext"
)

// Points are scores in hundredths of a point (2.5 points is 250), so that
// sums, deductions and caps are exact integers.
type Points int64

// MaxPoints bounds any one value (an index's total is 120 in the national shape).
const MaxPoints Points = 100000

// ParsePoints reads "2", "2.5" or "0.25": not negative, at most two
// decimals, at most MaxPoints. ok is false for anything else.
func ParsePoints(s string) (Points, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return 0, false
	}
	if strings.ContainsAny(s, "eE+-") {
		return 0, false
	}
	v, err := inputtext.Decimal(s)
	if err != nil || v < 0 {
		return 0, false
	}
	p := Points(math.Round(v * 100))
	if p > MaxPoints {
		return 0, false
	}
	return p, true
}

// String is the value with at most two decimals and no trailing zeros.
func (p Points) String() string {
	neg := p < 0
	if neg {
		p = -p
	}
	s := strconv.FormatInt(int64(p/100), 10)
	if f := p % 100; f != 0 {
		d := strconv.FormatInt(int64(f+100), 10)[1:]
		s += "." + strings.TrimRight(d, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Float is the value in points, for workbooks and JSON figures.
func (p Points) Float() float64 { return float64(p) / 100 }
