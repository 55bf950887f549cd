// Package figures holds counted figures and rates, and the registry through
// which capabilities offer their figures to readers such as the leaders'
// cockpit (GLOSSARY: figure / definition, 指标 / 口径).
package figures

import (
	"encoding/json"
	"strconv"
)

// Rate is a counted part of a counted whole: Numerator of Denominator. A
// rate has no value when its denominator is zero; it is then shown as "—"
// (or "无数据"), written as null in JSON and as an empty cell in a workbook,
// never as 0 %. The caller keeps Numerator a subset of Denominator.
type Rate struct {
	Numerator, Denominator int64
}

// Of is the rate num of den.
func Of(num, den int64) Rate { return Rate{Numerator: num, Denominator: den} }

// Value is the rate as a fraction, and false when it has no value.
func (r Rate) Value() (float64, bool) {
	if r.Denominator == 0 {
		return 0, false
	}
	return float64(r.Numerator) / float64(r.Denominator), true
}

// Ptr is the value, or nil when there is none.
func (r Rate) Ptr() *float64 {
	v, ok := r.Value()
	if !ok {
		return nil
	}
	return &v
}

// Add sums two rates' counts (a total is computed from sums, never by
// averaging rates).
func (r Rate) Add(o Rate) Rate {
	return Rate{Numerator: r.Numerator + o.Numerator, Denominator: r.Denominator + o.Denominator}
}

// Percent is the value as text with one decimal, "98.5%", or none when
// the rate has no value.
func (r Rate) Percent(none string) string {
	v, ok := r.Value()
	if !ok {
		return none
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

// Fraction is "num ÷ den", the tooltip beside Percent.
func (r Rate) Fraction() string {
	return strconv.FormatInt(r.Numerator, 10) + " ÷ " + strconv.FormatInt(r.Denominator, 10)
}

// Cell is the workbook value: the fraction (to be formatted as percent),
// or nil for an empty cell when the rate has no value.
func (r Rate) Cell() any {
	if v, ok := r.Value(); ok {
		return v
	}
	return nil
}

type rateJSON struct {
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Value       *float64 `json:"value"`
}

// MarshalJSON writes {"numerator":…,"denominator":…,"value":…|null}.
func (r Rate) MarshalJSON() ([]byte, error) {
	return json.Marshal(rateJSON{r.Numerator, r.Denominator, r.Ptr()})
}

// UnmarshalJSON reads the counts; the value is recomputed from them.
func (r *Rate) UnmarshalJSON(b []byte) error {
	var x rateJSON
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	r.Numerator, r.Denominator = x.Numerator, x.Denominator
	return nil
}
