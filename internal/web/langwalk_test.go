package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

// TestEveryPageSpeaksOneLanguage walks, as every demo login and in both
// languages, every page of the menu and the first detail page each list
// links to, and fails on: a catalogue key or a code shown as text
// ("workorder.dispatch"), English words in the labels, headings and buttons
// of a Chinese page, Chinese in those of an English page, and a unit or
// region shown by its Chinese name on an English page when it has an
// English one.
func TestEveryPageSpeaksOneLanguage(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	// Orders in every state, so the queue, the order page, the KPIs and the
	// board have rows to show.
	if _, err := e.App.Orders.GenerateHistory(t.Context(), workorder.HistoryConfig{Orders: 300, Days: 60, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	zhNames := map[string]string{} // Chinese name → English name of units and regions
	var people []string            // staff's names: data in any language
	err := e.App.DB.Read(t.Context(), func(tx *db.Tx) error {
		rows, err := tx.Query(t.Context(), "SELECT display_name FROM users")
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return err
			}
			people = append(people, name)
		}
		rows.Close()
		for _, table := range []string{"regions", "units"} {
			rows, err := tx.Query(t.Context(), "SELECT name, name_en FROM "+table+" WHERE name_en <> ''")
			if err != nil {
				return err
			}
			for rows.Next() {
				var zh, en string
				if err := rows.Scan(&zh, &en); err != nil {
					rows.Close()
					return err
				}
				if len([]rune(zh)) >= 3 { // short names are parts of longer ones
					zhNames[zh] = en
				}
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, login := range demo.Logins() {
		for _, lang := range []string{"zh-CN", "en"} {
			c := e.Login(t, login.Username)
			if lang == "en" {
				c.Lang = "en"
				c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
			}
			home := c.Get("/")
			if home.Status != 200 {
				t.Fatalf("%s %s: home is %d", login.Username, lang, home.Status)
			}
			pages := []string{"/"}
			for _, href := range links(home.Body, "side") {
				if !slices.Contains(pages, href) {
					pages = append(pages, href)
				}
			}
			for i := 0; i < len(pages); i++ {
				path := pages[i]
				res := c.Get(path)
				if res.Status != 200 {
					if res.Status != 303 && res.Status != 302 {
						t.Errorf("%s %s %s: status %d", login.Username, lang, path, res.Status)
					}
					continue
				}
				if !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
					continue
				}
				key := lang + " " + path
				if !seen[key] {
					seen[key] = true
					l := i18n.Parse(lang)
					if l == i18n.EN && isPendingEnglish(path) {
						l = pendingEN
					}
					for _, p := range checkPage(res.Body, l, zhNames, people) {
						t.Errorf("%s (%s) %s: %s", path, login.Username, lang, p)
					}
				}
				// The first detail page of each list (…/123).
				if i < 40 {
					for _, href := range links(res.Body, "main") {
						if detailRe.MatchString(href) && !slices.Contains(pages, href) && !seenPrefix(pages, href) {
							pages = append(pages, href)
						}
					}
				}
			}
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d pages walked: the walk is broken", len(seen))
	}
	t.Logf("%d pages walked", len(seen))
}

// pendingEnglish are the pages of the capabilities that landed in this
// round (issues 11, 12 and 14) whose English pages still show units,
// regions and record names in Chinese: issue 10's "both languages
// complete" is open for them. Codes and English in their Chinese pages are
// still checked; only the two English-page checks are held back here, and
// the list must shrink, not grow.
var pendingEnglish = []string{}

func isPendingEnglish(path string) bool {
	for _, p := range pendingEnglish {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

var detailRe = regexp.MustCompile(`^/[a-z0-9-]+(/[a-z0-9-]+)?/\d+$`)

// seenPrefix reports whether a detail page of the same list is queued.
func seenPrefix(pages []string, href string) bool {
	prefix := href[:strings.LastIndexByte(href, '/')+1]
	for _, p := range pages {
		if strings.HasPrefix(p, prefix) && detailRe.MatchString(p) {
			return true
		}
	}
	return false
}

// links returns the local hrefs inside the element with the id (or the
// <main> element for "main").
func links(body, within string) []string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil
	}
	var out []string
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode {
			if attr(n, "id") == within || (within == "main" && n.Data == "main") {
				in = true
			}
			if in && n.Data == "a" {
				href := attr(n, "href")
				if strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") && !strings.Contains(href, "format=") &&
					!strings.HasPrefix(href, "/static/") && !strings.Contains(href, "/photos/") && !strings.HasSuffix(href, ".pdf") &&
					!strings.HasSuffix(href, "/download") {
					out = append(out, strings.SplitN(href, "#", 2)[0])
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, in)
		}
	}
	walk(doc, false)
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// chrome is where the interface's own words are: the words of a page that
// are not data.
var chrome = map[string]bool{"h1": true, "h2": true, "h3": true, "th": true, "label": true, "button": true,
	"legend": true, "dt": true, "caption": true, "summary": true}

var (
	codeRe = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z0-9]+)*(?:\.[a-z0-9_]+)*\b`)
	// Words that are the same in both languages (product and protocol names).
	sameInBoth = regexp.MustCompile(`YYYY-MM-DD( HH:MM)?|\b(Open311|OpenAPI|API|Excel|PDF|GPS|ID|SMTP|Webhook|HMAC|URL|S3|HTTPS?|CSV|JSON|QR|wenming|SigV4|Token|xlsx|IP|KPI|SVG)\b`)
	englishRun = regexp.MustCompile(`[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}`)
	fileExt    = regexp.MustCompile(`\.(jpe?g|png|webp|heic|com|cn|org|net|xlsx|pdf|json|js|css|html|gov|io)$`)
)

// pendingEN is English with only the code check (see pendingEnglish).
const pendingEN i18n.Lang = "en-pending"

// checkPage lists what is wrong with a page in lang.
func checkPage(body string, lang i18n.Lang, zhNames map[string]string, people []string) []string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var all strings.Builder
	var collect func(n *html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "select" {
			return // a filter's options name everything in both languages
		}
		if n.Type == html.TextNode {
			all.WriteString(n.Data)
			all.WriteByte(' ')
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			collect(ch)
		}
	}
	collect(doc)
	pageText := all.String()
	var problems []string
	report := func(format string, args ...any) {
		p := fmt.Sprintf(format, args...)
		if !slices.Contains(problems, p) && len(problems) < 8 {
			problems = append(problems, p)
		}
	}
	var walk func(n *html.Node, inChrome, skip, record bool)
	walk = func(n *html.Node, inChrome, skip, record bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "script" || n.Data == "style" || n.Data == "code" || n.Data == "pre" || n.Data == "svg":
				return
			case attr(n, "id") == "lang-select" || strings.Contains(attr(n, "class"), "who") || n.Data == "textarea":
				skip = true
			case strings.Contains(attr(n, "class"), "audit-summary"):
				// The audit log's summary is the record as it was written
				// (a unit's name then); its codes are still checked.
				record = true
			case chrome[n.Data]:
				inChrome = true
			}
			// Placeholders and button values are words too.
			for _, a := range []string{"placeholder", "aria-label"} {
				if v := attr(n, a); v != "" && !skip {
					checkText(v, lang, true, report)
				}
			}
		}
		if n.Type == html.TextNode && !skip {
			text := strings.TrimSpace(n.Data)
			if text != "" {
				chromeText := text
				// "User · 赵国强": what follows the separator in a heading is the
				// record's own name, data.
				if i := strings.Index(chromeText, " · "); i >= 0 {
					chromeText = chromeText[:i]
				}
				for _, name := range people {
					chromeText = strings.ReplaceAll(chromeText, name, "")
				}
				checkText(chromeText, lang, inChrome, report)
				if lang == i18n.EN && !record {
					// Longest names first, each taken out of the text once
					// matched, so 市公安局 inside 市公安局交警支队 is not a match.
					rest := text
					for _, zh := range byLength(zhNames) {
						en := zhNames[zh]
						if !strings.Contains(rest, zh) {
							continue
						}
						rest = strings.ReplaceAll(rest, zh, "\x00")
						// A list that shows both names (the admin's regions and
						// units) is right; the Chinese name alone is not.
						if !strings.Contains(pageText, en) {
							report("%q shown by its Chinese name (it has %q)", zh, en)
						}
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, inChrome, skip, record)
		}
	}
	walk(doc, false, false, false)
	return problems
}

// byLength is the names, longest first.
func byLength(names map[string]string) []string {
	out := make([]string, 0, len(names))
	for k := range names {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return out
}

func checkText(text string, lang i18n.Lang, inChrome bool, report func(string, ...any)) {
	for _, m := range codeRe.FindAllString(text, -1) {
		if !fileExt.MatchString(m) && m != "e.g" && m != "i.e" {
			report("a code shown as text: %q in %q", m, clip(text))
		}
	}
	if !inChrome {
		return
	}
	switch lang {
	case i18n.ZH:
		if englishRun.MatchString(sameInBoth.ReplaceAllString(text, "")) {
			report("English in a Chinese page: %q", clip(text))
		}
	case i18n.EN:
		for _, r := range text {
			if unicode.Is(unicode.Han, r) {
				report("Chinese in an English page: %q", clip(text))
				break
			}
		}
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
