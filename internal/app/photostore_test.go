package app_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/photo"
)

// fakeBucket is an S3-compatible bucket in memory: PUT, GET and DELETE of
// path-style objects, requiring a SigV4 Authorization header.
type fakeBucket struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (b *fakeBucket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		data, _ := io.ReadAll(r.Body)
		b.objects[r.URL.Path] = data
	case http.MethodGet:
		data, ok := b.objects[r.URL.Path]
		if !ok {
			http.Error(w, "<Error><Code>NoSuchKey</Code></Error>", http.StatusNotFound)
			return
		}
		w.Write(data)
	case http.MethodDelete:
		delete(b.objects, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}
}

func TestPhotoStoreS3KeepsPhotosInTheConfiguredBucket(t *testing.T) {
	bucket := &fakeBucket{objects: map[string][]byte{}}
	srv := httptest.NewServer(bucket)
	defer srv.Close()
	cfg := app.Config{DataDir: t.TempDir(), AdminPassword: "Gate-Lamp-2026x", PhotoStore: "s3", S3: photo.S3Config{
		Endpoint: srv.URL, Bucket: "wenming-photos", AccessKey: "AKIDEXAMPLE", SecretKey: "secret", PathStyle: true, Prefix: "city/",
	}}
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, ok := a.Photos.Store.(*photo.S3Store); !ok {
		t.Fatalf("photo store is %T, want *photo.S3Store", a.Photos.Store)
	}
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	m.Set(0, 0, color.White)
	var src bytes.Buffer
	if err := jpeg.Encode(&src, m, nil); err != nil {
		t.Fatal(err)
	}
	var saved photo.Photo
	if err := a.DB.Write(context.Background(), func(tx *db.Tx) error {
		saved, err = a.Photos.Save(context.Background(), tx, bytes.NewReader(src.Bytes()), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bucket.mu.Lock()
	stored := bucket.objects["/wenming-photos/city/"+saved.OriginalKey]
	n := len(bucket.objects)
	bucket.mu.Unlock()
	if !bytes.Equal(stored, src.Bytes()) || n != 3 {
		t.Fatalf("bucket holds %d objects, original %d bytes; want original, public and thumbnail renditions", n, len(stored))
	}
	blob, err := a.Photos.Open(context.Background(), saved.ID, photo.Original)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(blob.Body)
	blob.Body.Close()
	if !bytes.Equal(got, src.Bytes()) {
		t.Fatalf("read back %d bytes from the bucket, want the %d sent", len(got), len(src.Bytes()))
	}
}

func TestAnUnknownPhotoStoreOrAnIncompleteS3ConfigurationIsRefusedAtStart(t *testing.T) {
	for _, cfg := range []app.Config{
		{PhotoStore: "ftp"},
		{PhotoStore: "s3", S3: photo.S3Config{Endpoint: "http://127.0.0.1:9", Bucket: "b"}},
	} {
		cfg.DataDir, cfg.AdminPassword = t.TempDir(), "Gate-Lamp-2026x"
		if a, err := app.New(context.Background(), cfg, nil); err == nil {
			a.Close()
			t.Errorf("%+v started", cfg.PhotoStore)
		}
	}
}
