package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/pii"
)

func TestMain(m *testing.M) {
	account.UseCheapHashingInTests()
	m.Run()
}

func TestAProductionDatabaseStartsWithOnlyTheAdminWhosePasswordIsPrintedOnce(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			var out bytes.Buffer
			cfg := app.Config{DataDir: t.TempDir(), DB: dbtest.DSN(t, engine), Out: &out}
			a, err := app.New(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no password printed: %q", out.String())
			}
			n, _ := a.Accounts.CountUsers(context.Background())
			if n != 1 {
				t.Fatalf("%d users, want only the admin", n)
			}
			res, err := a.Accounts.Login(context.Background(), account.LoginInput{Username: "admin", Password: m[1], IP: "127.0.0.1"})
			if err != nil {
				t.Fatalf("printed password does not log in: %v", err)
			}
			p, _ := a.Accounts.Principal(context.Background(), res.UserID)
			if !p.MustChange {
				t.Fatal("a printed password must be changed at first login")
			}
			a.Close()
			// A second start prints nothing and creates nobody.
			out.Reset()
			b, err := app.New(context.Background(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if out.Len() != 0 {
				t.Fatalf("second start printed %q", out.String())
			}
		})
	}
}

func TestServeAnswersHealthReadyMetricsAndStopsGracefully(t *testing.T) {
	cfg := app.Config{DataDir: t.TempDir(), Demo: true, Out: io.Discard}
	cfg.DB = filepath.Join(cfg.DataDir, "w.db")
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	get("/login")
	code, body := get("/metrics")
	for _, want := range []string{
		`wenming_http_requests_total{route="GET /login",method="GET",status="200"} 1`,
		`wenming_http_request_duration_seconds_bucket{route="GET /login",le="+Inf"} 1`,
		`wenming_db_max_open_connections{pool="writer"} 1`,
		`# TYPE wenming_http_request_duration_seconds histogram`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}
}

func TestReadyzFailsWhenTheDatabaseIsGone(t *testing.T) {
	cfg := app.Config{DataDir: t.TempDir(), Out: io.Discard}
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.DB.Close()
	srv := http.Server{Handler: a.Handler()}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	res, err := http.Get("http://" + ln.Addr().String() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", res.StatusCode)
	}
	_ = db.SQLite
}

func TestPIIKeysReachTheAppAndABadOneStopsTheStartBeforeTheDatabase(t *testing.T) {
	dir := t.TempDir()
	cfg := app.Config{DataDir: dir, Out: io.Discard, PIIKeys: "k1:" + pii.NewKey(), PIIIndexKey: "AAAA"}
	if _, err := app.New(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "index key") {
		t.Fatalf("a short index key: %v", err)
	}
	if _, err := os.Stat(cfg.DSN()); !os.IsNotExist(err) {
		t.Fatalf("the database was created before the keys were checked: %v", err)
	}
	cfg.PIIIndexKey = pii.NewKey()
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stored, _, err := a.PII.EncryptID("511102199003071526")
	if err != nil || pii.KeyID(stored) != "k1" {
		t.Fatalf("encrypt: %q, %v", stored, err)
	}
	// Without keys the app starts and refuses to encrypt.
	b, err := app.New(context.Background(), app.Config{DataDir: t.TempDir(), Out: io.Discard}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, _, err := b.PII.EncryptID("511102199003071526"); !errors.Is(err, pii.ErrNoKey) {
		t.Fatalf("no keys: %v", err)
	}
}
