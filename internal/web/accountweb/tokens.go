package accountweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// Machine API tokens: issued by an admin to a client for a user, shown once,
// revoked at will. Lists never carry the secret (only its hash is stored).

// tokenState is "active", "expired" or "revoked".
func tokenState(t account.Token, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !t.ExpiresAt.After(now):
		return "expired"
	}
	return "active"
}

type tokenRow struct {
	account.Token
	State string
}

type tokenListData struct {
	Rows  []tokenRow
	Pager web.Pager
}

// tokensMatching lists the machine tokens whose name or user contain the keyword.
func (s *Server) tokensMatching(r *http.Request, q string) ([]account.Token, error) {
	toks, err := s.accounts.ListTokens(r.Context(), web.Principal(r))
	return web.Matching(toks, q, func(t account.Token) []string { return []string{t.Name, t.Username} }), err
}

func (s *Server) tokenListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "tokens.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	toks, err := s.tokensMatching(r, lq.Q)
	if err != nil {
		return nil, err
	}
	d := &tokenListData{Pager: web.NewPager(r, lq, len(toks))}
	now := s.Now()
	for _, t := range web.PageOf(toks, lq) {
		d.Rows = append(d.Rows, tokenRow{Token: t, State: tokenState(t, now)})
	}
	v.Data = d
	return v, nil
}

func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) error {
	if web.WantsXLSX(r) {
		return s.tokenExport(w, r)
	}
	return s.Show(w, r, "token_list", func() (*web.View, error) { return s.tokenListView(w, r) })
}

func (s *Server) tokenExport(w http.ResponseWriter, r *http.Request) error {
	toks, err := s.tokensMatching(r, web.ListQueryOf(r).Q)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "token.field.name"), Width: 24},
		{Header: i18n.T(l, "token.field.user_id"), Width: 16},
		{Header: i18n.T(l, "tokens.col.created"), Width: 18},
		{Header: i18n.T(l, "token.field.expires_at"), Width: 18},
		{Header: i18n.T(l, "tokens.col.last_used"), Width: 18},
		{Header: i18n.T(l, "tokens.col.revoked"), Width: 18},
		{Header: i18n.T(l, "tokens.col.state"), Width: 10},
	}
	now := s.Now()
	rows := make([][]any, 0, len(toks))
	for _, t := range toks {
		rows = append(rows, []any{t.Name, t.Username, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt,
			i18n.T(l, "tokens.state."+tokenState(t, now))})
	}
	return export.ServeXLSX(w, i18n.T(l, "tokens.export_name"), s.Now(), cols, rows)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.token")
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeToken(r.Context(), web.Principal(r), id); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return err
		}
		v, verr := s.tokenListView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "token_list", v, err)
	}
	return s.Redirect(w, r, "/tokens", "tokens.revoked")
}

// ---- issue ----

type tokenNewData struct {
	Users []web.Choice
}

type tokenIssuedData struct {
	Secret, Name, Username string
	ExpiresAt              *time.Time
}

func (s *Server) tokenFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "tokens.new_title")
	d := &tokenNewData{}
	if p.Can(auth.PermUserView) {
		act := true
		users, _, err := s.accounts.ListUsers(r.Context(), p, account.UserFilter{Active: &act, Sort: "username", Size: account.ExportAll})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			d.Users = append(d.Users, web.Choice{Value: web.I64s(u.ID), Label: u.Username + " · " + u.DisplayName})
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) tokenNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermTokenManage); err != nil {
		return err
	}
	return s.Show(w, r, "token_new", func() (*web.View, error) { return s.tokenFormView(w, r) })
}

// issueToken checks the parts the service cannot (a chosen user, a date)
// and issues the token; a user outside the caller's scope is a bad choice.
func (s *Server) issueToken(r *http.Request, userID int64, name string, expires *time.Time, f *errs.Fields) (int64, string, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return 0, "", err
	}
	f.Check(userID != 0, "user_id", "field.required")
	f.Check(strings.TrimSpace(name) != "", "name", "field.required")
	if err := f.Err(); err != nil {
		return 0, "", err
	}
	id, secret, err := s.accounts.IssueMachineToken(r.Context(), p, userID, name, expires)
	if errs.Is(err, errs.NotFound) {
		var uf errs.Fields
		uf.Add("user_id", "field.bad_choice")
		return 0, "", uf.Err()
	}
	return id, secret, err
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermTokenManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var f errs.Fields
	userID := web.FormInt64(&f, r.PostForm, "user_id")
	var expires *time.Time
	if day := web.ParseDay(&f, "expires", r.PostFormValue("expires")); day != nil {
		expires = web.EndOfDay(*day)
	}
	name := r.PostFormValue("name")
	_, secret, err := s.issueToken(r, userID, name, expires, &f)
	if err != nil {
		v, verr := s.tokenFormView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "token_new", v, err)
	}
	d := &tokenIssuedData{Secret: secret, Name: strings.TrimSpace(name), ExpiresAt: expires}
	v, err := s.tokenFormView(w, r)
	if err != nil {
		return err
	}
	for _, u := range v.Data.(*tokenNewData).Users {
		if u.Value == web.I64s(userID) {
			d.Username = u.Label
		}
	}
	v.Title = v.T("tokens.issued_title")
	v.Data = d
	s.Render(w, r, http.StatusOK, "token_issued", v)
	return nil
}

// ---- API ----

type tokenJSON struct {
	ID         int64   `json:"id"`
	UserID     int64   `json:"user_id"`
	Username   string  `json:"username"`
	Name       string  `json:"name"`
	State      string  `json:"state"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  *string `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
}

func tokenJSONOf(t account.Token, now time.Time) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, Username: t.Username, Name: t.Name, State: tokenState(t, now),
		CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), ExpiresAt: web.RFC3339(t.ExpiresAt), LastUsedAt: web.RFC3339(t.LastUsedAt), RevokedAt: web.RFC3339(t.RevokedAt)}
}

type tokenBody struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	ExpiresAt string `json:"expires_at"`
}

func (s *Server) tokenAPIRoutes() {
	props := map[string]any{"id": web.Integer(), "user_id": web.Integer(), "username": web.Str(), "name": web.Str(),
		"state":      map[string]any{"type": "string", "enum": []string{"active", "expired", "revoked"}},
		"created_at": web.DateTime(), "expires_at": web.DateTime(), "last_used_at": web.DateTime(), "revoked_at": web.DateTime()}
	token := web.Obj(props)
	issued := map[string]any{"token": map[string]any{"type": "string", "description": "the secret, shown only in this answer"}}
	for k, v := range props {
		issued[k] = v
	}
	s.API("GET /api/v1/tokens", web.APIDoc{
		Summary: "Machine API tokens of users in the caller's scope, newest first; never the secret (needs token.manage)", Tag: "tokens",
		Params: web.PagingParams, Response: web.ListOf(token), Extra: map[int]string{403: "the role lacks token.manage"},
	}, s.apiTokenList)
	s.API("POST /api/v1/tokens", web.APIDoc{
		Summary: "Issue a machine token for a user to a named client; the secret is returned once (needs token.manage)", Tag: "tokens",
		Body: web.Obj(map[string]any{"user_id": web.Integer(), "name": web.Str(),
			"expires_at": map[string]any{"type": "string", "description": "optional: YYYY-MM-DD (valid through that day) or an RFC 3339 time"}},
			"user_id", "name"),
		Response: web.Obj(issued), Status: http.StatusCreated,
		Extra: map[int]string{400: "invalid input, with field messages", 403: "the role lacks token.manage"},
	}, s.apiTokenCreate)
	s.API("DELETE /api/v1/tokens/{id}", web.APIDoc{
		Summary: "Revoke a token (needs token.manage)", Tag: "tokens", Status: http.StatusNoContent,
		Extra: map[int]string{403: "the role lacks token.manage", 404: "no such token in the caller's scope", 409: "already revoked"},
	}, s.apiTokenRevoke)
}

func (s *Server) apiTokenList(w http.ResponseWriter, r *http.Request) error {
	lq := web.ListQueryOf(r)
	toks, err := s.tokensMatching(r, lq.Q)
	if err != nil {
		return err
	}
	now := s.Now()
	items := make([]tokenJSON, 0, len(toks))
	for _, t := range web.PageOf(toks, lq) {
		items = append(items, tokenJSONOf(t, now))
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, len(toks), lq))
	return nil
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermTokenManage); err != nil {
		return err
	}
	var b tokenBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	var f errs.Fields
	var expires *time.Time
	if e := strings.TrimSpace(b.ExpiresAt); e != "" {
		if t, err := time.Parse(time.RFC3339, e); err == nil {
			expires = &t
		} else if day := web.ParseDay(&f, "expires_at", e); day != nil {
			expires = web.EndOfDay(*day)
		}
	}
	id, secret, err := s.issueToken(r, b.UserID, b.Name, expires, &f)
	if err != nil {
		if e := errs.As(err); e != nil && e.Fields != nil {
			if fe, ok := e.Fields["expires"]; ok { // the service's name for the field
				delete(e.Fields, "expires")
				e.Fields["expires_at"] = fe
			}
		}
		return err
	}
	toks, err := s.accounts.ListTokens(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID == id {
			w.Header().Set("Cache-Control", "no-store")
			web.WriteJSON(w, http.StatusCreated, struct {
				tokenJSON
				Token string `json:"token"`
			}{tokenJSONOf(t, s.Now()), secret})
			return nil
		}
	}
	return errs.NotFoundf("entity.token")
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.token")
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeToken(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
