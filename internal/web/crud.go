package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
)

// The round trips every list, form and API of a capability repeats, once.

// Show renders the page that view builds (a list, a new or edit form).
func (s *Server) Show(w http.ResponseWriter, r *http.Request, page string, view func() (*View, error)) error {
	v, err := view()
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, page, v)
	return nil
}

// Submit is a form's round trip: parse the form, let save read its input
// (field errors it finds while reading go into fe) and call the service;
// a validation, conflict or limit error shows the form again with every
// field's message and what the user typed; success redirects to the path
// save returns, with the flash message. Any other error goes to Fail.
func (s *Server) Submit(w http.ResponseWriter, r *http.Request, page, flash string, view func() (*View, error),
	save func(vals url.Values, fe *errs.Fields) (string, error)) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	to, err := save(r.PostForm, &fe)
	if err == nil {
		return s.Redirect(w, r, to, flash)
	}
	v, verr := view()
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, page, v, WithFields(fe, err))
}

// Remove deletes with del; a refused delete (still has children, still in
// use) is shown on the record's page with the reason (Refused), success
// redirects to the path with the "deleted" flash.
func (s *Server) Remove(w http.ResponseWriter, r *http.Request, page, to string, view func() (*View, error), del func() error) error {
	if err := del(); err != nil {
		return s.Refused(w, r, page, view, err)
	}
	return s.Redirect(w, r, to, "flash.deleted")
}

// Refused shows page again, built by view, with the reason a step taken
// from it was refused (a conflict or a bad value), at the error's status;
// any other error is returned for Fail.
func (s *Server) Refused(w http.ResponseWriter, r *http.Request, page string, view func() (*View, error), err error) error {
	code := errs.CodeOf(err)
	if code != errs.Conflict && code != errs.Invalid {
		return err
	}
	v, verr := view()
	if verr != nil {
		return verr
	}
	_, v.ErrorMsg, _ = s.Message(r, err)
	s.Render(w, r, StatusOf(code), page, v)
	return nil
}

// ListJSON answers an API list: parse reads the filter and paging from the
// query, list runs it in the caller's scope.
func ListJSON[F, T any](w http.ResponseWriter, r *http.Request, parse func(*http.Request) (F, ListQuery, error),
	list func(context.Context, *auth.Principal, F) ([]T, int, error)) error {
	f, lq, err := parse(r)
	if err != nil {
		return err
	}
	rows, total, err := list(r.Context(), Principal(r), f)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, NewAPIList(rows, total, lq))
	return nil
}

// GetJSON answers an API get with what load finds (in the caller's scope).
func GetJSON[T any](w http.ResponseWriter, r *http.Request, load func(*http.Request) (T, error)) error {
	x, err := load(r)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, x)
	return nil
}

// SaveJSON decodes the body over in (an update starts from the stored
// values, so fields left out keep them) and answers what save returns:
// 201 with its Location when location is given (a create), else 200.
func SaveJSON[In, T any](w http.ResponseWriter, r *http.Request, in In, save func(context.Context, *auth.Principal, In) (T, error),
	location func(T) string) error {
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	x, err := save(r.Context(), Principal(r), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if location != nil {
		w.Header().Set("Location", location(x))
		status = http.StatusCreated
	}
	WriteJSON(w, status, x)
	return nil
}

// DeleteJSON answers an API delete: 204 once del has done it.
func DeleteJSON(w http.ResponseWriter, r *http.Request, del func(context.Context, *auth.Principal) error) error {
	if err := del(r.Context(), Principal(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
