package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite in WAL mode appends each commit's pages to the -wal file and
// copies them back into the database file in a checkpoint. By default the
// commit that takes the WAL past 1,000 pages runs that checkpoint itself:
// it copies every page, syncs the WAL and the database file, and only then
// returns, so every few batches of citizens' reports waited for two fsyncs
// and megabytes of copying on the only writer. Here a goroutine with a
// connection of its own runs PASSIVE checkpoints (they block neither the
// writer nor the readers) a few times a second when there were commits,
// on the other core while the writer goes on; a page written many times
// between two checkpoints is copied once.
//
// A WAL is only started again from its beginning by a writer that finds
// it wholly copied, which a checkpoint running beside a busy writer never
// achieves: the WAL would grow without end. So the writer keeps an
// automatic checkpoint, at walResetPages instead of 1,000: by then the
// checkpointer has copied all but the last few frames, the writer copies
// those, and its next transaction starts the WAL over (journal_size_limit
// then cuts the file back to that size).

// walResetPages is the WAL size, in pages, at which the writer finishes
// the checkpoint itself.
const walResetPages = 4096

// checkpointEvery is how often the checkpointer looks for new commits.
const checkpointEvery = 100 * time.Millisecond

type checkpointer struct {
	conn    *sql.DB
	commits atomic.Int64 // bumped after each write commit
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
	// runs counts checkpoints that found frames to copy (tests).
	runs atomic.Int64
}

func startCheckpointer(ctx context.Context, path, pragmas string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxIdleTime(0)
	conn.SetConnMaxLifetime(0)
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	c := &checkpointer{conn: conn, quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	seen := int64(-1) // the first tick checkpoints what migrations wrote
	failing := false  // logged once when checkpoints start failing, once when they recover
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		if n := c.commits.Load(); n != seen {
			seen = n
			err := c.checkpoint(context.Background())
			switch {
			case err != nil && !failing:
				slog.Warn("sqlite checkpoints failing; the writer's own checkpoint still bounds the WAL", "err", err)
			case err == nil && failing:
				slog.Info("sqlite checkpoints working again")
			}
			failing = err != nil
		}
	}
}

// checkpoint copies what it can of the WAL into the database file without
// waiting for anyone.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, log, done int
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err != nil {
		return err
	}
	if log > 0 {
		c.runs.Add(1)
	}
	return nil
}

// stop ends the loop and closes the connection (the last connection of
// the database to close checkpoints whatever is left).
func (c *checkpointer) stop() error {
	c.once.Do(func() { close(c.quit) })
	<-c.done
	return c.conn.Close()
}
