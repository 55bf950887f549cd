// Package inputtext holds the rules for text that comes from outside the
// program (forms, JSON bodies, query strings, Open311 requests), shared by
// the HTTP layer, the capabilities and the store:
//
//   - Valid: text is valid UTF-8 without NUL bytes. PostgreSQL refuses
//     either in a text column and SQLite would keep them as sent, so both
//     engines are kept from ever seeing them.
//   - StripBidi: the bidirectional embedding, override and isolate controls
//     (U+202A–U+202E, U+2066–U+2069) are removed, so that a citizen's text
//     cannot reorder how the text around it is shown ("Trojan Source"). The
//     marks U+200E and U+200F are kept: they only set the direction of the
//     neutral characters next to them and are what mixed-direction text
//     legitimately uses.
//   - Decimal: a number as people write it (digits, one point, an optional
//     exponent); no hexadecimal, Inf, NaN or underscores.
package inputtext

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Valid reports whether s is valid UTF-8 and has no NUL byte.
func Valid(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// IsBidiControl reports whether r is one of the controls StripBidi removes.
func IsBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// StripBidi returns s without bidirectional embedding, override and
// isolate controls. Text without any is returned as it is, unallocated.
func StripBidi(s string) string {
	if !HasBidi(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !IsBidiControl(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// HasBidi reports whether s holds a control StripBidi removes. All of them
// are encoded as E2 80 AA–AE or E2 81 A6–A9 in UTF-8.
func HasBidi(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], 0xE2)
		if j < 0 || i+j+2 >= len(s) {
			return false
		}
		i += j
		if isBidiSeq(s[i+1], s[i+2]) {
			return true
		}
	}
}

// HasBidiBytes is HasBidi for bytes.
func HasBidiBytes(b []byte) bool {
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], 0xE2)
		if j < 0 || i+j+2 >= len(b) {
			return false
		}
		i += j
		if isBidiSeq(b[i+1], b[i+2]) {
			return true
		}
	}
}

// isBidiSeq reports whether E2 b1 b2 encodes a control StripBidi removes.
func isBidiSeq(b1, b2 byte) bool {
	return b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE || b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9
}

// StripBidiBytes removes the controls from UTF-8 bytes in place and returns
// the shortened slice (for a rendered page).
func StripBidiBytes(b []byte) []byte {
	if !HasBidiBytes(b) {
		return b
	}
	out := b[:0]
	for i := 0; i < len(b); {
		if b[i] == 0xE2 && i+2 < len(b) && isBidiSeq(b[i+1], b[i+2]) {
			i += 3
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// ErrNotDecimal is Decimal's error for text that is not a decimal number.
var ErrNotDecimal = errors.New("not a decimal number")

// Decimal parses a decimal number: an optional sign, digits with at most
// one decimal point (at least one digit in all), and an optional exponent
// (e or E, an optional sign, digits). Surrounding spaces are not allowed;
// trim first. A number too large for a float64 is an error too, so the
// result is always finite.
func Decimal(s string) (float64, error) {
	if !isDecimal(s) {
		return 0, ErrNotDecimal
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, ErrNotDecimal
	}
	return v, nil
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
