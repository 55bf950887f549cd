package photo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
)

// Store keeps photo blobs by key. Keys are slash-separated paths of
// [A-Za-z0-9._-] segments (see ValidKey); the Service makes them
// content-addressed (original/ab/cd/<sha256>.jpg), so writing the same key
// twice writes the same bytes and a retried Put is harmless.
//
// Get of a missing key returns an errs.NotFound error; Delete of a missing
// key succeeds. List calls fn for every blob whose key starts with prefix,
// in no particular order (the sweeper's view of the store); an error from
// fn stops it and is returned.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string, fn func(Object) error) error
}

// Object is a stored blob as List sees it.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time // when it was last written
}

var errBadKey = errs.E(errs.Invalid, "err.invalid_value")

// ValidKey checks a store key: 1 to 512 bytes, segments separated by "/",
// each non-empty, made of ASCII letters, digits, '.', '_' and '-', and not
// starting with '.' (so no "..", no hidden or temporary names). Such a key
// cannot escape a LocalStore's folder and needs no escaping in a URL.
func ValidKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("photo store key %q: %w", key, errBadKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("photo store key %q: %w", key, errBadKey)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("photo store key %q: %w", key, errBadKey)
			}
		}
	}
	return nil
}

// blobKey is the content-addressed key of a blob: variant/ab/cd/<sha256>.ext.
func blobKey(variant Variant, sum, ext string) string {
	return string(variant) + "/" + sum[0:2] + "/" + sum[2:4] + "/" + sum + "." + ext
}

// LocalStore keeps blobs as files under a folder (the default, in the data
// folder beside the SQLite file). Writes go to a temporary file in the
// target folder, are synced, and are renamed into place, so a reader never
// sees half a photo and a crash leaves at most a stray ".tmp-" file.
type LocalStore struct {
	Root string
}

// NewLocalStore creates the folder if needed.
func NewLocalStore(root string) (*LocalStore, error) {
	if root == "" {
		return nil, errors.New("photo store: empty folder")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("photo store: %w", err)
	}
	return &LocalStore{Root: root}, nil
}

func (s *LocalStore) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.Root, filepath.FromSlash(key)), nil
}

// Put writes exactly size bytes from r under key (size < 0: all of r).
func (s *LocalStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (err error) {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if size >= 0 {
		n, err := io.CopyN(f, r, size)
		if err != nil {
			return fmt.Errorf("photo store: wrote %d of %d bytes: %w", n, size, err)
		}
		if k, _ := r.Read(make([]byte, 1)); k > 0 {
			return fmt.Errorf("photo store: more than %d bytes for %s", size, key)
		}
	} else if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("photo store: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Get opens the blob; the caller closes it.
func (s *LocalStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.NotFoundf("photo.entity")
	}
	if err != nil {
		return nil, fmt.Errorf("photo store: %w", err)
	}
	return f, nil
}

// Delete removes the blob; a missing blob is not an error.
func (s *LocalStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("photo store: %w", err)
	}
	return nil
}

// List walks the folder below prefix. Temporary files of unfinished writes
// (".tmp-…") and anything else that is not a valid key are skipped.
func (s *LocalStore) List(ctx context.Context, prefix string, fn func(Object) error) error {
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.Root, p)
		if err != nil || rel == "." {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			// Only folders on the way to prefix or below it are entered.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || ValidKey(key) != nil {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		return fn(Object{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("photo store: list %q: %w", prefix, err)
	}
	return nil
}
