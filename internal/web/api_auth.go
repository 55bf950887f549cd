package web

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
)

func (s *Server) apiRoutes() {
	s.PublicAPI("POST /api/v1/auth/login", APIDoc{
		Summary: "Log in with a username and password; returns a bearer token", Tag: "auth",
		Body:     Obj(map[string]any{"username": Str(), "password": Str(), "captcha_id": Str(), "captcha": Str()}, "username", "password"),
		Response: Obj(map[string]any{"token": Str(), "expires_at": DateTime(), "user": ref("Me")}),
		Extra:    map[int]string{400: "invalid input or captcha required", 401: "wrong username or password", 429: "locked after repeated failures"},
	}, s.apiLogin)
	s.PublicAPI("GET /api/v1/auth/captcha", APIDoc{
		Summary: "A new captcha (PNG, base64) for a login that requires one", Tag: "auth",
		Response: Obj(map[string]any{"captcha_id": Str(), "image_png_base64": Str()}),
	}, s.apiCaptcha)
	s.API("POST /api/v1/auth/logout", APIDoc{Summary: "Revoke the bearer token used for this request", Tag: "auth", Status: http.StatusNoContent}, s.apiLogout)
	s.API("GET /api/v1/me", APIDoc{Summary: "The authenticated user, roles, permissions and data scope", Tag: "auth", Response: ref("Me")}, s.apiMe)
	s.PublicAPI("GET /api/v1/openapi.json", APIDoc{Summary: "This OpenAPI 3 document", Tag: "meta", Response: map[string]any{"type": "object"}}, s.openAPI)
}

type loginRequest struct {
	Username  string `json:"username"`
	Password  string `json:"password"`
	CaptchaID string `json:"captcha_id"`
	Captcha   string `json:"captcha"`
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.accounts.Login(r.Context(), account.LoginInput{Username: in.Username, Password: in.Password,
		CaptchaID: in.CaptchaID, CaptchaAnswer: in.Captcha, IP: ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		if res.NeedCaptcha {
			w.Header().Set("X-Captcha-Required", "1")
		}
		return err
	}
	token, exp, err := s.accounts.IssueLoginToken(r.Context(), res.UserID)
	if err != nil {
		return err
	}
	p, err := s.accounts.Principal(r.Context(), res.UserID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"token": token, "expires_at": exp.UTC().Format(time.RFC3339), "user": meOf(p)})
	return nil
}

func (s *Server) apiCaptcha(w http.ResponseWriter, r *http.Request) error {
	id, png, err := s.accounts.NewCaptcha(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"captcha_id": id, "image_png_base64": base64.StdEncoding.EncodeToString(png)})
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	if p.TokenID == 0 {
		return errs.E(errs.Invalid, "api.logout_needs_token")
	}
	if err := s.accounts.RevokeOwnToken(r.Context(), p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me is the JSON view of a principal.
type me struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	UnitID      int64    `json:"unit_id,omitempty"`
	UnitName    string   `json:"unit_name,omitempty"`
	RegionID    int64    `json:"region_id,omitempty"`
	RegionName  string   `json:"region_name,omitempty"`
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
	Lang        string   `json:"lang,omitempty"`
	Scope       struct {
		Kind        auth.ScopeKind `json:"kind"`
		All         bool           `json:"all"`
		RegionPaths []string       `json:"region_paths"`
		UnitPaths   []string       `json:"unit_paths"`
		UnitExact   []string       `json:"unit_only_paths"`
	} `json:"scope"`
}

func meOf(p *auth.Principal) me {
	m := me{ID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, UnitID: p.UnitID, UnitName: p.UnitName,
		RegionID: p.RegionID, RegionName: p.RegionName, Roles: p.Roles, Lang: p.Lang}
	if m.Roles == nil {
		m.Roles = []string{}
	}
	for _, perm := range auth.AllPerms {
		if p.Perms[perm] {
			m.Permissions = append(m.Permissions, string(perm))
		}
	}
	if m.Permissions == nil {
		m.Permissions = []string{}
	}
	m.Scope.Kind, m.Scope.All = p.ScopeKind, p.Scope.All
	m.Scope.RegionPaths, m.Scope.UnitPaths, m.Scope.UnitExact = nonNil(p.Scope.RegionPaths), nonNil(p.Scope.UnitPaths), nonNil(p.Scope.UnitExact)
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	WriteJSON(w, http.StatusOK, meOf(Principal(r)))
	return nil
}
