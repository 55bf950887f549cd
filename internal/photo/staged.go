package photo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/jobs"
)

// No blob without its row. A caller whose photos join a transaction stages
// them (Stage writes the blobs before the transaction, so slow storage does
// not hold the writer), inserts their rows inside it (Staged.Commit) and
// finishes after it (Staged.Finish): when the transaction did not commit,
// the blobs it wrote are deleted unless a photos row names them (keys are
// content-addressed, so another photo may share a blob) or another staged
// upload in this process holds them. What a crash between the blobs and the
// commit leaves behind is removed by Sweep, run hourly as a job.

// OrphanAge is how old an unreferenced blob must be before Sweep removes
// it: far longer than any upload takes to commit.
const OrphanAge = time.Hour

// variantPrefixes are the store prefixes the Service writes under.
var variantPrefixes = []string{string(Original) + "/", string(Public) + "/", string(Thumb) + "/"}

// Staged are photos whose blobs are in the store and whose rows are not
// yet committed. It is used by one goroutine.
type Staged struct {
	s        *Service
	photos   []*Prepared
	keys     []string
	finished bool
}

// Stage writes the photos' blobs and holds their keys until Finish. When a
// write fails, what was written is removed (as by Finish(ctx, false)) and
// the error returned.
func (s *Service) Stage(ctx context.Context, ps []*Prepared) (*Staged, error) {
	st := &Staged{s: s, photos: ps}
	for _, p := range ps {
		if p == nil || p.original == nil {
			return nil, errors.New("photo: stage of an unprepared photo")
		}
		for _, b := range p.blobs() {
			st.keys = append(st.keys, b.key)
		}
	}
	s.hold(st.keys)
	for _, p := range ps {
		if err := s.Upload(ctx, p); err != nil {
			if cerr := st.Finish(context.WithoutCancel(ctx), false); cerr != nil {
				err = errors.Join(err, cerr)
			}
			return nil, err
		}
	}
	return st, nil
}

// Commit inserts the staged photos' rows in the caller's transaction and
// returns their ids in order (uploadedBy: a user id, or 0 for a citizen).
func (st *Staged) Commit(ctx context.Context, tx *db.Tx, uploadedBy int64) ([]int64, error) {
	ids := make([]int64, 0, len(st.photos))
	for _, p := range st.photos {
		ph, err := st.s.Commit(ctx, tx, p, uploadedBy)
		if err != nil {
			return nil, err
		}
		ids = append(ids, ph.ID)
	}
	return ids, nil
}

// Finish releases the staged blobs once the caller's transaction has ended.
// committed tells whether it committed; when not, every staged blob that no
// photos row names and no other staged upload holds is deleted, and the
// photos must be staged again before another try. Calling it again does
// nothing.
func (st *Staged) Finish(ctx context.Context, committed bool) error {
	if st == nil || st.finished {
		return nil
	}
	st.finished = true
	st.s.release(st.keys)
	if committed {
		return nil
	}
	for _, p := range st.photos {
		p.stored = false
	}
	_, err := st.s.deleteUnused(ctx, st.keys)
	return err
}

func (s *Service) hold(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]int{}
	}
	for _, k := range keys {
		s.held[k]++
	}
}

func (s *Service) release(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(keys)
}

func (s *Service) releaseLocked(keys []string) {
	for _, k := range keys {
		if s.held[k]--; s.held[k] <= 0 {
			delete(s.held, k)
		}
	}
}

// deleteUnused deletes those of the keys that no photos row names and no
// staged upload holds, and returns how many it deleted. The rows are read
// once for all keys; each remaining key is then checked again and deleted
// under the lock, one at a time, so that a Stage of the same content
// starting meanwhile waits for one delete at most and then writes its blobs
// afresh, and a row committed meanwhile keeps its blob.
func (s *Service) deleteUnused(ctx context.Context, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	used, err := s.referenced(ctx, keys)
	if err != nil {
		return 0, err
	}
	deleted := 0
	var failed []error
	for _, k := range keys {
		if used[k] {
			continue
		}
		ok, err := s.deleteIfUnused(ctx, k)
		if err != nil {
			failed = append(failed, err)
		} else if ok {
			deleted++
		}
	}
	return deleted, errors.Join(failed...)
}

func (s *Service) deleteIfUnused(ctx context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key] > 0 {
		return false, nil
	}
	used, err := s.referenced(ctx, []string{key})
	if err != nil || used[key] {
		return false, err
	}
	if err := s.Store.Delete(ctx, key); err != nil {
		return false, err
	}
	return true, nil
}

// referenced tells which of the keys a photos row names (as its original,
// public rendition or thumbnail).
func (s *Service) referenced(ctx context.Context, keys []string) (map[string]bool, error) {
	used := map[string]bool{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		for len(keys) > 0 {
			n := min(len(keys), 300)
			part := keys[:n]
			keys = keys[n:]
			args := make([]any, 0, 3*n)
			for range 3 {
				for _, k := range part {
					args = append(args, k)
				}
			}
			in := db.Placeholders(n)
			rows, err := tx.Query(ctx, `SELECT original_key FROM photos WHERE original_key IN (`+in+`)
				UNION SELECT public_key FROM photos WHERE public_key IN (`+in+`)
				UNION SELECT thumb_key FROM photos WHERE thumb_key IN (`+in+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					rows.Close()
					return err
				}
				used[k] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return used, err
}

// Sweep deletes the blobs older than minAge that no photos row names and
// no staged upload of this process holds: what is left when a process dies
// between writing a photo's blobs and committing its row. It returns how
// many it deleted. A blob being written again (the same content uploaded
// anew) is fresh, so a running upload's blobs are younger than minAge.
func (s *Service) Sweep(ctx context.Context, minAge time.Duration) (int, error) {
	cutoff := s.now().Add(-minAge)
	deleted := 0
	var batch []string
	flush := func() error {
		n, err := s.deleteUnused(ctx, batch)
		deleted += n
		batch = batch[:0]
		return err
	}
	for _, prefix := range variantPrefixes {
		err := s.Store.List(ctx, prefix, func(o Object) error {
			if !o.Modified.Before(cutoff) || !strings.HasPrefix(o.Key, prefix) {
				return nil
			}
			batch = append(batch, o.Key)
			if len(batch) >= 300 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return deleted, fmt.Errorf("photo sweep: %w", err)
		}
	}
	return deleted, nil
}

// SweepJob runs Sweep every hour for blobs older than OrphanAge; the job
// lease makes one instance run it at a time.
func (s *Service) SweepJob() jobs.Job {
	return jobs.Job{Name: "photo.sweep_orphans", Every: time.Hour, Lease: time.Hour, Run: func(ctx context.Context) error {
		_, err := s.Sweep(ctx, OrphanAge)
		return err
	}}
}
