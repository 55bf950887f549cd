package db

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriterLeavesCheckpointsToTheCheckpointer proves a commit does not
// copy the WAL into the database file itself (SQLite's default does, in
// the commit that passes 1,000 pages), that one checkpoint of the
// checkpointer copies all of it while the data stays readable, and that
// under writes that never pause the WAL still stops growing at about
// walResetPages.
func TestWriterLeavesCheckpointsToTheCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Stop the loop so only this test checkpoints; the connection stays.
	d.ck.once.Do(func() { close(d.ck.quit) })
	<-d.ck.done
	if err := d.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("文明城市", 10_000) // 120 KB: about 30 pages a row
	const txs = 100                        // about 3,000 pages in all
	for range txs {
		if err := d.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO blobs (body) VALUES (?)", body)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	const written = txs * 120_000
	if w, m := size(path+"-wal"), size(path); w < written || m > written/10 {
		t.Fatalf("before the checkpoint: WAL %d bytes, database %d; want the WAL to hold all %d bytes written and the database none", w, m, written)
	}
	if err := d.ck.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if m := size(path); m < written {
		t.Fatalf("after the checkpoint the database file has %d bytes, want at least %d", m, written)
	}
	if got := d.ck.runs.Load(); got != 1 {
		t.Fatalf("checkpoints that copied frames: %d, want 1", got)
	}
	var n int
	if err := d.Read(ctx, func(tx *Tx) error {
		return tx.Get(ctx, "", "SELECT COUNT(*) FROM blobs WHERE length(body) = 40000", nil, &n)
	}); err != nil || n != txs {
		t.Fatalf("rows read back: %d, %v; want %d", n, err, txs)
	}

	// Four times walResetPages more, the checkpointer copying beside a
	// writer that never pauses: while a transaction is open, as its ticks
	// would under steady load. What it copies is then never the whole WAL.
	const more = 4 * walResetPages / 30
	for i := range more {
		if err := d.Write(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO blobs (body) VALUES (?)", body); err != nil {
				return err
			}
			if i%10 == 9 {
				return d.ck.checkpoint(ctx)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	const limit = (walResetPages + 64) * 4096
	if w := size(path + "-wal"); w > limit {
		t.Fatalf("after %d more bytes the WAL has %d bytes, want at most %d", more*120_000, w, limit)
	}
}
