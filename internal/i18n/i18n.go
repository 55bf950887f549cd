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
	for _, l := range Langs {
		m, err := load(l)
		if err != nil {
			panic(err)
		}
		catalogues[l] = m
	}
}

func load(l Lang) (map[string]string, error) {
	dir := "locales/" + string(l)
	entries, err := fs.ReadDir(localeFS, dir)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, e := range entries {
		b, err := localeFS.ReadFile(path.Join(dir, e.Name()))
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
