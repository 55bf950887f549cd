package cli

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/photo"
)

// snapshotOf reads what a restore must bring back: every order's id and
// tracking code, and every photo's bytes as the server serves them.
func snapshotOf(t *testing.T, dir string) (orders string, photos map[int64][]byte) {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var ids []int64
	var b strings.Builder
	if err := a.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, code, state FROM workorders ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var code, state string
			rows.Scan(&id, &code, &state)
			b.WriteString(code + " " + state + "\n")
		}
		if err := rows.Err(); err != nil {
			return err
		}
		prow, err := tx.Query(ctx, "SELECT id FROM photos ORDER BY id")
		if err != nil {
			return err
		}
		defer prow.Close()
		for prow.Next() {
			var id int64
			prow.Scan(&id)
			ids = append(ids, id)
		}
		return prow.Err()
	}); err != nil {
		t.Fatal(err)
	}
	photos = map[int64][]byte{}
	for _, id := range ids {
		for _, v := range []photo.Variant{photo.Original, photo.Public, photo.Thumb} {
			blob, err := a.Photos.Open(ctx, id, v)
			if err != nil {
				t.Fatalf("photo %d %s: %v", id, v, err)
			}
			data, _ := io.ReadAll(blob.Body)
			blob.Body.Close()
			photos[id*10+int64(len(v))] = data
		}
	}
	return b.String(), photos
}

func TestBackupThenRestoreServesTheSameOrdersAndPhotos(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := run(t, "", "demo", "--orders", "40", "--data", dir); code != 0 {
		t.Fatalf("demo: %s", e)
	}
	_, demoPhotos := snapshotOf(t, dir) // the demo's own (board cases, patrols …)
	// Three photos beside the demo history's orders.
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		m := image.NewRGBA(image.Rect(0, 0, 80+i, 60))
		for j := range m.Pix {
			m.Pix[j] = uint8(j * (i + 3))
		}
		var src bytes.Buffer
		jpeg.Encode(&src, m, nil)
		if err := a.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := a.Photos.Save(ctx, tx, &src, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	wantOrders, wantPhotos := snapshotOf(t, dir)
	if strings.Count(wantOrders, "\n") < 10 || len(wantPhotos) != len(demoPhotos)+9 {
		t.Fatalf("demo folder: %d orders, %d photo renditions (the demo's %d and 9)", strings.Count(wantOrders, "\n"), len(wantPhotos), len(demoPhotos))
	}
	// Every photo file is in the archive: the backup names their count,
	// at least the three photos' nine renditions, and the restore the same.
	archive := filepath.Join(t.TempDir(), "wenming-backup.tar.gz")
	code, out, e := run(t, "", "backup", archive, "--data", dir)
	m := regexp.MustCompile(`(\d+) photo files`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("backup: %d %q %q", code, out, e)
	}
	if n, _ := strconv.Atoi(m[1]); n < 9 {
		t.Fatalf("backup: %d photo files, want the demo's and 9", n)
	}
	files := m[0]
	restored := t.TempDir()
	if code, out, e := run(t, "", "restore", archive, "--data", restored); code != 0 || !strings.Contains(out, files) {
		t.Fatalf("restore: %d %q %q", code, out, e)
	}
	gotOrders, gotPhotos := snapshotOf(t, restored)
	if gotOrders != wantOrders {
		t.Fatalf("restored orders differ: %d lines, want %d", strings.Count(gotOrders, "\n"), strings.Count(wantOrders, "\n"))
	}
	for k, want := range wantPhotos {
		if !bytes.Equal(gotPhotos[k], want) {
			t.Fatalf("restored photo rendition %d: %d bytes, want %d", k, len(gotPhotos[k]), len(want))
		}
	}

	// A second restore into the now non-empty folder is refused without --force.
	if code, _, e := run(t, "", "restore", archive, "--data", restored); code != 1 || !strings.Contains(e, "--force") {
		t.Fatalf("restore over a database: %d %q", code, e)
	}
	if code, _, e := run(t, "", "restore", archive, "--data", restored, "--force"); code != 0 {
		t.Fatalf("restore --force: %q", e)
	}
}

func TestADamagedBackupIsRefusedAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := run(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatal(e)
	}
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	if code, _, e := run(t, "", "backup", archive, "--data", dir); code != 0 {
		t.Fatal(e)
	}
	data, _ := os.ReadFile(archive)
	cut := filepath.Join(t.TempDir(), "cut.tar.gz")
	os.WriteFile(cut, data[:len(data)/2], 0o600)
	target := t.TempDir()
	if code, _, e := run(t, "", "restore", cut, "--data", target); code != 1 || !strings.Contains(e, "restore") {
		t.Fatalf("damaged archive: %d %q", code, e)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Fatalf("a refused restore left %d entries in the data folder", len(entries))
	}
	notOurs := filepath.Join(t.TempDir(), "x.tar.gz")
	os.WriteFile(notOurs, []byte("hello"), 0o600)
	if code, _, e := run(t, "", "restore", notOurs, "--data", target); code != 1 || !strings.Contains(e, "not a wenming backup") {
		t.Fatalf("not an archive: %d %q", code, e)
	}
}
