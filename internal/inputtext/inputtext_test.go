package inputtext

import (
	"testing"
)

func TestDecimalTakesPlainDecimalsAndRefusesHexInfNaNAndUnderscores(t *testing.T) {
	good := map[string]float64{"0": 0, "29.5646": 29.5646, "-103.7626": -103.7626, "+1.5": 1.5, ".25": 0.25,
		"5.": 5, "1e2": 100, "2.5E-1": 0.25, "007": 7}
	for s, want := range good {
		if got, err := Decimal(s); err != nil || got != want {
			t.Errorf("Decimal(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", " 1", "1 ", "0x1p-2", "0X10", "Inf", "+Inf", "-inf", "infinity", "NaN", "nan",
		"1_000", "1,5", ".", "-", "+", "e5", "1e", "1e+", "1.2.3", "１２", "1e400", "-1e400", "0b101", "0o7"} {
		if got, err := Decimal(s); err == nil {
			t.Errorf("Decimal(%q) = %v, want an error", s, got)
		}
	}
}

func TestValidRefusesNULAndInvalidUTF8AndTakesChineseAndEmoji(t *testing.T) {
	for _, s := range []string{"", "人行道上有流动摊贩", "plain", "😀 \t\n\r", "\uFFFD"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false", s)
		}
	}
	for _, s := range []string{"a\x00b", "\x00", "\xff", "abc\xe4\xba", "\xed\xa0\x80" /* a surrogate */, "\xc0\x80"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}

func TestStripBidiRemovesOverridesAndIsolatesAndKeepsMarksAndOtherText(t *testing.T) {
	cases := map[string]string{
		"abc":                                  "abc",
		"\u202Eevil\u202C":                     "evil",
		"a\u202Ab\u202Bc\u202Cd\u202De\u202Ef": "abcdef",
		"\u2066x\u2067y\u2068z\u2069":          "xyz",
		"mark\u200Ekept\u200F":                 "mark\u200Ekept\u200F",
		"“引号”—…\u2060\u2065\u206A中文":           "“引号”—…\u2060\u2065\u206A中文",
		"人行道\u202E上有摊贩":                        "人行道上有摊贩",
		"\u202E":                               "",
		"\xe2\x80":                             "\xe2\x80",
	}
	for in, want := range cases {
		if got := StripBidi(in); got != want {
			t.Errorf("StripBidi(%q) = %q, want %q", in, got, want)
		}
		if got := string(StripBidiBytes([]byte(in))); got != want {
			t.Errorf("StripBidiBytes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasBidiFindsAControlAtAnyPlaceAndNotInOtherE2Characters(t *testing.T) {
	for _, s := range []string{"\u202A", "ab\u202B", "\u2069cd", "“”—…\u2066", "\xe2\xe2\x80\xae"} {
		if !HasBidi(s) || !HasBidiBytes([]byte(s)) {
			t.Errorf("HasBidi(%q) = false", s)
		}
	}
	for _, s := range []string{"", "\xe2", "\xe2\x80", "“”—…", "\u2029\u202F\u2065\u206A", "\u200E\u200F"} {
		if HasBidi(s) || HasBidiBytes([]byte(s)) {
			t.Errorf("HasBidi(%q) = true", s)
		}
	}
}
