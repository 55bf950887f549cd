package pii

import (
	"strings"
	"unicode/utf8"
)

// Kind is what Find took a number in free text for.
type Kind int

const (
	KindMobile      Kind = iota + 1 // a mobile number (13800138000)
	KindLandline                    // a landline with its area code
	KindID                          // a resident ID number with a right check character
	KindMaskedPhone                 // a mobile masked as 138****5678, which still gives its tail
	KindNumber                      // any other run of seven or more digits (a local number, a card, an ID with a typo)
)

// Match is one number found in a text: its kind, where it is (byte offsets
// into the text, the whole written form with its spaces, dashes and +86) and
// its value (the canonical phone, the normalised ID number, or the digits).
type Match struct {
	Kind       Kind
	Start, End int
	Value      string
}

// MinNumberLen is the shortest run of digits Find reports as KindNumber:
// a local phone number without its area code has seven.
const MinNumberLen = 7

// maxNumberChars is the longest number classify reads: an ID number
// (0086 and a 12-digit landline is 16).
const maxNumberChars = IDLen

// group is a run of digits (and the stars of a masked number) with no
// separator inside; a number written with spaces or dashes is several.
type group struct {
	start, end int    // byte offsets, start including a leading +
	chars      string // ASCII digits, '*' and a final 'X'
	plus       bool
}

// Find returns the phone numbers, ID numbers, masked phones and other long
// numbers in text, in order. Digits may be full-width (１３８…) and split by
// spaces, dashes or parentheses (138 0013 8000, 0833-2123456,
// +86 138-0013-8000); a date (2026-11-29), an amount (5000) or a hotline
// (12345) is not reported.
func Find(text string) []Match {
	var out []Match
	for _, run := range runs(text) {
		out = append(out, classifyRun(run)...)
	}
	return out
}

// Contains reports whether text holds any number Find reports.
func Contains(text string) bool { return len(Find(text)) > 0 }

// Scrub replaces every number Find reports with mask.
func Scrub(text, mask string) string {
	return replace(text, Find(text), mask)
}

// ScrubPhone replaces one person's phone number with mask wherever text
// has it, in any written form and masked (138****8000), and leaves other
// numbers alone. A phone that is not a valid number (an old bare local
// number) is matched by its digits when it has at least seven.
func ScrubPhone(text, phone, mask string) string {
	canon, ok := NormalisePhone(phone)
	digits := ""
	if !ok {
		for _, r := range phone {
			if r = fold(r); r >= '0' && r <= '9' {
				digits += string(r)
			}
		}
		if len(digits) < MinNumberLen {
			return text
		}
	}
	var hit []Match
	for _, m := range Find(text) {
		switch {
		case ok && (m.Kind == KindMobile || m.Kind == KindLandline) && m.Value == canon,
			ok && m.Kind == KindMaskedPhone && isMobile(canon) && m.Value == canon[:3]+"****"+canon[7:],
			!ok && m.Kind == KindNumber && m.Value == digits:
			hit = append(hit, m)
		}
	}
	return replace(text, hit, mask)
}

func replace(text string, ms []Match, mask string) string {
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(text[last:m.Start])
		b.WriteString(mask)
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// runs splits text into runs of digit groups that only separators (at most
// two in a row) keep apart.
func runs(text string) [][]group {
	var out [][]group
	var cur []group
	i := 0
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		f := fold(r)
		if isDigit(f) || f == '+' && digitAt(text, i+w) {
			g := scanGroup(text, i)
			cur = append(cur, g)
			i = g.end
			// Up to two separators and then a digit (or +digit) continue the run.
			k, n := i, 0
			for k < len(text) && n < 2 {
				r2, w2 := utf8.DecodeRuneInString(text[k:])
				if f2 := fold(r2); !isSep(f2) && f2 != '(' && f2 != ')' {
					break
				}
				k += w2
				n++
			}
			if n > 0 && k < len(text) && (digitAt(text, k) || plusDigitAt(text, k)) {
				i = k
				continue
			}
			out = append(out, cur)
			cur = nil
			continue
		}
		i += w
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// scanGroup reads one group starting at i (a digit or a + before one).
func scanGroup(text string, i int) group {
	g := group{start: i}
	var b []byte
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		f := fold(r)
		switch {
		case f == '+' && len(b) == 0 && !g.plus:
			g.plus = true
		case isDigit(f) || f == '*' && len(b) > 0:
			b = append(b, byte(f))
		case f == 'X' && len(b) == IDLen-1:
			b = append(b, 'X')
			i += w
			g.end, g.chars = i, string(b)
			return g
		default:
			g.end, g.chars = i, string(b)
			return g
		}
		i += w
	}
	g.end, g.chars = i, string(b)
	return g
}

// classifyRun finds the numbers in one run: from each group, the longest
// sequence of groups that reads as a phone, an ID or a masked phone; a
// group of seven or more digits outside every such number is KindNumber.
func classifyRun(run []group) []Match {
	var out []Match
	for a := 0; a < len(run); {
		found := false
		// No number Find knows is longer than an ID number, so a sequence
		// stops there (and a long run of short groups costs little).
		last, n := a, 0
		for last < len(run) && n+len(run[last].chars) <= maxNumberChars {
			n += len(run[last].chars)
			last++
		}
		for b := last - 1; b >= a; b-- {
			var s strings.Builder
			for _, g := range run[a : b+1] {
				s.WriteString(g.chars)
			}
			if k, v := classify(s.String(), run[a].plus); k != 0 {
				out = append(out, Match{Kind: k, Start: run[a].start, End: run[b].end, Value: v})
				a, found = b+1, true
				break
			}
		}
		if found {
			continue
		}
		if g := run[a]; len(g.chars) >= MinNumberLen && !strings.Contains(g.chars, "*") {
			out = append(out, Match{Kind: KindNumber, Start: g.start, End: g.end, Value: strings.TrimSuffix(g.chars, "X")})
		}
		a++
	}
	return out
}

// classify reads a string of digits (and stars, X) as one number.
func classify(s string, plus bool) (Kind, string) {
	if strings.Contains(s, "*") {
		if len(s) == 11 && s[0] == '1' && allDigits(s[:3]) && s[3:7] == "****" && allDigits(s[7:]) {
			return KindMaskedPhone, s
		}
		return 0, ""
	}
	if len(s) == IDLen {
		if _, ok := idShape(s); ok {
			return KindID, s
		}
	}
	if strings.HasSuffix(s, "X") {
		return 0, ""
	}
	if c, ok := canonicalPhone(s, plus); ok {
		if isMobile(c) {
			return KindMobile, c
		}
		return KindLandline, c
	}
	return 0, ""
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func digitAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isDigit(fold(r))
}

func plusDigitAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, w := utf8.DecodeRuneInString(text[i:])
	return fold(r) == '+' && digitAt(text, i+w)
}
