package web

import (
	"encoding/json"
	"net/http"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// statusOf maps an error code to an HTTP status.
func statusOf(code errs.Code) int {
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
	}
	return http.StatusInternalServerError
}

// message translates an error for the user; internal errors are logged and
// shown as a generic message, never with their text.
func (s *Server) message(r *http.Request, err error) (errs.Code, string, map[string]string) {
	e := errs.As(err)
	l := lang(r)
	if e == nil || e.Code == errs.Internal {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
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
	code, msg, fields := s.message(r, err)
	status := statusOf(code)
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.Message, body.Error.Fields = code, msg, fields
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wenming"`)
		}
		writeJSON(w, status, body)
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	v := s.view(w, r, "err.title")
	v.ErrorMsg = msg
	v.Data = map[string]any{"Status": status}
	s.render(w, r, status, "error", v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
