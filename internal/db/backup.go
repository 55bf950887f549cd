package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Backup writes a consistent copy of a SQLite database to file while the
// server keeps running (VACUUM INTO reads one snapshot). PostgreSQL is
// backed up with pg_dump (docs/OPERATIONS.md).
func (db *DB) Backup(ctx context.Context, file string) error {
	if db.Engine != SQLite {
		return errors.New("backup of PostgreSQL: use pg_dump (see docs/OPERATIONS.md)")
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("backup: %s already exists", file)
	}
	if strings.ContainsRune(file, 0) {
		return errors.New("backup: bad file name")
	}
	// A connection of its own, so neither the writer nor the readers wait.
	c, err := sql.Open("sqlite", "file:"+db.dsn+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check ("ok" when sound).
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	if db.Engine != SQLite {
		return "ok", nil
	}
	var res string
	err := db.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}
