package apptest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// Loading the demo city takes a second on SQLite and several on PostgreSQL;
// a scenario suite starts hundreds of apps. So the first Start of a process
// loads the demo into a template, and every Start copies it: a file copy on
// SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL (a file-level copy done by
// the server).

type template struct {
	once sync.Once
	src  string // SQLite: file path; PostgreSQL: database name
	err  error
}

var templates = map[db.Engine]*template{db.SQLite: {}, db.Postgres: {}}

// buildTemplate loads the demo city into dsn with the fixed test clock.
func buildTemplate(dsn string) error {
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: os.TempDir(), Demo: true, Clock: clock.NewFake(start), Out: io.Discard, DB: dsn}
	a, err := app.New(context.Background(), cfg, testLogger())
	if err != nil {
		return err
	}
	return a.Close()
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
			t.src, t.err = sqliteTemplate()
		} else {
			t.src, t.err = postgresTemplate(dbtest.PostgresURL(tb))
		}
	})
	if t.err != nil {
		tb.Fatalf("demo template on %s: %v", engine, t.err)
	}
	if engine == db.SQLite {
		dst := filepath.Join(tb.TempDir(), "wenming.db")
		if err := copyFile(t.src, dst); err != nil {
			tb.Fatalf("copy the demo template: %v", err)
		}
		return dst
	}
	return postgresClone(tb, dbtest.PostgresURL(tb), t.src)
}

func sqliteTemplate() (string, error) {
	dir, err := os.MkdirTemp("", "wenming-template-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "wenming.db")
	if err := buildTemplate(path); err != nil {
		return "", err
	}
	// Closing the last connection checkpoints the WAL into the main file.
	if _, err := os.Stat(path + "-wal"); err == nil {
		return "", fmt.Errorf("template %s still has a WAL file after close", path)
	}
	return path, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// withDB returns the server URL with its database name replaced.
func withDB(base, name string) string {
	rest, query, _ := strings.Cut(base, "?")
	i := strings.LastIndex(rest, "/")
	u := rest[:i+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}

// binaryHash names the template after the test binary, so a changed demo or
// schema (a new build) never reuses an old template.
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

// postgresTemplate makes (or finds, for this build) the template database.
// Templates are named wm_tpl_<unix seconds>_<build hash>; ones older than a
// day are dropped, so test runs do not pile them up.
func postgresTemplate(base string) (string, error) {
	hash, err := binaryHash()
	if err != nil {
		return "", err
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	ctx := context.Background()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// One process builds a given template at a time.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7355609)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7355609)")
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'wm\\_tpl\\_%'")
	if err != nil {
		return "", err
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	found := ""
	for _, n := range names {
		parts := strings.Split(n, "_") // wm tpl <unix> <hash>
		if len(parts) != 4 {
			continue
		}
		if parts[3] == hash {
			found = n
			continue
		}
		if sec, err := strconv.ParseInt(parts[2], 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > 24*time.Hour {
			conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
		}
	}
	if found != "" {
		return found, nil
	}
	name := fmt.Sprintf("wm_tpl_%d_%s", time.Now().Unix(), hash)
	building := name + "_building"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	if err := buildTemplate(withDB(base, building)); err != nil {
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building)
		return "", err
	}
	// Renamed only when complete, so a half-built template is never used.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// postgresClone creates a database from the template and drops it when the
// test ends.
func postgresClone(tb testing.TB, base, tpl string) string {
	tb.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "wm_t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		// Two clones of one template at the same moment can collide; retry.
		if _, lastErr = admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tpl); lastErr == nil {
			break
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if lastErr != nil {
		tb.Fatalf("clone the demo template: %v", lastErr)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDB(base, name)
}
