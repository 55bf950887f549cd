package dbtest

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

	"github.com/wenming-city/wenming/internal/db"
)

// Migrating a fresh database costs a second or two under the race detector
// and a suite opens hundreds. So the migrated schema is built once and
// copied: on SQLite a file in the temporary folder, on PostgreSQL a template
// database that CREATE DATABASE … TEMPLATE copies. Both are named after a
// hash of the embedded migrations, so every test process of a run (and the
// next run, while the migrations stay the same) shares them, and a changed
// migration never reuses an old copy.

var (
	hashOnce   sync.Once
	schemaHash string
	hashErr    error

	sqliteOnce sync.Once
	sqlitePath string
	sqliteErr  error

	pgOnceTpl sync.Once
	pgTpl     string
	pgTplErr  error
)

// migrationsHash is the hash of both engines' migrations.
func migrationsHash() (string, error) {
	hashOnce.Do(func() {
		h := sha256.New()
		for _, e := range []db.Engine{db.SQLite, db.Postgres} {
			ms, err := db.Migrations(e)
			if err != nil {
				hashErr = err
				return
			}
			for _, m := range ms {
				fmt.Fprintf(h, "%s\x00%d\x00%s\x00", e, m.Version, m.SQL)
			}
		}
		schemaHash = hex.EncodeToString(h.Sum(nil))[:12]
	})
	return schemaHash, hashErr
}

// migratedSQLite returns the path of the migrated SQLite file, building it
// when no process has yet (written under a temporary name and renamed, so a
// half-built file is never copied).
func migratedSQLite() (string, error) {
	sqliteOnce.Do(func() {
		hash, err := migrationsHash()
		if err != nil {
			sqliteErr = err
			return
		}
		path := filepath.Join(os.TempDir(), "wenming-schema-"+hash+".db")
		if _, err := os.Stat(path); err == nil {
			sqlitePath = path
			return
		}
		dir, err := os.MkdirTemp("", "wenming-schema-building-")
		if err != nil {
			sqliteErr = err
			return
		}
		defer os.RemoveAll(dir)
		tmp := filepath.Join(dir, "wenming.db")
		if err := migrate(tmp); err != nil {
			sqliteErr = err
			return
		}
		if err := os.Rename(tmp, path); err != nil {
			sqliteErr = err
			return
		}
		sqlitePath = path
	})
	return sqlitePath, sqliteErr
}

func migrate(dsn string) error {
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return err
	}
	// Closing the last connection checkpoints SQLite's WAL into the file.
	return d.Close()
}

// CopyFile copies an SQLite template file (closed, without a WAL) to dst.
func CopyFile(src, dst string) error {
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

// WithDatabase returns the PostgreSQL URL with its database name replaced.
func WithDatabase(base, name string) string {
	rest, query, _ := strings.Cut(base, "?")
	i := strings.LastIndex(rest, "/")
	u := rest[:i+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}

// PostgresTemplate returns the template database named prefix_<unix
// seconds>_<key>, building it with build(dsn) when no process has yet. One
// process builds at a time (an advisory lock); the database is renamed to
// its name only when complete; templates of the prefix older than a day are
// dropped, so runs do not pile them up.
func PostgresTemplate(base, prefix, key string, build func(dsn string) error) (string, error) {
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
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7355609)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7355609)")
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", strings.ReplaceAll(prefix, "_", `\_`)+`\_%`)
	if err != nil {
		return "", err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return "", err
		}
		names = append(names, n)
	}
	rows.Close()
	found := ""
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, prefix+"_")
		if !ok || strings.HasSuffix(n, "_building") {
			continue
		}
		sec, k, ok := strings.Cut(rest, "_")
		if !ok {
			continue
		}
		if k == key {
			found = n
			continue
		}
		if s, err := strconv.ParseInt(sec, 10, 64); err == nil && time.Since(time.Unix(s, 0)) > 24*time.Hour {
			conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
		}
	}
	if found != "" {
		return found, nil
	}
	name := fmt.Sprintf("%s_%d_%s", prefix, time.Now().Unix(), key)
	building := prefix + "_" + key + "_building"
	conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	if err := build(WithDatabase(base, building)); err != nil {
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building)
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// PostgresClone creates a database from the template and drops it when the
// test ends; it returns its URL.
func PostgresClone(tb testing.TB, base, tpl string) string {
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
		tb.Fatalf("clone the template %s: %v", tpl, lastErr)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return WithDatabase(base, name)
}

// migratedDSN returns the DSN of a fresh copy of the migrated schema.
func migratedDSN(tb testing.TB, e db.Engine) string {
	tb.Helper()
	if e == db.SQLite {
		src, err := migratedSQLite()
		if err != nil {
			tb.Fatalf("migrated SQLite template: %v", err)
		}
		dst := filepath.Join(tb.TempDir(), "wenming.db")
		if err := CopyFile(src, dst); err != nil {
			tb.Fatalf("copy the migrated template: %v", err)
		}
		return dst
	}
	base := PostgresURL(tb)
	if base == "" {
		tb.Skip("PostgreSQL not available")
	}
	pgOnceTpl.Do(func() {
		hash, err := migrationsHash()
		if err != nil {
			pgTplErr = err
			return
		}
		pgTpl, pgTplErr = PostgresTemplate(base, "wm_schema", hash, migrate)
	})
	if pgTplErr != nil {
		tb.Fatalf("migrated PostgreSQL template: %v", pgTplErr)
	}
	return PostgresClone(tb, base, pgTpl)
}
