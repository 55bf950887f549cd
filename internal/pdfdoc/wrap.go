package pdfdoc

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // photos from phones
	_ "image/png"
	"strings"
	"unicode"
	"unicode/utf8"
)

// noLineStart are the characters a line may not begin with (行首禁则):
// closing brackets and quotes, and the punctuation that ends a clause.
const noLineStart = "，。、；：？！）》」』〕】〉”’…·%,.;:?!)]}%"

// noLineEnd are the characters a line may not end with: opening brackets
// and quotes.
const noLineEnd = "（《「『〔【〈“‘([{"

// tokens splits text into the pieces a line may break between: each CJK
// character alone, a run of Latin letters and digits (a word or number)
// whole, spaces alone.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./@#&+=*'", r)):
			word.WriteRune(r)
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

// wrap breaks text into lines no wider than width (millimetres, measured
// by w), the first line narrower by indent. Newlines in text end lines.
// Closing punctuation that would begin a line hangs at the end of the line
// before; an opening bracket that would end a line moves to the next.
func wrap(text string, width, indent float64, w func(string) float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		toks := tokens(para)
		var cur []string
		avail := width - indent
		if len(lines) > 0 {
			avail = width
		}
		curW := 0.0
		emit := func() {
			lines = append(lines, strings.TrimRight(strings.Join(cur, ""), " "))
			cur, curW, avail = nil, 0, width
		}
		for i := 0; i < len(toks); i++ {
			t := toks[i]
			if len(cur) == 0 && t == " " {
				continue
			}
			tw := w(t)
			if curW+tw <= avail+0.01 || len(cur) == 0 && tw > avail && utf8.RuneCountInString(t) == 1 {
				cur, curW = append(cur, t), curW+tw
				continue
			}
			// t does not fit.
			if strings.Contains(noLineStart, t) && len(cur) > 0 {
				cur = append(cur, t) // hang it, and the closing marks after it
				for i+1 < len(toks) && strings.Contains(noLineStart, toks[i+1]) {
					i++
					cur = append(cur, toks[i])
				}
				emit()
				continue
			}
			if tw > avail && len(cur) == 0 {
				// A word longer than a line is broken by characters.
				rs := []rune(t)
				toks = append(toks[:i:i], append(splitRunes(rs), toks[i+1:]...)...)
				i--
				continue
			}
			var carry []string
			if n := len(cur); n > 1 && strings.Contains(noLineEnd, cur[n-1]) {
				carry, cur = []string{cur[n-1]}, cur[:n-1]
			}
			emit()
			for _, c := range carry {
				cur, curW = append(cur, c), curW+w(c)
			}
			i--
		}
		if len(cur) > 0 || len(toks) == 0 {
			emit()
		}
	}
	return lines
}

func splitRunes(rs []rune) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// imageSize is an image's width and height in pixels.
func imageSize(data []byte) (float64, float64, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, fmt.Errorf("image: %w", err)
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		return 0, 0, fmt.Errorf("image: empty")
	}
	return float64(cfg.Width), float64(cfg.Height), nil
}
