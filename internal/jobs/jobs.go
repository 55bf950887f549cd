// Package jobs runs periodic work (purging expired sessions now; deadline
// timers later) from rows in the database, so a job survives restarts and
// runs once per period even when several instances share one PostgreSQL: an
// instance claims a due job with one conditional UPDATE and holds a lease
// while it runs.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
)

// Job is one periodic job.
type Job struct {
	Name  string
	Every time.Duration
	Lease time.Duration // how long a claim lasts if the runner dies (default 5 min)
	Run   func(ctx context.Context) error
}

// Runner claims and runs due jobs.
type Runner struct {
	db    *db.DB
	clock clock.Clock
	log   *slog.Logger
	owner string
	mu    sync.Mutex
	jobs  []Job
}

// New returns a runner identified by a random owner id.
func New(d *db.DB, c clock.Clock, log *slog.Logger) *Runner {
	b := make([]byte, 8)
	rand.Read(b)
	return &Runner{db: d, clock: c, log: log, owner: hex.EncodeToString(b)}
}

// Add registers a job; its row is created if missing, due at once (safe when
// several instances add it at once).
func (r *Runner) Add(ctx context.Context, j Job) error {
	if j.Lease == 0 {
		j.Lease = 5 * time.Minute
	}
	r.mu.Lock()
	r.jobs = append(r.jobs, j)
	r.mu.Unlock()
	// ON CONFLICT: another instance starting at the same time may have just
	// added the same row.
	return r.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO scheduled_jobs (name, next_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
			j.Name, r.clock.Now().UnixMilli())
		return err
	})
}

// RunDue claims and runs every job that is due now; it returns how many ran.
func (r *Runner) RunDue(ctx context.Context) int {
	r.mu.Lock()
	jobs := append([]Job(nil), r.jobs...)
	r.mu.Unlock()
	ran := 0
	for _, j := range jobs {
		now := r.clock.Now()
		var claimed int64
		err := r.db.Write(ctx, func(tx *db.Tx) error {
			var err error
			claimed, err = tx.ExecN(ctx, `UPDATE scheduled_jobs SET lease_owner = ?, lease_until = ?
				WHERE name = ? AND next_at <= ? AND lease_until < ?`,
				r.owner, now.Add(j.Lease).UnixMilli(), j.Name, now.UnixMilli(), now.UnixMilli())
			return err
		})
		if err != nil {
			r.log.Error("job claim", "job", j.Name, "err", err)
			continue
		}
		if claimed == 0 {
			continue
		}
		ran++
		runErr := j.Run(ctx)
		msg := ""
		if runErr != nil {
			msg = runErr.Error()
			r.log.Error("job failed", "job", j.Name, "err", runErr)
		}
		done := r.clock.Now()
		if err := r.db.Write(ctx, func(tx *db.Tx) error {
			okAt := any(nil)
			if runErr == nil {
				okAt = done.UnixMilli()
			}
			_, err := tx.Exec(ctx, `UPDATE scheduled_jobs SET next_at = ?, lease_owner = '', lease_until = 0,
				last_ok_at = COALESCE(?, last_ok_at), last_error = ? WHERE name = ? AND lease_owner = ?`,
				done.Add(j.Every).UnixMilli(), okAt, msg, j.Name, r.owner)
			return err
		}); err != nil {
			r.log.Error("job release", "job", j.Name, "err", err)
		}
	}
	return ran
}

// Loop runs due jobs every tick until ctx ends.
func (r *Runner) Loop(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		r.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
