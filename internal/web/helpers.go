package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

// catGroup is a category group with its categories, for a grouped select.
type CatGroup struct {
	Value, Label string // the group itself (a filter may pick a whole group)
	Items        []Choice
}

// choice is one entry of a select box or a group of checkboxes.
type Choice struct {
	Value, Label, Hint string
	Off                bool // an inactive unit, still selectable for existing users
}

// treeChoices turns region or unit options into indented choices in the
// viewer's language.
func TreeChoices(v *View, opts []org.Option) []Choice {
	out := make([]Choice, 0, len(opts))
	for _, o := range opts {
		label := strings.Repeat("\u3000", o.Depth) + v.Name(o.Name, o.NameEN)
		if !o.Active {
			label += " " + v.T("users.inactive_mark")
		}
		out = append(out, Choice{Value: I64s(o.ID), Label: label, Off: !o.Active})
	}
	return out
}

// Indent is the indentation of a tree option at depth: one U+3000 per level,
// which picker.js reads back to show the option's full path.
func Indent(depth int) string { return strings.Repeat("\u3000", max(depth, 0)) }

func I64s(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// parseDay parses an optional YYYY-MM-DD value as the start of that day
// in China Standard Time (the time the pages show, whatever the
// server's zone); "" is nil.
func ParseDay(f *errs.Fields, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, clock.CST)
	if err != nil {
		f.Add(field, "field.bad_date")
		return nil
	}
	return &t
}

// pageOf cuts one page out of a list the service returns whole (roles,
// tokens), so these lists page like every other.
func PageOf[T any](items []T, lq ListQuery) []T {
	start := (lq.Page - 1) * lq.Size
	if start >= len(items) {
		return nil
	}
	return slices.Clone(items[start:min(start+lq.Size, len(items))])
}

// matchQ reports whether any of the texts contains the keyword (case-insensitive).
func matchQ(q string, texts ...string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// Matching keeps the items one of whose texts contains the keyword q
// (matchQ), in order, reusing items' array.
func Matching[T any](items []T, q string, texts func(T) []string) []T {
	out := items[:0]
	for _, x := range items {
		if matchQ(q, texts(x)...) {
			out = append(out, x)
		}
	}
	return out
}

// rfc3339 formats an optional time for the API (nil stays null).
func RFC3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// yesNo is a boolean in the viewer's language, for exports.
func YesNo(l i18n.Lang, b bool) string {
	if b {
		return i18n.T(l, "yes")
	}
	return i18n.T(l, "no")
}

// endOfDay is the last second of a day: a token is valid through the
// whole chosen day.
func EndOfDay(day time.Time) *time.Time {
	t := day.AddDate(0, 0, 1).Add(-time.Second)
	return &t
}

// keepOthers gives the other form on the page its current values when one
// form is shown again with its errors.
func KeepOthers(r *http.Request, v *View) {
	for k, vals := range v.Form {
		if _, ok := r.PostForm[k]; !ok {
			r.PostForm[k] = vals
		}
	}
}

func OrgID(id int64) string { return strconv.FormatInt(id, 10) }

// canManageOrg reports whether the viewer may change the organisation.
func CanManageOrg(p *auth.Principal) bool { return p.Can(auth.PermOrgManage) }

// requireManage is the early permission check of the write routes: a
// reader gets 403 before any input is looked at.
func OrgRequireManage(r *http.Request) error { return auth.Require(Principal(r), auth.PermOrgManage) }

// withFields merges field errors found while reading a form (numbers that
// are not numbers) into a service error, so the user sees every bad field.
func WithFields(parsed errs.Fields, err error) error {
	perr := errs.As(parsed.Err())
	if perr == nil {
		return err
	}
	if e := errs.As(err); e != nil && e.Code == errs.Invalid {
		for k, v := range e.Fields {
			if _, ok := perr.Fields[k]; !ok {
				perr.Fields[k] = v
			}
		}
	}
	return perr
}

// option is one choice of a select.
type Option struct{ Value, Label string }

// queryDate parses an optional YYYY-MM-DD value as the start of that day in
// China Standard Time (the time the pages show); "" is the zero time.
func QueryDate(f *errs.Fields, vals url.Values, field string) time.Time {
	if t := ParseDay(f, field, vals.Get(field)); t != nil {
		return *t
	}
	return time.Time{}
}
