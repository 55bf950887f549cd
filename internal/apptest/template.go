package apptest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// Loading the demo city takes seconds, many under the race detector; a
// scenario suite starts hundreds of apps. So the demo is loaded once into a
// template and every Start copies it: a file copy on SQLite, CREATE DATABASE
// … TEMPLATE on PostgreSQL (a file-level copy done by the server).
//
// scripts/test builds the templates once for the whole run, without the race
// detector (go run ./internal/apptest/demotemplate), and passes them in
// WENMING_TEST_DEMO_SQLITE (a file) and WENMING_TEST_DEMO_PG (a database
// name); a test process without them builds its own on first use.

type template struct {
	once sync.Once
	src  string // SQLite: file path; PostgreSQL: database name
	err  error
}

var templates = map[db.Engine]*template{db.SQLite: {}, db.Postgres: {}}

// buildTemplate loads the demo city into dsn with the fixed test clock.
func buildTemplate(dsn string) error {
	account.UseCheapHashingInTests()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: os.TempDir(), Demo: true, Clock: clock.NewFake(start), Out: io.Discard, DB: dsn}
	a, err := app.New(context.Background(), cfg, testLogger())
	if err != nil {
		return err
	}
	return a.Close()
}

// BuildTemplates builds the demo templates for a test run: the SQLite file
// (in dir) and, when pgURL is not empty, the PostgreSQL template database.
func BuildTemplates(dir, pgURL string) (sqlitePath, pgName string, err error) {
	if sqlitePath, err = sqliteTemplate(dir); err != nil {
		return "", "", fmt.Errorf("SQLite: %w", err)
	}
	if pgURL != "" {
		if pgName, err = postgresTemplate(pgURL); err != nil {
			return "", "", fmt.Errorf("PostgreSQL: %w", err)
		}
	}
	return sqlitePath, pgName, nil
}

// cloneTemplate returns the DSN of a fresh copy of the engine's template,
// removed when the test ends.
func cloneTemplate(tb testing.TB, engine db.Engine) string {
	tb.Helper()
	if engine == db.Postgres && dbtest.PostgresURL(tb) == "" {
		tb.Skip("PostgreSQL not available")
	}
	t := templates[engine]
	t.once.Do(func() {
		if engine == db.SQLite {
			if t.src = os.Getenv("WENMING_TEST_DEMO_SQLITE"); t.src == "" {
				t.src, t.err = sqliteTemplate("")
			}
		} else {
			if t.src = os.Getenv("WENMING_TEST_DEMO_PG"); t.src == "" {
				t.src, t.err = postgresTemplate(dbtest.PostgresURL(tb))
			}
		}
	})
	if t.err != nil {
		tb.Fatalf("demo template on %s: %v", engine, t.err)
	}
	if engine == db.SQLite {
		dst := filepath.Join(tb.TempDir(), "wenming.db")
		if err := dbtest.CopyFile(t.src, dst); err != nil {
			tb.Fatalf("copy the demo template: %v", err)
		}
		return dst
	}
	return dbtest.PostgresClone(tb, dbtest.PostgresURL(tb), t.src)
}

// sqliteTemplate builds the SQLite template in dir ("": a new temporary
// folder).
func sqliteTemplate(dir string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "wenming-template-"); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "wenming-demo.db")
	os.Remove(path)
	if err := buildTemplate(path); err != nil {
		return "", err
	}
	// Closing the last connection checkpoints the WAL into the main file.
	if _, err := os.Stat(path + "-wal"); err == nil {
		return "", fmt.Errorf("template %s still has a WAL file after close", path)
	}
	return path, nil
}

// binaryHash names the template after the running binary, so a changed demo
// or schema (a new build) never reuses an old template.
func binaryHash() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// postgresTemplate makes (or finds, for this build) the template database
// wm_tpl_<unix seconds>_<build hash>.
func postgresTemplate(base string) (string, error) {
	hash, err := binaryHash()
	if err != nil {
		return "", err
	}
	return dbtest.PostgresTemplate(base, "wm_tpl", hash, buildTemplate)
}
