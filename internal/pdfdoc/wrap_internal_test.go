package pdfdoc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// mono measures a CJK character as 1 and an ASCII one as 0.5.
func mono(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < utf8.RuneSelf {
			w += 0.5
		} else {
			w++
		}
	}
	return w
}

func TestWrapRules(t *testing.T) {
	for _, c := range []struct {
		name          string
		text          string
		width, indent float64
		want          []string
	}{
		{"fits on one line", "整改到位", 10, 0, []string{"整改到位"}},
		{"breaks between CJK characters", "一二三四五六七", 3, 0, []string{"一二三", "四五六", "七"}},
		{"the first line is indented", "一二三四五六七", 4, 2, []string{"一二", "三四五六", "七"}},
		{"a comma never begins a line: it hangs", "一二三，四五", 3, 0, []string{"一二三，", "四五"}},
		{"a full stop hangs", "一二三。", 3, 0, []string{"一二三。"}},
		{"closing marks hang together", "一二三）。”四", 3, 0, []string{"一二三）。”", "四"}},
		{"an opening bracket never ends a line", "一二（三）", 3, 0, []string{"一二", "（三）"}},
		{"a number is kept whole", "扣分1234分", 3, 0, []string{"扣分", "1234分"}},
		{"a word longer than a line is broken", "abcdefgh", 2, 0, []string{"abcd", "efgh"}},
		{"spaces at a line's start are dropped", "ab cd ef", 2, 0, []string{"ab", "cd", "ef"}},
		{"newlines end lines", "一二\n三", 10, 0, []string{"一二", "三"}},
		{"an empty paragraph is one empty line", "", 10, 0, []string{""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := wrap(c.text, c.width, c.indent, mono)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("wrap(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

// Every character of the text comes out, in order, whatever the width.
func TestWrapLosesNothing(t *testing.T) {
	text := "根据2026年第48周督查结果（第3.2条），你单位“装灯率100%、亮灯率95%”未达标；GPS 29.5521,103.7656。"
	for w := 1.0; w < 40; w += 0.5 {
		got := strings.Join(wrap(text, w, 2, mono), "")
		if strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(text, " ", "") {
			t.Fatalf("width %.1f lost text: %q", w, got)
		}
		for _, ln := range wrap(text, w, 0, mono)[1:] {
			if ln != "" && strings.ContainsRune("，。、；：）”", []rune(ln)[0]) && w >= 2 {
				t.Errorf("width %.1f: line begins with closing punctuation: %q", w, ln)
			}
		}
	}
}
