// Package errs is wenming's one error vocabulary. Every capability returns
// *Error values (or wraps them with %w); the HTTP layers map a Code to a
// status and translate the message key into the user's language. Anything
// that is not an *Error is an internal error: it is logged and the user sees
// a generic message.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/wenming-city/wenming/internal/i18n"
)

// Code classifies an error for callers and for the HTTP status.
type Code string

const (
	Invalid      Code = "invalid"      // bad input; nothing was changed
	NotFound     Code = "not_found"    // missing, or outside the caller's data scope
	Conflict     Code = "conflict"     // duplicate or stale state
	Unauthorized Code = "unauthorized" // not logged in, or bad credentials
	Forbidden    Code = "forbidden"    // logged in, but the role lacks the permission
	TooMany      Code = "too_many"     // throttled or locked
	TooLarge     Code = "too_large"    // the request body is over its limit; nothing was read into the store
	Internal     Code = "internal"     // a bug or an unavailable dependency
)

// Error is a domain error. Key names a message in the i18n catalogue; Args
// fill its placeholders. Fields holds per-field message keys for forms.
type Error struct {
	Code   Code
	Key    string
	Args   []any
	Fields map[string]FieldError
	// RetryAfter is how long a throttled caller (TooMany) should wait
	// before trying again; zero when unknown.
	RetryAfter time.Duration
}

// Wait returns a TooMany error that tells the caller to retry after d.
func Wait(d time.Duration, key string, args ...any) *Error {
	e := E(TooMany, key, args...)
	e.RetryAfter = d
	return e
}

// FieldError is one form field's message key and its arguments.
type FieldError struct {
	Key  string
	Args []any
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Key)
	if len(e.Args) > 0 {
		s += fmt.Sprint(e.Args)
	}
	for _, f := range slices.Sorted(maps.Keys(e.Fields)) {
		s += fmt.Sprintf(" [%s: %s]", f, e.Fields[f].Key)
	}
	return s
}

// E builds an error with a code, a message key and its arguments.
func E(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// CodeOf returns the code of the first *Error in err's chain, Internal
// otherwise, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Fields collects per-field validation failures. The zero value is ready.
type Fields struct {
	m     map[string]FieldError
	order []string
}

// Add records a message for a field; the first message per field wins.
func (f *Fields) Add(field, key string, args ...any) {
	if f.m == nil {
		f.m = map[string]FieldError{}
	}
	if _, ok := f.m[field]; ok {
		return
	}
	f.m[field] = FieldError{Key: key, Args: args}
	f.order = append(f.order, field)
}

// Check adds the message when cond is false.
func (f *Fields) Check(cond bool, field, key string, args ...any) {
	if !cond {
		f.Add(field, key, args...)
	}
}

// Has reports whether the field has a message.
func (f *Fields) Has(field string) bool { _, ok := f.m[field]; return ok }

// Err returns an Invalid error with the fields, or nil when there are none.
func (f *Fields) Err() error {
	if len(f.m) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "err.invalid_form", Fields: f.m}
}

// NotFoundf is the common "no such thing (or not yours to see)" error;
// what is the message key of the thing, e.g. "entity.region".
func NotFoundf(what string) *Error { return E(NotFound, "err.not_found", i18n.Key(what)) }
