package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxWordRunes is the longest Latin/digit word kept; longer words are cut to
// this many characters, in documents and queries alike, so they still match
// each other (and stay far below PostgreSQL's 2 KB lexeme limit).
const MaxWordRunes = 32

// maxQueryTerms bounds a query: the first terms are kept, the rest ignored,
// the same way on both engines (a pasted page must not become a 5,000-way AND).
const maxQueryTerms = 32

// Analyze turns text into its search tokens, each once, in order of first
// appearance:
//   - a run of Chinese characters (Han, and Japanese kana) gives each character
//     and then each overlapping pair: "路灯不亮" → 路 灯 不 亮 路灯 灯不 不亮;
//   - a run of letters and digits of other scripts gives one lower-cased word,
//     with full-width forms folded to ASCII: "ＡＢＣ１２" → "abc12";
//   - everything else (spaces, punctuation, symbols, emoji) separates tokens
//     and is dropped; format characters (zero-width space, soft hyphen) are
//     ignored without separating.
//
// Tokens never contain spaces, ASCII punctuation or upper-case letters, and
// are valid UTF-8.
func Analyze(text string) []string {
	var a analyzer
	a.text(text)
	return a.out
}

type analyzer struct {
	out  []string
	seen map[string]struct{}
	size int // bytes of tokens kept, for Put's cap
}

func (a *analyzer) add(tok string) {
	if a.seen == nil {
		a.seen = map[string]struct{}{}
	}
	if _, ok := a.seen[tok]; ok {
		return
	}
	a.seen[tok] = struct{}{}
	a.out = append(a.out, tok)
	a.size += len(tok) + 1
}

func (a *analyzer) text(s string) {
	segments(s, func(seg segment) {
		if seg.cjk {
			for _, r := range seg.runes {
				a.add(string(r))
			}
			for i := 0; i+1 < len(seg.runes); i++ {
				a.add(string(seg.runes[i : i+2]))
			}
			return
		}
		a.add(seg.word)
	})
}

// A term is one query condition: a token that must be present, or for a
// prefix term, a token starting with it.
type term struct {
	tok    string
	prefix bool
}

// parseQuery turns a search box's text into terms, all of which must match:
// a Chinese run of two or more characters becomes its pairs (so "路灯不亮"
// needs 路灯, 灯不 and 不亮, which a document containing it has), a single
// Chinese character itself, a word itself; a word directly followed by * is a
// prefix ("stree*" finds "street"). Everything else, including FTS syntax such
// as OR, NEAR, quotes and parentheses, is plain text.
func parseQuery(q string) []term {
	var ts []term
	seen := map[term]struct{}{}
	add := func(t term) bool {
		if _, ok := seen[t]; !ok {
			seen[t] = struct{}{}
			ts = append(ts, t)
		}
		return len(ts) < maxQueryTerms
	}
	segments(q, func(seg segment) {
		if len(ts) >= maxQueryTerms {
			return
		}
		switch {
		case seg.cjk && len(seg.runes) == 1:
			add(term{tok: string(seg.runes)})
		case seg.cjk:
			for i := 0; i+1 < len(seg.runes); i++ {
				if !add(term{tok: string(seg.runes[i : i+2])}) {
					return
				}
			}
		default:
			add(term{tok: seg.word, prefix: seg.star})
		}
	})
	return ts
}

// segment is a run of Chinese characters, or one word.
type segment struct {
	cjk   bool
	runes []rune // cjk
	word  string // word, lower-cased, at most MaxWordRunes
	star  bool   // word directly followed by '*' (or '＊')
}

// segments calls fn for each Chinese run and each word of s, in order.
func segments(s string, fn func(segment)) {
	const (
		none = iota
		inCJK
		inWord
	)
	state := none
	var runes []rune
	var word strings.Builder
	n := 0 // runes in word
	flush := func(star bool) {
		switch state {
		case inCJK:
			fn(segment{cjk: true, runes: runes})
			runes = nil
		case inWord:
			fn(segment{word: word.String(), star: star})
			word.Reset()
			n = 0
		}
		state = none
	}
	for _, r := range s {
		r = fold(r)
		switch {
		case isCJK(r):
			if state != inCJK {
				flush(false)
				state = inCJK
			}
			runes = append(runes, r)
		case unicode.IsLetter(r) || unicode.IsNumber(r) || (state == inWord && unicode.IsMark(r)):
			if state != inWord {
				flush(false)
				state = inWord
			}
			if n < MaxWordRunes {
				word.WriteRune(unicode.ToLower(r))
				n++
			}
		case unicode.IsMark(r) || unicode.Is(unicode.Cf, r):
			// A mark on a Chinese character (variation selector) or a format
			// character: ignored, the run goes on.
		default:
			flush(r == '*')
		}
	}
	flush(false)
}

// isCJK reports whether r is written without spaces between words and so is
// indexed by characters and pairs: Han ideographs and Japanese kana.
func isCJK(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || r == 'ー' || r == 'ｰ')
}

// fold maps full-width ASCII (Ａ, １, ＊) to ASCII and the ideographic space
// to a space, and invalid UTF-8 to a separator.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	case r == utf8.RuneError:
		return ' '
	}
	return r
}
