package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// TestAPhotoDeletedWhileTheBackupIsWrittenIsStillInIt proves the backup
// holds the photos it listed: the sweeper deleting one of them while the
// archive is written neither fails the backup nor leaves the photo out.
func TestAPhotoDeletedWhileTheBackupIsWrittenIsStillInIt(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	for _, name := range []string{"original/ab/cd/a.jpg", "public/ab/cd/a.jpg", "thumb/ab/cd/a.jpg"} {
		p := filepath.Join(photos, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("photo "+name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	afterHold = func() { os.Remove(filepath.Join(photos, "public", "ab", "cd", "a.jpg")) }
	defer func() { afterHold = func() {} }()
	file := filepath.Join(dir, "b.tar.gz")
	m, err := Write(context.Background(), d, photos, file, time.Now())
	if err != nil {
		t.Fatalf("backup with a photo deleted meanwhile: %v", err)
	}
	if m.Photos != 3 {
		t.Fatalf("manifest: %d photos, want 3", m.Photos)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if !slices.Contains(names, "photos/public/ab/cd/a.jpg") {
		t.Fatalf("the deleted photo is not in the backup: %v", names)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".wenming-backup-*")); len(left) != 0 {
		t.Fatalf("the backup left %v", left)
	}
}
