package web

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/errs"
)

// Paging defaults shared by every list, HTML and API.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ListQuery is the paging and keyword part of a list request
// (?page=2&size=50&q=…).
type ListQuery struct {
	Page, Size int
	Q          string
}

// listQuery parses paging from the URL; bad values fall back to defaults.
func ListQueryOf(r *http.Request) ListQuery {
	q := r.URL.Query()
	lq := ListQuery{Page: 1, Size: DefaultPageSize, Q: strings.TrimSpace(q.Get("q"))}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		lq.Page = n
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && n > 0 {
		lq.Size = min(n, MaxPageSize)
	}
	return lq
}

// wantsXLSX reports whether a list request asks for the Excel export.
func WantsXLSX(r *http.Request) bool { return r.URL.Query().Get("format") == "xlsx" }

// Pager is the pagination bar of a list page.
type Pager struct {
	Page, Size, Total, Pages int
	query                    url.Values
	path                     string
}

func NewPager(r *http.Request, lq ListQuery, total int) Pager {
	pages := int(math.Ceil(float64(total) / float64(lq.Size)))
	if pages < 1 {
		pages = 1
	}
	return Pager{Page: lq.Page, Size: lq.Size, Total: total, Pages: pages, query: r.URL.Query(), path: r.URL.Path}
}

// URL returns the list's URL for another page, keeping the filters.
func (p Pager) URL(page int) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	return p.path + "?" + q.Encode()
}

// ExportURL returns the list's URL for the Excel export with the same filters.
func (p Pager) ExportURL() string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Del("page")
	q.Set("format", "xlsx")
	return p.path + "?" + q.Encode()
}

// HasPrev and HasNext tell the template which links to show.
func (p Pager) HasPrev() bool { return p.Page > 1 }
func (p Pager) HasNext() bool { return p.Page < p.Pages }

// pathID parses a numeric path value such as {id}; a bad one is NotFound.
func PathID(r *http.Request, name, entity string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotFoundf(entity)
	}
	return id, nil
}

// formInt64 parses an optional integer form or query value; "" is 0. A bad
// value is recorded as a field error.
func FormInt64(f *errs.Fields, vals url.Values, field string) int64 {
	s := strings.TrimSpace(vals.Get(field))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f.Add(field, "field.bad_number")
		return 0
	}
	return n
}

// formInt64s parses repeated integer values (multi-selects).
func FormInt64s(f *errs.Fields, vals url.Values, field string) []int64 {
	var out []int64
	for _, s := range vals[field] {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.Add(field, "field.bad_number")
			continue
		}
		out = append(out, n)
	}
	return out
}

// formFloat parses an optional float; "" is nil.
func FormFloat(f *errs.Fields, vals url.Values, field string) *float64 {
	s := strings.TrimSpace(vals.Get(field))
	if s == "" {
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		f.Add(field, "field.bad_number")
		return nil
	}
	return &x
}

// formBool reads a checkbox.
func FormBool(vals url.Values, field string) bool {
	switch vals.Get(field) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// queryBool reads an optional yes/no filter; "" is nil.
func QueryBool(vals url.Values, field string) *bool {
	switch vals.Get(field) {
	case "1", "true", "yes":
		b := true
		return &b
	case "0", "false", "no":
		b := false
		return &b
	}
	return nil
}

// decodeJSON reads a JSON request body (at most 1 MiB) into v; unknown
// fields are refused so typos do not pass silently.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.E(errs.Invalid, "err.bad_json")
	}
	return nil
}

// MaxFormBytes caps a form body: six photos of 10 MB and the fields.
const MaxFormBytes = 64 << 20

// parseForm parses a form body (urlencoded, or multipart up to MaxFormBytes
// with at most 8 MB held in memory). Parsing twice is harmless.
func ParseForm(r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, MaxFormBytes)
	ct := r.Header.Get("Content-Type")
	var err error
	if strings.HasPrefix(ct, "multipart/") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.E(errs.Invalid, "err.form_too_large", MaxFormBytes>>20)
		}
		return errs.E(errs.Invalid, "err.invalid_form")
	}
	return nil
}

// apiList is the envelope of every paged API list.
type apiList[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

func NewAPIList[T any](items []T, total int, lq ListQuery) apiList[T] {
	if items == nil {
		items = []T{}
	}
	return apiList[T]{Items: items, Total: total, Page: lq.Page, Size: lq.Size}
}
