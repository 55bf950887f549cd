package web

import (
	"bytes"
	"embed"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/clock"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/pii"
)

//go:embed all:templates
var templateFS embed.FS

// templates holds one parsed template set per page: the layout, the core's
// partials (files starting with "_"), the page's module's partials and the
// page's own file.
type templates struct {
	pages map[string]*template.Template
}

// templateFiles reads the layout and partials (shared) and the pages of a
// template file system.
func templateFiles(fsys fs.FS) (shared string, pages map[string]string, err error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	pages = map[string]string{}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".html") {
			continue
		}
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", nil, err
		}
		switch {
		case n == "layout.html":
			b.WriteString(`{{define "layout.html"}}` + string(data) + `{{end}}`)
		case strings.HasPrefix(n, "_"):
			b.Write(data)
		default:
			pages[strings.TrimSuffix(n, ".html")] = string(data)
		}
	}
	return b.String(), pages, nil
}

func loadTemplates(funcs template.FuncMap, modules []Module) (*templates, error) {
	for _, m := range modules {
		for k, f := range m.Funcs {
			if _, dup := funcs[k]; dup {
				return nil, fmt.Errorf("template function %q defined twice", k)
			}
			funcs[k] = f
		}
	}
	core, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	base, corePages, err := templateFiles(core)
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	add := func(shared string, pages map[string]string) error {
		// The layout and partials are parsed once per module; each page
		// gets its own copy of them (Clone) so the pages' "content" blocks
		// do not overwrite each other.
		common, err := template.New("").Funcs(funcs).Parse(base + shared)
		if err != nil {
			return fmt.Errorf("templates layout and partials: %w", err)
		}
		for name, page := range pages {
			if _, dup := t.pages[name]; dup {
				return fmt.Errorf("template %s: two pages of that name", name)
			}
			set, err := common.Clone()
			if err != nil {
				return fmt.Errorf("template %s: %w", name, err)
			}
			if _, err := set.New(name).Parse(page); err != nil {
				return fmt.Errorf("template %s: %w", name, err)
			}
			if set.Lookup("content") == nil {
				return fmt.Errorf("template %s: no \"content\" block", name)
			}
			t.pages[name] = set
		}
		return nil
	}
	if err := add("", corePages); err != nil {
		return nil, err
	}
	for _, m := range modules {
		if m.Templates == nil {
			continue
		}
		fsys, err := fs.Sub(m.Templates, "templates")
		if err != nil {
			return nil, err
		}
		shared, pages, err := templateFiles(fsys)
		if err != nil {
			return nil, err
		}
		if err := add(shared, pages); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":  func(name string) string { return s.assets.URL(name) },
		"add":    func(a, b int) int { return a + b },
		"mask":   pii.MaskPhone,
		"join":   strings.Join,
		"i64":    func(n int64) string { return strconv.FormatInt(n, 10) },
		"indent": Indent,
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// View is what every page template receives.
type View struct {
	Title    string // translated
	Lang     i18n.Lang
	P        *auth.Principal
	CSRF     string
	Flash    string
	ErrorMsg string            // the message above a form or on the error page
	Errors   map[string]string // field → translated message
	Form     url.Values        // submitted values, to fill the form again
	Data     any
	Path     string
	Query    url.Values
	Nav      []NavItem
	Version  string
	Demo     bool
	// BodyClass is the page's <body> class ("" for none): a page's own
	// frame, such as the cockpit's big screen or a one-page printout.
	BodyClass string
}

// T translates a key in the page's language.
func (v *View) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// Err returns the message for a field ("" when none).
func (v *View) Err(field string) string { return v.Errors[field] }

// Val returns the submitted value of a field.
func (v *View) Val(field string) string { return v.Form.Get(field) }

// Vals returns all submitted values of a field.
func (v *View) Vals(field string) []string { return v.Form[field] }

// Has reports whether a field has the value (for checkboxes and multi-selects).
func (v *View) Has(field, value string) bool {
	for _, x := range v.Form[field] {
		if x == value {
			return true
		}
	}
	return false
}

// escapeHTML is html.EscapeString with a fast path for text that has
// nothing to escape, which is nearly all of it (html.EscapeString runs a
// general replacer over every byte; a page escapes hundreds of labels).
func EscapeHTML(s string) string {
	if !strings.ContainsAny(s, `<>&'"`) {
		return s
	}
	return html.EscapeString(s)
}

// Options renders the <option> elements of a select box for the form
// field, marking the submitted values selected. It is the same markup as
// ranging over opts in the template, written in one call: the queue's
// filters list hundreds of units and regions, and evaluating the template
// per option was most of the page's time.
// opts is a []option or a []choice (of which only Value and Label count).
func (v *View) Options(field string, opts any) template.HTML {
	var b strings.Builder
	b.Grow(optionsSize(opts))
	v.writeOptions(&b, field, opts)
	return template.HTML(b.String())
}

// GroupOptions renders a select's options under their groups (an
// <optgroup> each), as Options does; with whole set, each group first
// offers itself, for a filter that may pick a whole group.
func (v *View) GroupOptions(field string, groups []CatGroup, whole bool) template.HTML {
	var b strings.Builder
	n := 0
	for _, g := range groups {
		n += 2*len(g.Label) + 96 + optionsSize(g.Items)
	}
	b.Grow(n)
	for _, g := range groups {
		b.WriteString(`<optgroup label="`)
		b.WriteString(EscapeHTML(g.Label))
		b.WriteString(`">`)
		if whole {
			v.writeOptions(&b, field, []Option{{g.Value, v.T("woweb.whole_group", g.Label)}})
		}
		v.writeOptions(&b, field, g.Items)
		b.WriteString("</optgroup>")
	}
	return template.HTML(b.String())
}

// optionMarkup is the markup around each option's value and label.
const optionMarkup = len(`<option value="" selected></option>`)

// optionsSize is about what Options writes for opts, so that its buffer
// is allocated once (growing it by doubling was most of its time).
func optionsSize(opts any) int {
	n := 0
	for value, label := range optionPairs(opts) {
		n += len(value) + len(label) + optionMarkup
	}
	return n
}

func (v *View) writeOptions(b *strings.Builder, field string, opts any) {
	for value, label := range optionPairs(opts) {
		b.WriteString(`<option value="`)
		b.WriteString(EscapeHTML(value))
		b.WriteByte('"')
		if v.Has(field, value) {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(EscapeHTML(label))
		b.WriteString("</option>")
	}
}

// optionPairs yields the value and label of each of opts, a []option or a
// []choice (of which only Value and Label count).
func optionPairs(opts any) iter.Seq2[string, string] {
	return func(yield func(value, label string) bool) {
		switch os := opts.(type) {
		case []Option:
			for _, o := range os {
				if !yield(o.Value, o.Label) {
					return
				}
			}
		case []Choice:
			for _, o := range os {
				if !yield(o.Value, o.Label) {
					return
				}
			}
		default:
			panic(fmt.Sprintf("View.Options: %T is not a list of options", opts))
		}
	}
}

// Can reports whether the viewer holds a permission.
func (v *View) Can(perm string) bool { return v.P.Can(auth.Perm(perm)) }

// Time formats a time the Chinese way (2026-11-29 14:05) in local time.
func (v *View) Time(t any) string {
	switch x := t.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(clock.CST).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return v.T("time.never")
		}
		return x.In(clock.CST).Format("2006-01-02 15:04")
	}
	return ""
}

// Date formats a date as 2026-11-29.
func (v *View) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.CST).Format("2006-01-02")
}

// Num formats an integer with thousands separators (600,000).
func (v *View) Num(n any) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Name picks the Chinese or English name of a thing with both.
func (v *View) Name(zh, en string) string { return LocalName(v.Lang, zh, en) }

// LocalName is a name kept in both languages (a unit, a region, a
// category) in l: the English one in English when there is one.
func LocalName(l i18n.Lang, zh, en string) string {
	if l == i18n.EN && en != "" {
		return en
	}
	return zh
}

// NavItem is an entry of the side menu.
type NavItem struct {
	Label, Href string
	Active      bool
	Group       string
}

// Menu renders the menu's items, each group's heading before its first
// item and the current page marked; in Go for the reason given at
// View.Options (it is on every page).
func (v *View) Menu() template.HTML {
	var b strings.Builder
	b.Grow(len(v.Nav) * 80)
	group := ""
	for _, it := range v.Nav {
		if it.Group != "" && it.Group != group {
			group = it.Group
			b.WriteString(`<li class="nav-group">`)
			b.WriteString(EscapeHTML(group))
			b.WriteString("</li>")
		}
		b.WriteString(`<li><a href="`)
		b.WriteString(EscapeHTML(it.Href))
		b.WriteByte('"')
		if it.Active {
			b.WriteString(` aria-current="page" class="active"`)
		}
		b.WriteByte('>')
		b.WriteString(EscapeHTML(it.Label))
		b.WriteString("</a></li>\n")
	}
	return template.HTML(b.String())
}

// view starts a View for a request; title is an i18n key.
func (s *Server) View(w http.ResponseWriter, r *http.Request, title string) *View {
	info := infoOf(r)
	v := &View{
		Lang: info.Lang, P: info.P, CSRF: info.CSRF, Path: r.URL.Path, Query: r.URL.Query(),
		Version: s.Config.Version, Demo: s.Config.Demo, Form: url.Values{},
	}
	v.Title = v.T(title)
	if w != nil {
		v.Flash = s.takeFlash(w, r)
	}
	v.Nav = s.Nav(v)
	return v
}

// nav builds the menu from the modules' entries the viewer may open.
func (s *Server) Nav(v *View) []NavItem {
	if v.P == nil {
		return nil
	}
	var out []NavItem
	for _, e := range s.menu {
		if e.Perm != "" && !v.P.Can(e.Perm) {
			continue
		}
		active := v.Path == e.Href || (e.Href != "/" && strings.HasPrefix(v.Path, e.Href+"/") && v.Path != "/orders/new")
		g := ""
		if e.Group != "" {
			g = v.T(e.Group)
		}
		out = append(out, NavItem{Label: v.T(e.Key), Href: e.Href, Active: active, Group: g})
	}
	return out
}

// pageBuffers keeps the buffers pages are rendered into: growing a fresh
// one to a 40 KB queue page, clearing each new slice, cost as much as a
// sixth of the page's rendering.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPageBuffer returns buf to the pool, unless one large page made it
// too big to keep.
func putPageBuffer(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 {
		return
	}
	buf.Reset()
	pageBuffers.Put(buf)
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	t, ok := s.tmpl.pages[page]
	if !ok {
		s.Log.Error("unknown page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", v); err != nil {
		s.Log.Error("render", "page", page, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(i18n.T(v.Lang, "err.internal")))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// No page shows bidirectional controls, whenever and however the text
	// was stored: they could reorder what a citizen's text appears to say.
	w.Write(inputtext.StripBidiBytes(buf.Bytes()))
}

// formFailed re-renders a form with the error's field messages when err is a
// validation or conflict error, and returns nil; any other error is
// returned for fail. The form keeps what the user typed.
func (s *Server) FormFailed(w http.ResponseWriter, r *http.Request, page string, v *View, err error) error {
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict && code != errs.TooMany && code != errs.Unauthorized {
		return err
	}
	_, msg, fields := s.Message(r, err)
	v.ErrorMsg, v.Errors = msg, fields
	if r.PostForm != nil {
		v.Form = r.PostForm
	}
	if code == errs.TooMany {
		w.Header().Set("Retry-After", retryAfter(err))
	}
	s.Render(w, r, StatusOf(code), page, v)
	return nil
}

// redirect sends the browser to path with a flash message key.
// RedirectWith is Redirect with a flash message that names texts, such as
// "已派单至 %s" with the unit's name (each text at most 200 bytes).
func (s *Server) RedirectWith(w http.ResponseWriter, r *http.Request, path, flashKey string, args ...string) error {
	for i, a := range args {
		a = strings.ReplaceAll(a, flashSep, " ")
		for len(a) > 200 {
			_, n := utf8.DecodeLastRuneInString(a)
			a = a[:len(a)-n]
		}
		args[i] = a
	}
	return s.Redirect(w, r, path, strings.Join(append([]string{flashKey}, args...), flashSep))
}

func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, path, flashKey string) error {
	if flashKey != "" {
		s.setFlash(w, flashKey)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
