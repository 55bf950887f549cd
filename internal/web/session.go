package web

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

func (s *Server) sessionRoutes() {
	s.PublicPage("GET /login", s.loginPage)
	s.PublicPage("POST /login", s.loginSubmit)
	s.Page("POST /logout", s.logout)
	s.PublicPage("POST /lang", s.setLang)
	s.Page("GET /account/password", s.passwordPage)
	s.Page("POST /account/password", s.passwordSubmit)
}

type loginData struct {
	Next, CaptchaID, CaptchaImg string
	Expired                     bool
	DemoUsers                   []DemoLogin
}

func (s *Server) loginView(w http.ResponseWriter, r *http.Request, next string, needCaptcha bool) (*View, error) {
	v := s.View(w, r, "login.title")
	d := &loginData{Next: next, Expired: infoOf(r).Expired || r.URL.Query().Get("expired") == "1", DemoUsers: s.Config.DemoLogins}
	if needCaptcha {
		id, png, err := s.accounts.NewCaptcha(r.Context())
		if err != nil {
			return nil, err
		}
		d.CaptchaID, d.CaptchaImg = id, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png)
	}
	v.Data = d
	return v, nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if Principal(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	need, err := s.accounts.NeedsCaptcha(r.Context(), "", ClientIP(r))
	if err != nil {
		return err
	}
	v, err := s.loginView(w, r, safeNext(r.URL.Query().Get("next")), need)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "login", v)
	return nil
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	in := account.LoginInput{
		Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
		CaptchaID: r.PostFormValue("captcha_id"), CaptchaAnswer: r.PostFormValue("captcha"),
		IP: ClientIP(r), UserAgent: r.UserAgent(),
	}
	res, err := s.accounts.Login(r.Context(), in)
	if err != nil {
		v, verr := s.loginView(w, r, next, res.NeedCaptcha || errs.As(err) != nil && errs.As(err).Fields["captcha"].Key != "")
		if verr != nil {
			return verr
		}
		r.PostForm.Del("password")
		return s.FormFailed(w, r, "login", v, err)
	}
	token, _, err := s.accounts.NewSession(r.Context(), res.UserID, ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	s.clearCookie(w, csrfCookie)
	// A language chosen before logging in becomes the user's choice.
	if c, err := r.Cookie(langCookie); err == nil && i18n.Parse(c.Value) != "" {
		if err := s.accounts.SetLang(r.Context(), res.UserID, string(i18n.Parse(c.Value))); err != nil {
			return err
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.accounts.Logout(r.Context(), Principal(r)); err != nil {
		return err
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// setLang switches the language: remembered in a cookie, and on the
// account when logged in.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	l := i18n.Parse(r.PostFormValue("lang"))
	if l == "" {
		var f errs.Fields
		f.Add("lang", "field.bad_choice")
		return f.Err()
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode, HttpOnly: true})
	if p := Principal(r); p != nil {
		if err := s.accounts.SetLang(r.Context(), p.UserID, string(l)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

func (s *Server) passwordView(w http.ResponseWriter, r *http.Request) (*View, error) {
	v := s.View(w, r, "pw.title")
	var pol account.Policy
	err := s.DB.Read(r.Context(), func(tx *db.Tx) error {
		var err error
		pol, err = s.accounts.Policy(r.Context(), tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	v.Data = map[string]any{"Rule": v.T("pw.rule", pol.Password.MinLength, pol.Password.MinClasses)}
	return v, nil
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.passwordView(w, r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "password", v)
	return nil
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	err := s.accounts.ChangePassword(r.Context(), Principal(r), r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm"))
	if err != nil {
		v, verr := s.passwordView(w, r)
		if verr != nil {
			return verr
		}
		r.PostForm.Del("current")
		r.PostForm.Del("new")
		r.PostForm.Del("confirm")
		return s.FormFailed(w, r, "password", v, err)
	}
	return s.Redirect(w, r, "/", "pw.changed")
}

// now is the server's clock.
func (s *Server) Now() time.Time { return s.Clock.Now() }
