package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// statusOf maps an error code to an HTTP status.
func StatusOf(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// message translates an error for the user; internal errors are logged and
// shown as a generic message, never with their text.
func (s *Server) Message(r *http.Request, err error) (errs.Code, string, map[string]string) {
	e := errs.As(err)
	l := Lang(r)
	if e == nil || e.Code == errs.Internal {
		s.Log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		return errs.Internal, i18n.T(l, "err.internal"), nil
	}
	var fields map[string]string
	if len(e.Fields) > 0 {
		fields = make(map[string]string, len(e.Fields))
		for f, fe := range e.Fields {
			fields[f] = i18n.T(l, fe.Key, append([]any(nil), fe.Args...)...)
		}
	}
	return e.Code, i18n.T(l, e.Key, append([]any(nil), e.Args...)...), fields
}

// retryAfter is the Retry-After header of a throttled answer: whole seconds,
// rounded up, from the error's wait (a minute when it does not say).
func retryAfter(err error) string {
	d := time.Minute
	if e := errs.As(err); e != nil && e.RetryAfter > 0 {
		d = e.RetryAfter
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// apiError is the one error shape of the JSON API.
type apiError struct {
	Error struct {
		Code    errs.Code         `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// fail answers a request with an error: JSON under /api/, an error page
// elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg, fields := s.Message(r, err)
	status := StatusOf(code)
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", retryAfter(err))
	}
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.Message, body.Error.Fields = code, msg, fields
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wenming"`)
		}
		WriteJSON(w, status, body)
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+URLQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	v := s.View(w, r, "err.title")
	v.ErrorMsg = msg
	v.Data = map[string]any{"Status": status}
	s.Render(w, r, status, "error", v)
}

func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
