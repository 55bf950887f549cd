package workorder

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/search"
)

// Group commit for citizens' reports. SQLite has one writer and each
// commit costs the same whether it carries one order or two hundred, so
// at a few thousand reports a second one transaction per report is the
// ceiling. The Batcher lets many goroutines hand in their writes, gathers
// them for a short window, runs them in ONE write transaction (a refused
// or failing report is rolled back alone and the others go on; see run),
// commits, and only then answers every caller: a 201 still means the order
// is committed.
//
// One Batcher per process, started and stopped with the App. On
// PostgreSQL it works the same way and saves the per-commit round trips.

// Batcher defaults.
const (
	DefaultBatchWindow = time.Millisecond
	DefaultBatchMax    = 256
)

// BatchFunc is one caller's work inside a batch. It must use the ctx it is
// given (the caller's values, without its cancellation: a statement
// interrupted half-way would abort the others' transaction) and may
// return an error to roll back its own writes only.
type BatchFunc func(ctx context.Context, tx *db.Tx) error

// Batcher runs writes from many goroutines in shared transactions.
type Batcher struct {
	svc *Service
	// Window is the longest the first request of a batch waits for
	// others; Max the most requests in one transaction.
	Window time.Duration
	Max    int

	in      chan *batchJob
	quit    chan struct{}
	done    chan struct{}
	mu      sync.RWMutex // held for reading while sending on in
	started bool
	stopped bool

	// counters for tests and metrics
	batches, jobs atomic.Int64
}

const (
	jobQueued int32 = iota
	jobTaken
	jobCancelled
)

type batchJob struct {
	ctx   context.Context
	fn    BatchFunc
	state atomic.Int32
	done  chan error
}

// NewBatcher returns a batcher writing through svc's store; window 0 and
// max 0 take the defaults. Call Start before use; until then (and after
// Stop) Do writes each request in its own transaction.
func NewBatcher(svc *Service, window time.Duration, max int) *Batcher {
	if window <= 0 {
		window = DefaultBatchWindow
	}
	if max <= 0 {
		max = DefaultBatchMax
	}
	return &Batcher{svc: svc, Window: window, Max: max, in: make(chan *batchJob, 4*max),
		quit: make(chan struct{}), done: make(chan struct{})}
}

// Start starts the batching goroutine.
func (b *Batcher) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.stopped {
		return
	}
	b.started = true
	go b.loop()
}

// Stop writes what is queued, answers its callers and stops; later calls
// write directly. It is safe to call more than once.
func (b *Batcher) Stop() {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return
	}
	b.stopped = true
	started := b.started
	close(b.quit)
	b.mu.Unlock()
	if started {
		<-b.done
	}
}

// Stats returns how many transactions and requests the batcher has run.
func (b *Batcher) Stats() (batches, requests int64) { return b.batches.Load(), b.jobs.Load() }

// Do runs fn in a shared write transaction and returns once that
// transaction has committed (nil: fn's writes are durable) or fn's writes
// were rolled back (fn's error, or the transaction's). A ctx cancelled
// while the request still waits in the queue returns ctx.Err() and writes
// nothing; once its transaction has begun the caller waits for the
// outcome, which takes at most one batch.
func (b *Batcher) Do(ctx context.Context, fn BatchFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &batchJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	b.mu.RLock()
	if !b.started || b.stopped {
		b.mu.RUnlock()
		return b.svc.DB.Write(ctx, func(tx *db.Tx) error { return fn(ctx, tx) })
	}
	select {
	case b.in <- j:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobCancelled) {
			return ctx.Err()
		}
		return <-j.done
	}
}

// Submit is Service.Submit for a citizen (no account) through the batch:
// the same validation and checks, the same rows, answered after commit.
func (b *Batcher) Submit(ctx context.Context, in SubmitInput) (Submitted, error) {
	in.normalise()
	var f errs.Fields
	in.validate(&f, true)
	if err := f.Err(); err != nil {
		return Submitted{}, err
	}
	if !b.svc.SearchBehind {
		in.analyse()
	}
	var out Submitted
	err := b.Do(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = b.svc.submitTx(ctx, tx, nil, in)
		return err
	})
	if err != nil {
		return Submitted{}, err
	}
	return out, nil
}

func (b *Batcher) loop() {
	defer close(b.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]*batchJob, 0, b.Max)
	for {
		batch = batch[:0]
		select {
		case j := <-b.in:
			batch = append(batch, j)
		case <-b.quit:
			b.drain(batch)
			return
		}
		timer.Reset(b.Window)
	gather:
		for len(batch) < b.Max {
			select {
			case j := <-b.in:
				batch = append(batch, j)
			case <-timer.C:
				break gather
			case <-b.quit:
				break gather
			}
		}
		timer.Stop()
		b.run(batch)
	}
}

// drain runs everything still queued after Stop.
func (b *Batcher) drain(batch []*batchJob) {
	for {
		select {
		case j := <-b.in:
			batch = append(batch, j)
			if len(batch) < b.Max {
				continue
			}
		default:
		}
		if len(batch) == 0 {
			return
		}
		b.run(batch)
		batch = batch[:0]
	}
}

// errBatchSavepoint marks a transaction that cannot go on after a request
// failed inside it (the savepoint could not be rolled back).
var errBatchSavepoint = errors.New("workorder: batch savepoint lost")

// errBatchAbort rolls back a round in which a request failed.
var errBatchAbort = errors.New("workorder: batch round aborted")

// optimisticRounds is how many times a batch is run again without the
// request that failed in it before the batcher falls back to a savepoint
// per request.
const optimisticRounds = 2

// run writes one batch in one transaction. Requests are refused inside it
// rarely (most refusals happen before), so it first runs them plainly: when
// one fails, the transaction is rolled back and run again without it (its
// error is its answer: it failed after the same requests as before).
// After optimisticRounds such failures it runs the rest with a savepoint
// per request, so any number of refusals costs one more round (a savepoint
// per request costs two statements each). The requests' search tokens and
// rollup counters are written once, at the end (batchBuffer). When the
// transaction fails for another reason (commit, busy database) each
// request is written again on its own, so that one request cannot fail
// the others.
func (b *Batcher) run(batch []*batchJob) {
	live := batch[:0:0]
	for _, j := range batch {
		if j.state.CompareAndSwap(jobQueued, jobTaken) {
			live = append(live, j)
		}
	}
	if len(live) == 0 {
		return
	}
	b.batches.Add(1)
	b.jobs.Add(int64(len(live)))
	ctx := context.Background()
	results := make([]error, len(live))
	skip := make([]bool, len(live))
	var err error
	for round := 0; ; round++ {
		savepoints := round >= optimisticRounds
		failed := -1
		err = b.svc.DB.Write(ctx, func(tx *db.Tx) error {
			failed = -1
			buf := &batchBuffer{behind: b.svc.SearchBehind}
			for i, j := range live {
				if skip[i] {
					continue
				}
				jctx := context.WithValue(context.WithoutCancel(j.ctx), batchKey{}, buf)
				if !savepoints {
					if err := j.fn(jctx, tx); err != nil {
						failed, results[i] = i, err
						return errBatchAbort
					}
					continue
				}
				results[i] = nil
				if _, err := tx.Exec(ctx, "SAVEPOINT wm_batch"); err != nil {
					return err
				}
				mark := buf.mark()
				if err := j.fn(jctx, tx); err != nil {
					results[i] = err
					buf.undo(mark)
					if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT wm_batch"); rerr != nil {
						return errors.Join(errBatchSavepoint, rerr)
					}
				}
				if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT wm_batch"); err != nil {
					return err
				}
			}
			return buf.flush(ctx, tx)
		})
		if failed >= 0 && errors.Is(err, errBatchAbort) {
			skip[failed] = true
			continue
		}
		break
	}
	if err != nil {
		// Alone, each request gets its own outcome.
		for i, j := range live {
			if !skip[i] {
				jctx := context.WithoutCancel(j.ctx)
				results[i] = b.svc.DB.Write(jctx, func(tx *db.Tx) error { return j.fn(jctx, tx) })
			}
		}
	}
	for i, j := range live {
		j.done <- results[i]
	}
}

// batchBuffer holds the writes of a batch's requests that cost less made
// once, at the end of the batch's transaction, than once per request: the
// search tokens of new orders (on SQLite, FTS5 writes the tokens gathered
// by one statement as one segment, so a token INSERT per report between
// other statements leaves a segment per report to merge) and the KPI
// rollup counters (a batch's reports share a few rollup rows, written once
// with their sums). The requests put them here through indexOrder and
// addStats, which find the buffer in their ctx.
type batchBuffer struct {
	docs  []search.Doc
	stats []statChange
	// behind: the docs' orders are queued for the search indexer
	// (Service.SearchBehind) instead of indexed here.
	behind bool
}

type batchKey struct{}

// batchWrites returns the buffer of the batch ctx belongs to, or nil
// outside a batch.
func batchWrites(ctx context.Context) *batchBuffer {
	b, _ := ctx.Value(batchKey{}).(*batchBuffer)
	return b
}

// mark and undo drop what a request added when it is rolled back to its
// savepoint.
func (b *batchBuffer) mark() [2]int { return [2]int{len(b.docs), len(b.stats)} }

func (b *batchBuffer) undo(m [2]int) { b.docs, b.stats = b.docs[:m[0]], b.stats[:m[1]] }

// flush writes the buffer in the batch's transaction, before its commit.
func (b *batchBuffer) flush(ctx context.Context, tx *db.Tx) error {
	if b.behind {
		if err := queueSearch(ctx, tx, b.docs); err != nil {
			return err
		}
	} else if err := search.PutMany(ctx, tx, SearchKind, b.docs); err != nil {
		return err
	}
	if len(b.stats) == 0 {
		return nil
	}
	return writeStats(ctx, tx, sumStats(b.stats))
}

// writeReport runs a citizen's report through the batcher when there is
// one, else in its own write transaction; either way it returns after the
// commit.
func (s *Service) writeReport(ctx context.Context, fn BatchFunc) error {
	if s.Batch != nil {
		return s.Batch.Do(ctx, fn)
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error { return fn(ctx, tx) })
}
