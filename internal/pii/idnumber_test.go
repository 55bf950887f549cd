package pii_test

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/pii"
)

// The numbers below were made for these tests: a real region code, a
// birth date, a sequence, and the check character worked out by hand with
// ISO 7064 MOD 11-2 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the
// remainder 0…10 gives 1 0 X 9 8 7 6 5 4 3 2).
var today = time.Date(2026, 12, 3, 9, 0, 0, 0, clock.CST)

func TestValidIDAcceptsNumbersWithTheRightCheckCharacter(t *testing.T) {
	for _, c := range []struct {
		in       string
		norm     string
		province string
		birth    string
		male     bool
	}{
		{"11010519491231002X", "11010519491231002X", "11", "1949-12-31", false}, // check character X
		{"11010519491231002x", "11010519491231002X", "11", "1949-12-31", false}, // lower-case x
		{"511102199003071526", "511102199003071526", "51", "1990-03-07", false}, // Leshan, Shizhong district
		{"511123198511153613", "511123198511153613", "51", "1985-11-15", true},
		{"51110220000229204X", "51110220000229204X", "51", "2000-02-29", false}, // a leap day
		{"440524198001010013", "440524198001010013", "44", "1980-01-01", true},
		{"810000198001010014", "810000198001010014", "81", "1980-01-01", true}, // Hong Kong residents' permit
		{"511102 19900307 1526", "511102199003071526", "51", "1990-03-07", false},
		{"５１１１０２１９９００３０７１５２６", "511102199003071526", "51", "1990-03-07", false}, // full-width
		{"511102202612031233", "511102202612031233", "51", "2026-12-03", true},  // born today
	} {
		info, ok := pii.ParseID(c.in, today)
		if !ok {
			t.Errorf("ParseID(%q) refused", c.in)
			continue
		}
		if info.Number != c.norm || info.Province != c.province || info.Birth.Format("2006-01-02") != c.birth || info.Male != c.male {
			t.Errorf("ParseID(%q) = %+v", c.in, info)
		}
		if !pii.ValidID(c.in, today) {
			t.Errorf("ValidID(%q) = false", c.in)
		}
	}
}

func TestValidIDRefusesWrongCheckCharactersRegionsAndDates(t *testing.T) {
	for in, why := range map[string]string{
		"110105194912310021":  "check character should be X",
		"511102199003071527":  "check character should be 6",
		"511102199003071625":  "a changed digit breaks the check",
		"51110219900307152":   "17 characters",
		"5111021990030715266": "19 characters",
		"91010219900307152X":  "no province 91",
		"511102199902291231":  "1999-02-29 does not exist",
		"511102189912311233":  "born before 1900",
		"511102202612041239":  "born tomorrow",
		"51110219900307152Y":  "Y is no check character",
		"X11102199003071526":  "letters in the digits",
		"":                    "empty",
	} {
		if pii.ValidID(in, today) {
			t.Errorf("ValidID(%q) accepted: %s", in, why)
		}
	}
}

func TestCheckCharIsISO7064Mod112(t *testing.T) {
	for in, want := range map[string]byte{
		"11010519491231002": 'X', "51110219900307152": '6', "44052419800101001": '3', "33010619770808004": '5',
		"1101051949123100": 0, "1101051949123100A": 0,
	} {
		if got := pii.CheckChar(in); got != want {
			t.Errorf("CheckChar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskIDShowsFirstFourAndLastFour(t *testing.T) {
	for in, want := range map[string]string{
		"511102199003071526":   "5111**********1526",
		"11010519491231002x":   "1101**********002X",
		"511102 19900307 1526": "5111**********1526",
		"12345":                "*****",
		"":                     "",
	} {
		if got := pii.MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}
