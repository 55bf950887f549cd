package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
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
	x, err := inputtext.Decimal(s)
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

// DecodeJSON reads a JSON request body (at most 1 MiB: more is TooLarge)
// into v; unknown fields are refused so typos do not pass silently. A
// string with a NUL or text that is not UTF-8, a value of the wrong type
// and an unknown field are each a message on that field; bidirectional
// controls are removed from every string (inputtext.StripBidi).
func DecodeJSON(r *http.Request, v any) error {
	body, err := ReadJSONBody(r.Body)
	if err != nil {
		return err
	}
	return DecodeJSONBytes(body, v)
}

// maxJSONBytes caps a JSON request body.
const maxJSONBytes = 1 << 20

// ReadJSONBody reads a JSON body of at most maxJSONBytes.
func ReadJSONBody(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, io.NopCloser(body), maxJSONBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errs.E(errs.TooLarge, "err.form_too_large", maxJSONBytes>>20)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "err.bad_json")
	}
	return b, nil
}

// DecodeJSONBytes decodes one JSON value with known fields only, after
// checking its text (checkJSONText) and removing bidirectional controls.
func DecodeJSONBytes(body []byte, v any) error {
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(stripJSONBidi(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonFieldError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(errs.Invalid, "err.bad_json") // something after the value
	}
	return nil
}

// jsonFieldError turns a decoding error into a message on the field it is
// about (a value of the wrong type, an unknown field), else err.bad_json.
func jsonFieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		key := "err.invalid_value"
		switch te.Type.Kind() {
		case reflect.String:
			key = "field.want_text"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
			reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			key = "field.bad_number"
		case reflect.Bool:
			key = "field.want_bool"
		}
		return fieldError("err.json_type", te.Field, key)
	}
	// DisallowUnknownFields reports `json: unknown field "name"`.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		return fieldError("err.json_unknown", printableName(strings.TrimSuffix(name, `"`)), "field.unknown")
	}
	return errs.E(errs.Invalid, "err.bad_json")
}

// fieldError is an Invalid error whose message (key, with the field's
// name) and field message (fieldKey) both name the field.
func fieldError(key, field, fieldKey string) error {
	return &errs.Error{Code: errs.Invalid, Key: key, Args: []any{field},
		Fields: map[string]errs.FieldError{field: {Key: fieldKey}}}
}

// badText is the error for fields whose text has a NUL byte or is not
// UTF-8: the message names the first field, each field has its message.
func badText(fields []string) error {
	slices.Sort(fields)
	fields = slices.Compact(fields)
	e := &errs.Error{Code: errs.Invalid, Key: "err.bad_text", Args: []any{fields[0]}, Fields: map[string]errs.FieldError{}}
	for _, k := range fields {
		e.Fields[k] = errs.FieldError{Key: "field.bad_text"}
	}
	return e
}

// printableName is a field name fit to show in a message, whatever was sent.
func printableName(k string) string {
	if inputtext.Valid(k) {
		return k
	}
	return strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD")
}

// CheckValues refuses form values (and names) that are not valid text.
func CheckValues(vals url.Values) error {
	var bad []string
	for k, vs := range vals {
		ok := inputtext.Valid(k)
		for _, v := range vs {
			ok = ok && inputtext.Valid(v)
		}
		if !ok {
			bad = append(bad, printableName(k))
		}
	}
	if bad != nil {
		return badText(bad)
	}
	return nil
}

// StripValuesBidi removes bidirectional controls from every value.
func StripValuesBidi(vals url.Values) {
	for _, vs := range vals {
		for i, v := range vs {
			vs[i] = inputtext.StripBidi(v)
		}
	}
}

// checkJSONText refuses a JSON body that has a string (a member's name or
// a value) holding a NUL or text that is not UTF-8 (raw bytes, or a lone
// surrogate escape, which encoding/json would quietly turn into U+FFFD),
// naming the member it is in: "title", or "answers.code" when nested.
// A body that is not JSON at all is left for the decoder to report.
func checkJSONText(body []byte) error {
	type frame struct {
		obj, wantKey bool
		key          string
	}
	var stack []frame
	var bad []string
	dec := json.NewDecoder(bytes.NewReader(body))
	var prev int64
	path := func(extra string) string {
		var parts []string
		for _, f := range stack {
			if f.obj && f.key != "" {
				parts = append(parts, f.key)
			}
		}
		if extra != "" {
			parts = append(parts, extra)
		}
		if len(parts) == 0 {
			return "body"
		}
		return printableName(strings.Join(parts, "."))
	}
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].wantKey, stack[n-1].key = true, ""
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		off := dec.InputOffset()
		raw := body[prev:off]
		prev = off
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			isKey := len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].wantKey
			if isKey {
				if !jsonTextOK(t, raw) {
					bad = append(bad, path(t))
				}
				stack[len(stack)-1].key, stack[len(stack)-1].wantKey = t, false
				continue
			}
			if !jsonTextOK(t, raw) {
				bad = append(bad, path(""))
			}
			valueDone()
		default:
			valueDone()
		}
	}
	if bad != nil {
		return badText(bad)
	}
	return nil
}

// jsonTextOK reports whether a decoded JSON string s, read from raw (its
// literal with what came before it since the last token), is valid text.
func jsonTextOK(s string, raw []byte) bool {
	if strings.IndexByte(s, 0) >= 0 || !utf8.Valid(raw) {
		return false
	}
	// The decoder writes U+FFFD for a lone surrogate escape; one that was
	// not sent as U+FFFD (raw, or as \ufffd) stands for one.
	if n := strings.Count(s, "\uFFFD"); n > 0 {
		sent := bytes.Count(raw, []byte("\uFFFD")) + bytes.Count(bytes.ToLower(raw), []byte(`\ufffd`))
		return n <= sent
	}
	return true
}

// stripJSONBidi removes bidirectional controls from the strings of a JSON
// text (checked by checkJSONText): raw ones and \u escapes of them.
func stripJSONBidi(body []byte) []byte {
	if !bytes.Contains(body, []byte(`\u`)) && !inputtext.HasBidiBytes(body) {
		return body
	}
	out := make([]byte, 0, len(body))
	in := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case !in:
			in = c == '"'
		case c == '"':
			in = false
		case c == '\\' && i+1 < len(body):
			if body[i+1] == 'u' && i+5 < len(body) {
				if r, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 32); err == nil && inputtext.IsBidiControl(rune(r)) {
					i += 5
					continue
				}
			}
			out = append(out, c, body[i+1])
			i++
			continue
		case c == 0xE2 && i+2 < len(body):
			if r, size := utf8.DecodeRune(body[i:]); size == 3 && inputtext.IsBidiControl(r) {
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out
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
			return errs.E(errs.TooLarge, "err.form_too_large", tooBig.Limit>>20)
		}
		return errs.E(errs.Invalid, "err.invalid_form")
	}
	// Every value is text: no NUL, valid UTF-8 (else a message on the
	// field, and the form is not used), no bidirectional controls.
	if err := CheckValues(r.Form); err != nil {
		r.PostForm, r.Form = url.Values{}, url.Values{}
		return err
	}
	StripValuesBidi(r.Form)
	StripValuesBidi(r.PostForm)
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
