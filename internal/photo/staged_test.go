package photo

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// storedKeys lists the blob keys under a local store's folder.
func storedKeys(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func keysOf(ps ...*Prepared) []string {
	var out []string
	for _, p := range ps {
		for _, b := range p.blobs() {
			out = append(out, b.key)
		}
	}
	sort.Strings(out)
	return out
}

func prepared(t *testing.T, w, h int) *Prepared {
	t.Helper()
	p, err := Prepare(bytes.NewReader(encJPEG(t, quadrants(w, h))))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// commitStaged stages ps, writes their rows in one transaction that fails
// with fail (nil: commits) and finishes the staging accordingly.
func commitStaged(t *testing.T, s *Service, d *db.DB, fail error, ps ...*Prepared) error {
	t.Helper()
	ctx := context.Background()
	st, err := s.Stage(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Write(ctx, func(tx *db.Tx) error {
		if _, err := st.Commit(ctx, tx, 0); err != nil {
			return err
		}
		return fail
	})
	if ferr := st.Finish(ctx, err == nil); ferr != nil {
		t.Fatal(ferr)
	}
	return err
}

func equalKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestARolledBackTransactionsPhotosLeaveNoBlobUnlessARowOrAnotherUploadUsesIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, root := newService(t, d)
		kept := prepared(t, 40, 30)
		if err := commitStaged(t, s, d, nil, kept); err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept)) {
			t.Fatalf("after a commit the store has %v", got)
		}
		// A refused transaction with a new photo and the same content again:
		// the new one's blobs go, the shared ones stay for the committed row.
		again, fresh := prepared(t, 40, 30), prepared(t, 50, 20)
		refused := errors.New("refused")
		if err := commitStaged(t, s, d, refused, again, fresh); !errors.Is(err, refused) {
			t.Fatal(err)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept)) {
			t.Fatalf("after a rollback the store has %v, want only the committed photo's %v", got, keysOf(kept))
		}
		// Trying the same prepared photo again writes its blobs again.
		if err := commitStaged(t, s, d, nil, fresh); err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept, fresh)) {
			t.Fatalf("a retried photo's blobs: %v", got)
		}
		// Another staged upload of the same content still in flight keeps them.
		ctx := context.Background()
		twin1, twin2 := prepared(t, 24, 24), prepared(t, 24, 24)
		st1, err := s.Stage(ctx, []*Prepared{twin1})
		if err != nil {
			t.Fatal(err)
		}
		st2, err := s.Stage(ctx, []*Prepared{twin2})
		if err != nil {
			t.Fatal(err)
		}
		if err := st2.Finish(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept, fresh, twin1)) {
			t.Fatalf("a failing twin deleted the blobs of one still in flight: %v", got)
		}
		if err := st1.Finish(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept, fresh)) {
			t.Fatalf("after both twins failed: %v", got)
		}
	})
}

func TestAStagingThatFailsHalfWayRemovesWhatItWrote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, root := newService(t, d)
		p := prepared(t, 30, 30)
		// The thumbnail's folder is taken by a file, so its write fails after the others'.
		thumb := p.blobs()[2].key
		dir := filepath.Join(root, filepath.FromSlash(filepath.Dir(thumb)))
		if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("in the way"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stage(context.Background(), []*Prepared{p}); err == nil {
			t.Fatal("a failed write was staged")
		}
		for _, k := range storedKeys(t, root) {
			if k != filepath.ToSlash(filepath.Dir(thumb)) {
				t.Fatalf("the failed staging left %s behind", k)
			}
		}
	})
}

func TestSweepRemovesOldBlobsThatNoRowNamesAndKeepsTheRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, root := newService(t, d)
		ctx := context.Background()
		kept := prepared(t, 40, 30)
		if err := commitStaged(t, s, d, nil, kept); err != nil {
			t.Fatal(err)
		}
		crashed, recent, inFlight := prepared(t, 33, 21), prepared(t, 21, 33), prepared(t, 17, 17)
		for _, p := range []*Prepared{crashed, recent} {
			if err := s.Upload(ctx, p); err != nil { // blobs written, the process died before the row
				t.Fatal(err)
			}
		}
		st, err := s.Stage(ctx, []*Prepared{inFlight})
		if err != nil {
			t.Fatal(err)
		}
		old := s.now().Add(-OrphanAge - time.Minute)
		for _, k := range keysOf(kept, crashed, inFlight) {
			if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(k)), old, old); err != nil {
				t.Fatal(err)
			}
		}
		recentAt := s.now().Add(-OrphanAge + time.Minute)
		for _, k := range keysOf(recent) {
			if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(k)), recentAt, recentAt); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.Sweep(ctx, OrphanAge)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("swept %d blobs, want the crashed upload's 3", n)
		}
		if got := storedKeys(t, root); !equalKeys(got, keysOf(kept, recent, inFlight)) {
			t.Fatalf("after the sweep the store has %v", got)
		}
		if err := st.Finish(ctx, false); err != nil {
			t.Fatal(err)
		}
		if job := s.SweepJob(); job.Name == "" || job.Every != time.Hour || job.Run == nil {
			t.Fatalf("sweep job %+v", job)
		}
	})
}
