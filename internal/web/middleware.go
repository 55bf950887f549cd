package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

const (
	sessionCookie = "wm_session"
	csrfCookie    = "wm_csrf" // double-submit token for forms shown before login
	langCookie    = "lang"
	flashCookie   = "wm_flash"
)

// reqInfo is what the middleware learns about a request.
type reqInfo struct {
	P        *auth.Principal
	CSRF     string // the token forms must send back
	Lang     i18n.Lang
	IP       string
	Bearer   bool // authenticated by an API token, not a cookie
	Expired  bool // a session cookie was sent but the session had ended
	anonCSRF string
}

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{Lang: i18n.ZH}
}

// principal returns the acting principal of a request, or nil.
func Principal(r *http.Request) *auth.Principal { return infoOf(r).P }

// lang returns the language of a request.
func Lang(r *http.Request) i18n.Lang { return infoOf(r).Lang }

var (
	errUnauthorized = errs.E(errs.Unauthorized, "err.unauthorized")
	errCSRF         = errs.E(errs.Forbidden, "err.csrf")
	errPageNotFound = errs.E(errs.NotFound, "err.page_not_found")
)

// recoverer turns a panic into a logged 500.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.fail(w, r, errs.E(errs.Internal, "err.internal"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and, as the headers go out, tells the
// client how long the server worked on the request until then
// (`Server-Timing: app;dur=<ms>`): pages and JSON are rendered before
// their headers, so this is the server's time without the network, which
// the load tools report beside the round trip.
type statusWriter struct {
	http.ResponseWriter
	status int
	start  time.Time
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if !w.start.IsZero() {
			w.Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(w.start).Microseconds())/1000, 'f', 3, 64))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe counts requests by route pattern and logs slow or failed ones.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, start: start}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		// The mux sets Pattern on the request it routes, which is a copy made
		// further in; ask the mux again for the route of this request.
		_, pattern := s.Mux.Handler(r)
		if pattern == "" || pattern == "/" {
			pattern = "unmatched"
		}
		s.metrics.Observe(pattern, r.Method, sw.status, d)
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelError
		} else if d > time.Second {
			lvl = slog.LevelWarn
		}
		s.Log.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", d.Milliseconds())
	})
}

// secure sets the headers every answer carries.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !isAPI(r) {
			h.Set("Content-Security-Policy", s.csp(r)) // map_tiles.go
		}
		if s.secureCookies() {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

var crossOrigin = http.NewCrossOriginProtection()

// identify finds the principal (bearer token or session cookie), the
// language, and enforces CSRF on every state-changing request that a
// browser's cookies could have authorised.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &reqInfo{IP: s.realIP(r)}
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" && isAPI(r) {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				info.Lang = s.pickLang(r, nil)
				s.fail(w, r.WithContext(context.WithValue(ctx, infoKey{}, info)), errs.E(errs.Unauthorized, "token.invalid"))
				return
			}
			p, err := s.accounts.TokenPrincipal(ctx, strings.TrimSpace(tok))
			if err != nil {
				info.Lang = s.pickLang(r, nil)
				s.fail(w, r.WithContext(context.WithValue(ctx, infoKey{}, info)), err)
				return
			}
			p.IP = info.IP
			info.P, info.Bearer = p, true
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, csrf, err := s.accounts.SessionPrincipal(ctx, c.Value)
			switch {
			case err == nil:
				p.IP = info.IP
				info.P, info.CSRF = p, csrf
			case errs.Is(err, errs.Unauthorized):
				info.Expired = true
				s.clearCookie(w, sessionCookie)
			default:
				s.Log.Error("session lookup", "err", err)
				info.Lang = s.pickLang(r, nil)
				s.fail(w, r.WithContext(context.WithValue(ctx, infoKey{}, info)), err)
				return
			}
		}
		info.Lang = s.pickLang(r, info.P)
		if info.P == nil && !isAPI(r) {
			// Forms shown to anonymous visitors (login) use a double-submit token.
			if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 20 {
				info.anonCSRF = c.Value
			} else {
				info.anonCSRF = randomToken()
				http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: info.anonCSRF, Path: "/", HttpOnly: true,
					Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
			}
			info.CSRF = info.anonCSRF
		}
		r = r.WithContext(context.WithValue(ctx, infoKey{}, info))
		if !safeMethod(r.Method) && !info.Bearer && (info.P != nil || !isAPI(r)) {
			if err := crossOrigin.Check(r); err != nil {
				s.fail(w, r, errCSRF)
				return
			}
			sent := r.Header.Get("X-CSRF-Token")
			if sent == "" && !isAPI(r) {
				// Parsing here, before any handler, so the body limit applies
				// to every form: 6 photos of 10 MB and the fields.
				if err := ParseForm(r); err != nil {
					s.fail(w, r, err)
					return
				}
				sent = r.PostFormValue("csrf")
			}
			if info.CSRF == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(info.CSRF)) != 1 {
				s.fail(w, r, errCSRF)
				return
			}
		}
		// The server removes the temporary upload files of the request it
		// made; this is a copy, so remove the ones parsed on it — here, once,
		// for every handler that parses a multipart form.
		defer func() {
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// pickLang: the user's saved choice, then the lang cookie, then
// Accept-Language, then Chinese.
func (s *Server) pickLang(r *http.Request, p *auth.Principal) i18n.Lang {
	if p != nil {
		if l := i18n.Parse(p.Lang); l != "" {
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := i18n.Parse(c.Value); l != "" {
			return l
		}
	}
	if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return i18n.ZH
}

// clientIP is the address the request came from, as identify worked it out
// (behind trusted proxies: from X-Forwarded-For).
func ClientIP(r *http.Request) string {
	if i, ok := r.Context().Value(infoKey{}).(*reqInfo); ok && i.IP != "" {
		return i.IP
	}
	return remoteHost(r)
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// realIP is the connecting address, or, when that is a trusted proxy, the
// last address in X-Forwarded-For that is not a trusted proxy itself.
func (s *Server) realIP(r *http.Request) string {
	ip := remoteHost(r)
	if !s.trusted(ip) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			break
		}
		if !s.trusted(h) {
			return h
		}
		ip = h
	}
	return ip
}

func (s *Server) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// setFlash leaves a one-time message (an i18n key) for the next page.
func (s *Server) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(key), Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// flashSep separates a flash's key from its arguments in the cookie.
const flashSep = "\x1f"

// takeFlash reads and clears the one-time message: a message key, and
// the texts it names (RedirectWith) after flashSep.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	s.clearCookie(w, flashCookie)
	raw, _ := url.QueryUnescape(c.Value)
	parts := strings.Split(raw, flashSep)
	if !i18n.Has(parts[0]) {
		return ""
	}
	args := make([]any, 0, len(parts)-1)
	for _, a := range parts[1:] {
		args = append(args, a)
	}
	return i18n.T(Lang(r), parts[0], args...)
}

func URLQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext returns a local path to go to after login, or "/".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
