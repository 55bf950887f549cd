package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

var t0 = time.Date(2026, 3, 5, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newService(t *testing.T, d *db.DB) (*Service, string) {
	root := filepath.Join(t.TempDir(), "photos")
	st, err := NewLocalStore(root)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{DB: d, Store: st, Clock: clock.NewFake(t0)}, root
}

func readBlob(t *testing.T, s *Service, id int64, v Variant) ([]byte, *Blob) {
	t.Helper()
	b, err := s.Open(context.Background(), id, v)
	if err != nil {
		t.Fatalf("open %s: %v", v, err)
	}
	defer b.Body.Close()
	data, err := io.ReadAll(b.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data, b
}

func countFiles(t *testing.T, root string) int {
	n := 0
	filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestCommitStoresBlobsAndRowInTheCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, root := newService(t, d)
		raw := encJPEG(t, quadrants(64, 32))
		data := withAPP1(raw, exifTIFF(exifSpec{bo: binary.BigEndian, orientation: 6, gps: true, lat: 29.552, lng: 103.7656}))
		p, err := Prepare(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var ph Photo
		if err := d.Write(ctx, func(tx *db.Tx) error {
			ph, err = s.Commit(ctx, tx, p, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ph.ID == 0 || ph.MIME != MIMEJPEG || ph.Width != 32 || ph.Height != 64 || !ph.HasGPS || !ph.HasPublic() {
			t.Fatalf("got %+v", ph)
		}
		if !strings.HasPrefix(ph.OriginalKey, "original/"+p.SHA256[:2]+"/"+p.SHA256[2:4]+"/"+p.SHA256) ||
			!strings.HasPrefix(ph.PublicKey, "public/") || !strings.HasPrefix(ph.ThumbKey, "thumb/") {
			t.Fatalf("keys %s %s %s", ph.OriginalKey, ph.PublicKey, ph.ThumbKey)
		}

		var got Photo
		if err := d.Read(ctx, func(tx *db.Tx) error {
			got, err = s.Get(ctx, tx, ph.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(t0) || got.UploadedBy != 0 || math.Abs(got.Lat-29.552) > 1e-5 || math.Abs(got.Lng-103.7656) > 1e-5 {
			t.Fatalf("row %+v", got)
		}
		got.CreatedAt = ph.CreatedAt
		if got != ph {
			t.Fatalf("row\n got %+v\nwant %+v", got, ph)
		}

		orig, b := readBlob(t, s, ph.ID, Original)
		if !bytes.Equal(orig, data) || b.ContentType != MIMEJPEG || b.Placeholder {
			t.Fatal("original changed")
		}
		for _, v := range []Variant{Public, Thumb} {
			out, b := readBlob(t, s, ph.ID, v)
			assertClean(t, out)
			m := decodeJPEG(t, out)
			if m.Bounds().Dx() >= m.Bounds().Dy() || b.ContentType != MIMEJPEG || b.Placeholder || len(b.ETag) != 64 {
				t.Fatalf("%s: %v %+v", v, m.Bounds(), b)
			}
		}
		if _, err := s.Open(ctx, ph.ID+100, Public); !errs.Is(err, errs.NotFound) {
			t.Fatalf("missing photo: %v", err)
		}
		if _, err := s.Open(ctx, ph.ID, Variant("exif")); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad variant: %v", err)
		}

		// The same upload again (a retry): same blobs, second row.
		p2, _ := Prepare(bytes.NewReader(data))
		var ph2 Photo
		if err := d.Write(ctx, func(tx *db.Tx) error {
			ph2, err = s.Commit(ctx, tx, p2, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ph2.ID == ph.ID || ph2.OriginalKey != ph.OriginalKey || ph2.PublicKey != ph.PublicKey {
			t.Fatalf("retry: %+v", ph2)
		}
		if n := countFiles(t, root); n != 3 {
			t.Fatalf("%d files in the store, want 3", n)
		}
	})
}

func TestHEICIsKeptForStaffAndShownPubliclyAsAPlaceholder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, root := newService(t, d)
		heic := minimalHEIC("heic", []string{"mif1", "heic"}, box("mdat", []byte("pretend HEVC with EXIF GPS")))
		var ph Photo
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			ph, err = s.Save(ctx, tx, bytes.NewReader(heic), 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ph.HasPublic() || ph.PublicKey != "" || ph.ThumbKey != "" || !strings.HasSuffix(ph.OriginalKey, ".heic") {
			t.Fatalf("got %+v", ph)
		}
		if n := countFiles(t, root); n != 1 {
			t.Fatalf("%d files stored", n)
		}
		orig, b := readBlob(t, s, ph.ID, Original)
		if !bytes.Equal(orig, heic) || b.ContentType != MIMEHEIC {
			t.Fatalf("original: %s", b.ContentType)
		}
		for _, v := range []Variant{Public, Thumb} {
			out, b := readBlob(t, s, ph.ID, v)
			if !b.Placeholder || !bytes.Equal(out, Placeholder()) || bytes.Contains(out, []byte("HEVC")) {
				t.Fatalf("%s is not the placeholder", v)
			}
		}
	})
}

func TestABadFileChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, root := newService(t, d)
		good := encJPEG(t, quadrants(32, 32))
		files := [][]byte{good, []byte("not a photo")}
		// The order's way: prepare everything first, then one transaction.
		var prepared []*Prepared
		var refusal error
		for _, f := range files {
			p, err := Prepare(bytes.NewReader(f))
			if err != nil {
				refusal = err
				break
			}
			prepared = append(prepared, p)
		}
		if !errs.Is(refusal, errs.Invalid) {
			t.Fatalf("got %v", refusal)
		}
		// Save inside a transaction that then fails: no row.
		boom := errors.New("order insert failed")
		err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := s.Save(ctx, tx, bytes.NewReader(good), 0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// Save of a bad file inside a transaction: refused before any write.
		err = d.Write(ctx, func(tx *db.Tx) error {
			_, err := s.Save(ctx, tx, strings.NewReader("GIF89a...."), 0)
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Fatal(err)
		}
		var n int64
		if err := d.Read(ctx, func(tx *db.Tx) error {
			n, err = tx.Count(ctx, "SELECT COUNT(*) FROM photos")
			return err
		}); err != nil || n != 0 {
			t.Fatalf("%d rows, %v", n, err)
		}
		// The rolled-back Save left its content-addressed blobs (harmless,
		// reused by a retry); the refused files left nothing.
		if c := countFiles(t, root); c != 3 {
			t.Fatalf("%d files", c)
		}
	})
}

func TestUploadBeforeTheTransactionThenCommitOnlyInserts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, root := newService(t, d)
		p, err := Prepare(bytes.NewReader(encPNG(t, quadrants(10, 10))))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Upload(ctx, p); err != nil {
			t.Fatal(err)
		}
		if n := countFiles(t, root); n != 3 {
			t.Fatalf("%d files", n)
		}
		s.Store = failingStore{} // Commit must not touch the store again
		if err := d.Write(ctx, func(tx *db.Tx) error {
			ph, err := s.Commit(ctx, tx, p, 0)
			if err == nil && (ph.MIME != MIMEPNG || !strings.HasSuffix(ph.OriginalKey, ".png")) {
				t.Errorf("got %+v", ph)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

type failingStore struct{}

func (failingStore) Put(context.Context, string, io.Reader, int64, string) error {
	return errors.New("store down")
}
func (failingStore) Get(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("store down")
}
func (failingStore) Delete(context.Context, string) error { return errors.New("store down") }
func (failingStore) List(context.Context, string, func(Object) error) error {
	return errors.New("store down")
}

func TestCommitRecordsTheUploader(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		var uid int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			uid, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, password_hash, created_at, updated_at)
				VALUES ('handler1', '处置人', 'x', 0, 0) RETURNING id`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var ph Photo
		if err := d.Write(ctx, func(tx *db.Tx) error {
			ph, err = s.Save(ctx, tx, bytes.NewReader(encJPEG(t, quadrants(8, 8))), uid)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.Read(ctx, func(tx *db.Tx) error {
			got, err := s.Get(ctx, tx, ph.ID)
			if err == nil && got.UploadedBy != uid {
				t.Errorf("uploaded_by %d want %d", got.UploadedBy, uid)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// an unknown user id is refused by the foreign key
		err = d.Write(ctx, func(tx *db.Tx) error {
			_, err := s.Save(ctx, tx, bytes.NewReader(encJPEG(t, quadrants(8, 8))), uid+1000)
			return err
		})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("unknown uploader: %v", err)
		}
	})
}
