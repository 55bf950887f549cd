// Package apptest starts the real wenming (app.New with the demo city) on a
// fresh database of each engine behind an httptest server, and gives tests
// browser-like and API clients. Scenario tests go through HTTP with it.
package apptest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/demo"
)

// Env is a running wenming with the demo city.
type Env struct {
	App    *app.App
	Server *httptest.Server
	Clock  *clock.Fake
	Engine db.Engine
}

// Each runs fn as a subtest on every engine, each with its own Env.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	EachWith(t, nil, fn)
}

// EachWith is Each with the configuration changed by configure (nil: as
// Start has it) before the app starts.
func EachWith(t *testing.T, configure func(*app.Config), fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) { fn(t, StartWith(t, engine, configure)) })
	}
}

// start is the fixed start of every test's clock: 2026-11-29 09:00 Beijing time.
var start = time.Date(2026, 11, 29, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func testLogger() *slog.Logger {
	level := slog.LevelError + 1
	if os.Getenv("WENMING_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Start starts wenming on a fresh database of the engine, with the demo
// city loaded and a fake clock at 2026-11-29 09:00 Beijing time. The demo
// city is loaded once per test process and engine into a template that each
// test copies (see template.go), which is what keeps the scenario suites fast.
func Start(tb testing.TB, engine db.Engine) *Env {
	tb.Helper()
	return StartWith(tb, engine, nil)
}

// StartWith is Start with the configuration changed by configure (nil: none)
// before the app starts.
func StartWith(tb testing.TB, engine db.Engine, configure func(*app.Config)) *Env {
	tb.Helper()
	account.UseCheapHashingInTests()
	dsn := cloneTemplate(tb, engine)
	c := clock.NewFake(start)
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: tb.TempDir(), Demo: true, Clock: c, Out: io.Discard}
	cfg.DB = dsn
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.New(context.Background(), cfg, testLogger())
	if err != nil {
		tb.Fatalf("start wenming on %s: %v", engine, err)
	}
	srv := httptest.NewServer(a.Handler())
	tb.Cleanup(func() { srv.Close(); a.Close() })
	return &Env{App: a, Server: srv, Clock: c, Engine: engine}
}

// Client is a browser-like client with its own cookies and language.
type Client struct {
	t    testing.TB
	env  *Env
	HTTP *http.Client
	Lang string // Accept-Language sent with every request
	// Token, when set, is sent as a bearer token (API clients).
	Token string
	// Header is added to every request (e.g. X-Forwarded-For behind a
	// trusted proxy, to be another citizen's address).
	Header http.Header
}

// Anonymous returns a client with no session.
func (e *Env) Anonymous(tb testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: tb, env: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, Lang: "zh-CN"}
}

// Login returns a client logged in through the login form with the demo password.
func (e *Env) Login(tb testing.TB, username string) *Client {
	tb.Helper()
	c := e.Anonymous(tb)
	res := c.PostForm("/login", url.Values{"username": {username}, "password": {demo.Password}})
	if res.Status != http.StatusSeeOther {
		tb.Fatalf("login as %s: status %d, body %s", username, res.Status, res.Body)
	}
	return c
}

// API returns a client that authenticates with a bearer token obtained
// through POST /api/v1/auth/login.
func (e *Env) API(tb testing.TB, username string) *Client {
	tb.Helper()
	c := e.Anonymous(tb)
	res := c.JSON("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": demo.Password})
	if res.Status != http.StatusOK {
		tb.Fatalf("API login as %s: status %d, body %s", username, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.Decode(&out)
	c.Token = out.Token
	return c
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
	Raw    []byte
	t      testing.TB
}

// Decode unmarshals a JSON body.
func (r *Response) Decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Raw, v); err != nil {
		r.t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// Contains reports whether the body contains every fragment.
func (r *Response) Contains(fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(r.Body, f) {
			return false
		}
	}
	return true
}

// Do sends a request.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	if c.Lang != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, vs := range c.Header {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b), Raw: b, t: c.t}
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.env.Server.URL+path, nil)
	return c.Do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF returns the CSRF token the client's pages carry.
func (c *Client) CSRF() string {
	c.t.Helper()
	res := c.Get("/login")
	if res.Status == http.StatusSeeOther { // logged in: any page has the token
		res = c.Get("/account/password")
	}
	m := csrfRe.FindStringSubmatch(res.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on the page: %s", res.Body)
	}
	return m[1]
}

// PostForm submits a form with the client's CSRF token added.
func (c *Client) PostForm(path string, vals url.Values) *Response {
	c.t.Helper()
	v := url.Values{}
	for k, x := range vals {
		v[k] = x
	}
	if v.Get("csrf") == "" {
		v.Set("csrf", c.CSRF())
	}
	return c.PostFormRaw(path, v)
}

// PostFormRaw submits a form as given (no CSRF token added).
func (c *Client) PostFormRaw(path string, vals url.Values) *Response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.env.Server.URL+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// JSON sends a JSON request (body nil for none).
func (c *Client) JSON(method, path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.env.Server.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Do(req)
}

// ID looks up a row id by a column value with plain SQL (tests only).
func (e *Env) ID(tb testing.TB, table, column string, value any) int64 {
	tb.Helper()
	var id int64
	err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		return tx.Get(context.Background(), table, "SELECT id FROM "+table+" WHERE "+column+" = ?", []any{value}, &id)
	})
	if err != nil {
		tb.Fatalf("look up %s.%s = %v: %v", table, column, value, err)
	}
	return id
}

// Count counts rows with plain SQL (tests only).
func (e *Env) Count(tb testing.TB, query string, args ...any) int64 {
	tb.Helper()
	var n int64
	err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		tb.Fatalf("count %q: %v", query, err)
	}
	return n
}

// Want fails the test unless res has the status and contains every fragment.
func Want(tb testing.TB, what string, res *Response, status int, fragments ...string) {
	tb.Helper()
	if res.Status != status || !res.Contains(fragments...) {
		tb.Fatalf("%s: got %d, want %d with %q:\n%s", what, res.Status, status, fragments, res.Body)
	}
}

// Itoa is an id as forms and paths carry it.
func Itoa(id int64) string { return strconv.FormatInt(id, 10) }

// CategoryID is the id of the work-order category with the code, as forms carry it.
func (e *Env) CategoryID(tb testing.TB, code string) string {
	tb.Helper()
	return Itoa(e.ID(tb, "workorder_categories", "code", code))
}

// OrderState reads a work order's state with plain SQL.
func (e *Env) OrderState(tb testing.TB, id int64) string {
	tb.Helper()
	var s string
	ctx := context.Background()
	err := e.App.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "workorder", "SELECT state FROM workorders WHERE id = ?", []any{id}, &s)
	})
	if err != nil {
		tb.Fatalf("state of %d: %v", id, err)
	}
	return s
}

// Exec runs a statement against the app's database, for a test's setup.
func (e *Env) Exec(tb testing.TB, q string, args ...any) {
	tb.Helper()
	err := e.App.DB.Write(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	})
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}
