package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/jobs"
)

func TestAJobRunsOncePerPeriodAcrossTwoInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var runs atomic.Int32
		job := jobs.Job{Name: "purge", Every: time.Hour, Run: func(context.Context) error { runs.Add(1); return nil }}
		a, b := jobs.New(d, c, log), jobs.New(d, c, log)
		if err := a.Add(ctx, job); err != nil {
			t.Fatal(err)
		}
		if err := b.Add(ctx, job); err != nil {
			t.Fatal(err)
		}
		a.RunDue(ctx)
		b.RunDue(ctx)
		if got := runs.Load(); got != 1 {
			t.Fatalf("after the first tick on two instances: %d runs, want 1", got)
		}
		c.Advance(59 * time.Minute)
		a.RunDue(ctx)
		b.RunDue(ctx)
		if got := runs.Load(); got != 1 {
			t.Fatalf("before the period ends: %d runs, want 1", got)
		}
		c.Advance(2 * time.Minute)
		b.RunDue(ctx)
		a.RunDue(ctx)
		if got := runs.Load(); got != 2 {
			t.Fatalf("after the period: %d runs, want 2", got)
		}
	})
}

func TestAJobSurvivesARestartOfTheRunner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewFake(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var runs atomic.Int32
		job := jobs.Job{Name: "purge", Every: time.Hour, Run: func(context.Context) error { runs.Add(1); return nil }}
		first := jobs.New(d, c, log)
		first.Add(ctx, job)
		first.RunDue(ctx)
		// A new process starts 30 minutes later: the job is not due again yet.
		c.Advance(30 * time.Minute)
		second := jobs.New(d, c, log)
		second.Add(ctx, job)
		if n := second.RunDue(ctx); n != 0 || runs.Load() != 1 {
			t.Fatalf("restart ran the job early: ran %d, total %d", n, runs.Load())
		}
	})
}
