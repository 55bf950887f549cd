package i18n

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEveryKeyExistsInBothLanguages(t *testing.T) {
	zh, en := Keys(ZH), Keys(EN)
	for _, k := range zh {
		if _, ok := slices.BinarySearch(en, k); !ok {
			t.Errorf("key %q missing in en", k)
		}
	}
	for _, k := range en {
		if _, ok := slices.BinarySearch(zh, k); !ok {
			t.Errorf("key %q missing in zh-CN", k)
		}
	}
}

func TestPlaceholdersMatchAcrossLanguages(t *testing.T) {
	for _, k := range Keys(ZH) {
		if a, b := strings.Count(catalogues[ZH][k], "%"), strings.Count(catalogues[EN][k], "%"); a != b {
			t.Errorf("key %q: zh-CN has %d placeholders, en %d", k, a, b)
		}
	}
}

func TestAcceptLanguagePicksTheBestSupportedTag(t *testing.T) {
	cases := []struct {
		header string
		want   Lang
	}{
		{"", ""},
		{"fr-FR", ""},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"en-US,en;q=0.9", EN},
		{"fr;q=1, en;q=0.7, zh-TW;q=0.5", EN},
		{"zh-Hans", ZH},
	}
	for _, c := range cases {
		if got := FromAcceptLanguage(c.header); got != c.want {
			t.Errorf("%q: got %q want %q", c.header, got, c.want)
		}
	}
}

func TestKeyArgumentsAreTranslatedAndPlainStringsAreNot(t *testing.T) {
	if got := T(EN, "err.not_found", Key("entity.region")); got != "Region not found." {
		t.Fatalf("got %q", got)
	}
	if got := T(ZH, "err.not_found", Key("entity.region")); got != "找不到该区域。" {
		t.Fatalf("got %q", got)
	}
	if got := T(EN, "err.not_found", "yes"); got != "yes not found." {
		t.Fatalf("a plain string argument was translated: %q", got)
	}
}

// TestRegisterRefusesACatalogueMissingAKeyInOneLanguageOrRedefiningOne
// proves a capability's catalogue is checked as it is added: a key only in
// Chinese, unequal placeholders or a key another catalogue has stop it, and
// a refused catalogue adds nothing.
func TestRegisterRefusesACatalogueMissingAKeyInOneLanguageOrRedefiningOne(t *testing.T) {
	cat := func(zh, en string) fstest.MapFS {
		return fstest.MapFS{"locales/zh-CN/x.json": {Data: []byte(zh)}, "locales/en/x.json": {Data: []byte(en)}}
	}
	for name, fsys := range map[string]fstest.MapFS{
		"only in zh":    cat(`{"regtest.a":"甲","regtest.b":"乙"}`, `{"regtest.a":"A"}`),
		"only in en":    cat(`{"regtest.a":"甲"}`, `{"regtest.a":"A","regtest.b":"B"}`),
		"placeholders":  cat(`{"regtest.a":"%d 个"}`, `{"regtest.a":"some"}`),
		"defined twice": cat(`{"regtest.a":"甲","nav.home":"首页"}`, `{"regtest.a":"A","nav.home":"Home"}`),
	} {
		if err := register(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if Has("regtest.a") {
			t.Fatalf("%s: a refused catalogue added its keys", name)
		}
	}
	if err := register(cat(`{"regtest.ok":"好 %s"}`, `{"regtest.ok":"fine %s"}`)); err != nil {
		t.Fatal(err)
	}
	if got := T(EN, "regtest.ok", "x"); got != "fine x" {
		t.Fatalf("registered key: %q", got)
	}
}
