// Package pii is the one rule for personal data: phone numbers (validation,
// the canonical stored form, masking), resident ID numbers (GB 11643 check
// digit, masking), finding both in free text, encrypting ID numbers at rest
// with a blind index for exact lookup, and the audited reveal.
package pii

import (
	"strings"
	"unicode/utf8"
)

// Phone numbers are stored in one canonical form: digits only, without the
// country code. A mobile is its 11 digits (13800138000); a landline is its
// area code with the leading 0 followed by the local number (08332123456,
// 01012345678). Any written form (spaces, dashes, parentheses, full-width
// digits, +86 or 0086 in front) normalises to it, so the same number is the
// same key wherever it is stored (users, units, orders, points).

// NormalisePhone returns the canonical form of a Chinese mobile or landline
// number and whether s is one.
func NormalisePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	var b strings.Builder
	plus := false
	for i, r := range s {
		r = fold(r)
		switch {
		case r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r == '+' && i == 0:
			plus = true
		case isSep(r) || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	return canonicalPhone(b.String(), plus)
}

// canonicalPhone classifies a string of digits (plus: it was written with a
// leading +) as a mobile or landline and returns its canonical form.
func canonicalPhone(d string, plus bool) (string, bool) {
	intl := false
	switch {
	case plus && strings.HasPrefix(d, "86"):
		d, intl = d[2:], true
	case plus:
		return "", false // another country
	case strings.HasPrefix(d, "0086"):
		d, intl = d[4:], true
	case len(d) == 13 && strings.HasPrefix(d, "86") && isMobile(d[2:]):
		d = d[2:]
	}
	if isMobile(d) {
		return d, true
	}
	if intl && d != "" && d[0] != '0' {
		d = "0" + d // +86 833 2123456: the area code without its 0
	}
	if isLandline(d) {
		return d, true
	}
	return "", false
}

// isMobile: 1[3-9] and nine more digits.
func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9' && allDigits(d)
}

// isLandline: a 3-digit area code (010, 020–029) and an 8-digit local
// number, or a 4-digit one (03xx–09xx) and a 7- or 8-digit local number;
// a local number does not start with 0 (that would be another area code).
func isLandline(d string) bool {
	if len(d) < 11 || len(d) > 12 || d[0] != '0' || d[1] == '0' || !allDigits(d) {
		return false
	}
	area := 4
	if d[1] == '1' || d[1] == '2' {
		if d[1] == '1' && d[2] != '0' {
			return false // 010 is the only area code beginning 01
		}
		area = 3
	}
	local := d[area:]
	if area == 3 && len(local) != 8 || area == 4 && len(local) != 7 && len(local) != 8 {
		return false
	}
	return local[0] != '0'
}

// IsMobile reports whether canonical is a mobile number.
func IsMobile(canonical string) bool { return isMobile(canonical) }

// ValidPhone reports whether s is a mainland mobile number (13800138000) or
// a landline with its area code (010-12345678, 0833-2123456), in any
// written form NormalisePhone accepts.
func ValidPhone(s string) bool {
	_, ok := NormalisePhone(s)
	return ok
}

// MaskPhone shows the first three and last four digits of a phone number
// (138****5678, 083****3456), as PIPL practice asks wherever the full number
// is not needed. A valid number is masked in its canonical form. Anything
// else (an old value stored before the rule) keeps its first three and last
// four characters from eleven on, only the last four from seven on, and is
// all stars when shorter, so at least four characters are always hidden.
func MaskPhone(s string) string {
	if c, ok := NormalisePhone(s); ok {
		s = c
	}
	n := utf8.RuneCountInString(s)
	r := []rune(s)
	switch {
	case n >= 11:
		return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
	case n >= 7:
		return strings.Repeat("*", n-4) + string(r[n-4:])
	}
	return strings.Repeat("*", n)
}

// fold maps full-width digits, plus, star and X to ASCII, so that what is
// typed on a Chinese keyboard reads the same.
func fold(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r == '＋':
		return '+'
	case r == '＊':
		return '*'
	case r == 'Ｘ' || r == 'ｘ' || r == 'x':
		return 'X'
	}
	return r
}

// isSep reports whether r may stand between the digit groups of a number.
func isSep(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u3000', '-', '－', '‐', '‑', '–', '—', '（', '）':
		return true
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
