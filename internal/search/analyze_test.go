package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"chinese run gives characters then pairs", "路灯不亮", []string{"路", "灯", "不", "亮", "路灯", "灯不", "不亮"}},
		{"two-character word", "井盖", []string{"井", "盖", "井盖"}},
		{"single character", "路", []string{"路"}},
		{"tokens are kept once", "垃圾垃圾", []string{"垃", "圾", "垃圾", "圾垃"}},
		{"english is lower-cased words", "Street Light BROKEN", []string{"street", "light", "broken"}},
		{"mixed chinese, english and numbers", "Street light broken on 柏杨路 No.12",
			[]string{"street", "light", "broken", "on", "柏", "杨", "路", "柏杨", "杨路", "no", "12"}},
		{"letters and digits form one word", "LED路灯3盏", []string{"led", "路", "灯", "路灯", "3", "盏"}},
		{"full-width forms fold to ascii", "ＡＢＣ１２", []string{"abc12"}},
		{"full-width space and punctuation separate", "ＡＢＣ　ｄｅｆ，ＸＹ", []string{"abc", "def", "xy"}},
		{"chinese punctuation separates runs", "井盖缺失！！！请处理。", []string{"井", "盖", "缺", "失", "井盖", "盖缺", "缺失", "请", "处", "理", "请处", "处理"}},
		{"ascii punctuation separates words", `don't-stop_now (a+b) "q"`, []string{"don", "t", "stop", "now", "a", "b", "q"}},
		{"fts and tsquery syntax is just text", `路灯 OR * NEAR(a) 'x':*`, []string{"路", "灯", "路灯", "or", "near", "a", "x"}},
		{"emoji separate and are dropped", "路灯😡不亮👍🏻", []string{"路", "灯", "路灯", "不", "亮", "不亮"}},
		{"zero-width space does not split a word", "路\u200b灯 super\u00adman", []string{"路", "灯", "路灯", "superman"}},
		{"accented letters stay, lower-cased", "Café ÜBER", []string{"café", "über"}},
		{"combining mark stays in its word", "x\u0301y", []string{"x\u0301y"}},
		{"kana are paired like han", "ラーメン", []string{"ラ", "ー", "メ", "ン", "ラー", "ーメ", "メン"}},
		{"long words are cut", strings.Repeat("ab", 40), []string{strings.Repeat("ab", MaxWordRunes/2)}},
		{"invalid utf-8 separates", "a\xffb", []string{"a", "b"}},
		{"whitespace and controls separate", "a\tb\nc\x00d", []string{"a", "b", "c", "d"}},
		{"only punctuation", "，。！？……——（）【】", nil},
		{"only emoji", "😀🎉", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Analyze(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Analyze(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name, q string
		want    []term
	}{
		{"two characters are one pair", "路灯", []term{{tok: "路灯"}}},
		{"one character is itself", "路", []term{{tok: "路"}}},
		{"longer runs are their pairs", "路灯不亮", []term{{tok: "路灯"}, {tok: "灯不"}, {tok: "不亮"}}},
		{"words and runs", "Street 柏杨路", []term{{tok: "street"}, {tok: "柏杨"}, {tok: "杨路"}}},
		{"trailing star is a prefix", "stre* LIGHT", []term{{tok: "stre", prefix: true}, {tok: "light"}}},
		{"full-width star too", "ｓｔｒｅ＊", []term{{tok: "stre", prefix: true}}},
		{"no prefix on chinese", "路灯*", []term{{tok: "路灯"}}},
		{"a lone star is nothing", "路灯 OR *", []term{{tok: "路灯"}, {tok: "or"}}},
		{"syntax characters are text", `"路灯" (井盖) NEAR(a b) ^c d:e`, []term{
			{tok: "路灯"}, {tok: "井盖"}, {tok: "near"}, {tok: "a"}, {tok: "b"}, {tok: "c"}, {tok: "d"}, {tok: "e"}}},
		{"repeated terms once", "路灯 路灯 light LIGHT", []term{{tok: "路灯"}, {tok: "light"}}},
		{"no terms", "  ！？*  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseQuery(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("parseQuery(%q)\n got %v\nwant %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestLongQueriesAreCapped(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "w%d ", i)
	}
	ts := parseQuery(b.String())
	if len(ts) != maxQueryTerms {
		t.Fatalf("got %d terms, want %d", len(ts), maxQueryTerms)
	}
}

func TestQueryTextIsQuotedForEachEngine(t *testing.T) {
	ts := []term{{tok: "路灯"}, {tok: `a"b`}, {tok: `it's\`, prefix: true}}
	if got, want := ftsQuery(ts), `"路灯" AND "a""b" AND "it's\"*`; got != want {
		t.Errorf("fts5: got %s want %s", got, want)
	}
	if got, want := tsQuery(ts), `'路灯' & 'a"b' & 'it''s\\':*`; got != want {
		t.Errorf("tsquery: got %s want %s", got, want)
	}
}

// Analyze's promise to the engines: tokens are non-empty, valid UTF-8, free
// of spaces, ASCII punctuation and ASCII capitals, so FTS5's ascii tokenizer
// keeps each one whole and PostgreSQL stores it as it is.
func checkTokens(t *testing.T, text string, toks []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, tok := range toks {
		if tok == "" || !validToken(tok) {
			t.Fatalf("Analyze(%q) gave bad token %q", text, tok)
		}
		if seen[tok] {
			t.Fatalf("Analyze(%q) gave %q twice", text, tok)
		}
		seen[tok] = true
	}
}

func validToken(tok string) bool {
	if !utf8.ValidString(tok) {
		return false
	}
	for _, r := range tok {
		if r < 0x80 && !('a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return !strings.ContainsRune(tok, 0xFFFD) && len([]rune(tok)) <= MaxWordRunes
}
