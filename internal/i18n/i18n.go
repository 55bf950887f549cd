// Package i18n holds wenming's message catalogues (zh-CN first, English
// complete) and picks a language for a request. Catalogues are JSON files
// embedded from locales/<lang>/*.json, one file per capability, so each
// capability owns its words; a test proves both languages have the same keys.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Lang is a supported language tag.
type Lang string

const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs lists the supported languages, default first.
var Langs = []Lang{ZH, EN}

//go:embed locales
var localeFS embed.FS

var catalogues = map[Lang]map[string]string{}

func init() {
	if err := register(localeFS); err != nil {
		panic(err)
	}
}

// Register adds a capability's own catalogues, fsys holding
// locales/<lang>/*.json like this package's; a web package calls it from
// its init, so its words live beside its handlers. Both languages must
// have the same keys with the same placeholders, and no key may be
// defined twice across the product: a broken catalogue stops the start.
func Register(fsys fs.FS) {
	if err := register(fsys); err != nil {
		panic(err)
	}
}

func register(fsys fs.FS) error {
	parts := map[Lang]map[string]string{}
	for _, l := range Langs {
		m, err := load(fsys, l)
		if err != nil {
			return err
		}
		parts[l] = m
	}
	for k, zh := range parts[ZH] {
		en, ok := parts[EN][k]
		if !ok {
			return fmt.Errorf("i18n: key %q missing in %s", k, EN)
		}
		if a, b := strings.Count(zh, "%"), strings.Count(en, "%"); a != b {
			return fmt.Errorf("i18n: key %q: %s has %d placeholders, %s %d", k, ZH, a, EN, b)
		}
	}
	for k := range parts[EN] {
		if _, ok := parts[ZH][k]; !ok {
			return fmt.Errorf("i18n: key %q missing in %s", k, ZH)
		}
	}
	for _, l := range Langs {
		for k := range parts[l] {
			if _, dup := catalogues[l][k]; dup {
				return fmt.Errorf("i18n %s: key %q defined twice", l, k)
			}
		}
	}
	for _, l := range Langs {
		if catalogues[l] == nil {
			catalogues[l] = map[string]string{}
		}
		for k, v := range parts[l] {
			catalogues[l][k] = v
		}
	}
	return nil
}

func load(fsys fs.FS, l Lang) (map[string]string, error) {
	dir := "locales/" + string(l)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, e := range entries {
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("i18n %s/%s: %w", l, e.Name(), err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("i18n %s: key %q defined twice (%s)", l, k, e.Name())
			}
			m[k] = v
		}
	}
	return m, nil
}

// Keys returns the sorted keys of a language's catalogue.
func Keys(l Lang) []string {
	ks := make([]string, 0, len(catalogues[l]))
	for k := range catalogues[l] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Has reports whether the key exists in the default catalogue.
func Has(key string) bool { _, ok := catalogues[ZH][key]; return ok }

// Parse returns the supported language for a tag, or "" when unsupported.
func Parse(tag string) Lang {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "":
		return ""
	case strings.HasPrefix(tag, "zh"):
		return ZH
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return EN
	}
	return ""
}

// FromAcceptLanguage picks the best supported language from an
// Accept-Language header, or "" when none matches.
func FromAcceptLanguage(h string) Lang {
	best, bestQ := Lang(""), -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := Parse(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// Key is a message key passed as an argument of another message; T
// translates it (so "err.not_found" can name "entity.region"). Plain string
// arguments are never translated, so a user's input can't turn into a word.
type Key string

// T translates key in language l. A missing key falls back to Chinese,
// then to the key itself.
func T(l Lang, key string, args ...any) string {
	msg, ok := catalogues[l][key]
	if !ok {
		if msg, ok = catalogues[ZH][key]; !ok {
			msg = key
		}
	}
	if len(args) == 0 {
		return msg
	}
	for i, a := range args {
		if k, ok := a.(Key); ok {
			args[i] = T(l, string(k))
		}
	}
	return fmt.Sprintf(msg, args...)
}

// Name returns the display name of a language in itself.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "中文"
}
