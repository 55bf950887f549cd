// Package dbtest opens fresh, migrated databases for tests on every engine
// the machine offers. SQLite always; PostgreSQL when WENMING_TEST_PG is set
// (a postgres:// URL) or, when unset, when 127.0.0.1:5432 answers. With
// WENMING_TEST_PG_REQUIRED=1 (CI) an unreachable PostgreSQL fails the test.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/wenming-city/wenming/internal/db"
)

// DefaultPG is the PostgreSQL these machines run.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	pgOnce sync.Once
	pgURL  string
)

// PostgresURL returns the PostgreSQL URL to test on, or "" when there is none.
func PostgresURL(tb testing.TB) string {
	pgOnce.Do(func() {
		u := os.Getenv("WENMING_TEST_PG")
		if u == "off" {
			return
		}
		if u == "" {
			c, err := net.DialTimeout("tcp", "127.0.0.1:5432", 300*time.Millisecond)
			if err != nil {
				return
			}
			c.Close()
			u = DefaultPG
		}
		pgURL = u
	})
	if pgURL == "" && os.Getenv("WENMING_TEST_PG_REQUIRED") == "1" {
		tb.Fatalf("PostgreSQL is required (WENMING_TEST_PG_REQUIRED=1) but not reachable")
	}
	return pgURL
}

// Engines returns the engines to run store tests on.
func Engines(tb testing.TB) []db.Engine {
	es := []db.Engine{db.SQLite}
	if PostgresURL(tb) != "" {
		es = append(es, db.Postgres)
	}
	return es
}

// Each runs fn as a subtest per engine with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh migrated database on the engine, removed after the
// test: a copy of the migrated schema (template.go); Migrate then finds
// nothing to apply.
func Open(tb testing.TB, e db.Engine) *db.DB {
	tb.Helper()
	dsn := migratedDSN(tb, e)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", e, err)
	}
	tb.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", e, err)
	}
	return d
}

// DSN makes an empty database for the engine and returns its DSN: a file in
// a temporary folder for SQLite, a new schema for PostgreSQL (dropped at the
// end of the test).
func DSN(tb testing.TB, e db.Engine) string {
	tb.Helper()
	if e == db.SQLite {
		return filepath.Join(tb.TempDir(), "wenming.db")
	}
	base := PostgresURL(tb)
	if base == "" {
		tb.Skip("PostgreSQL not available")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
