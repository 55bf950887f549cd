// Package backup writes and restores one archive that holds everything a
// restored server needs: the SQLite database (a consistent online snapshot)
// and the evidence photos of the local photo store. On PostgreSQL the
// database is backed up with pg_dump and the archive holds the photos only
// (docs/OPERATIONS.md); photos kept in an S3 bucket are backed up with the
// bucket's own tools.
//
// The archive is a gzip-compressed tar: manifest.json first, then
// wenming.db (when the database is SQLite), then photos/… . The database is
// snapshotted before the photos are copied: a photo's file is written
// before its row commits, so every row in the snapshot finds its file.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// Manifest describes an archive.
type Manifest struct {
	Format   int       `json:"format"`
	Created  time.Time `json:"created"`
	Engine   string    `json:"engine"`
	Database bool      `json:"database"` // wenming.db is in the archive
	Photos   int       `json:"photos"`   // files under photos/
}

const (
	format       = 1
	manifestName = "manifest.json"
	dbName       = "wenming.db"
	photosDir    = "photos"
)

// Write writes the archive to file (which must not exist). photos is the
// local photo store's folder ("" when photos are not on local disk).
func Write(ctx context.Context, d *db.DB, photos, file string, now time.Time) (m Manifest, err error) {
	if _, err := os.Stat(file); err == nil {
		return m, fmt.Errorf("backup: %s already exists", file)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(file), ".wenming-backup-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	m = Manifest{Format: format, Created: now.UTC(), Engine: string(d.Engine)}
	snapshot := filepath.Join(tmp, dbName)
	if d.Engine == db.SQLite {
		if err := d.Backup(ctx, snapshot); err != nil {
			return m, err
		}
		m.Database = true
	}
	// The photos are held by hard links taken now (os.Link, same file
	// system): the sweeper or a refused upload may delete a file while the
	// archive is written, and a linked file stays readable. A file already
	// gone by its link is simply not in the backup, as it is in no row.
	var files []string // the held copies, under held
	held := ""
	if photos != "" {
		// Beside the photos folder, so the links stay on its file system.
		if held, err = os.MkdirTemp(filepath.Dir(photos), ".wenming-backup-photos-"); err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		defer os.RemoveAll(held)
		err := filepath.WalkDir(photos, func(p string, e fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p != photos {
				return nil // gone while the folder was read
			}
			if err != nil {
				return err
			}
			// Stray ".tmp-" files are uploads that never finished.
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".tmp-") {
				return nil
			}
			rel, _ := filepath.Rel(photos, p)
			dst := filepath.Join(held, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
				return err
			}
			switch err := os.Link(p, dst); {
			case errors.Is(err, fs.ErrNotExist):
				return nil // deleted since it was listed
			case err != nil:
				return copyFile(p, dst) // another file system: a copy holds it as well
			}
			files = append(files, dst)
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return m, fmt.Errorf("backup: photos: %w", err)
		}
	}
	afterHold()
	m.Photos = len(files)

	part := file + ".part"
	out, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(part)
		}
	}()
	zw := gzip.NewWriter(out)
	tw := tar.NewWriter(zw)
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(mj)), ModTime: now}); err != nil {
		return m, err
	}
	if _, err := tw.Write(mj); err != nil {
		return m, err
	}
	if m.Database {
		if err := addFile(tw, snapshot, dbName); err != nil {
			return m, err
		}
	}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		rel, _ := filepath.Rel(held, p)
		if err := addFile(tw, p, path.Join(photosDir, filepath.ToSlash(rel))); err != nil {
			return m, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	if err := zw.Close(); err != nil {
		return m, err
	}
	if err := out.Sync(); err != nil {
		return m, err
	}
	if err := out.Close(); err != nil {
		return m, err
	}
	return m, os.Rename(part, file)
}

func addFile(tw *tar.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// ErrNotEmpty is returned by Restore when the data folder already holds a
// database or photos and force is false.
var ErrNotEmpty = errors.New("restore: the data folder already holds a database or photos; use --force to replace them")

// Restore unpacks the archive into dataDir: wenming.db and photos/. It
// unpacks into a temporary folder beside it first and moves the parts into
// place only when the whole archive has been read, so a damaged archive
// changes nothing.
func Restore(file, dataDir string, force bool) (Manifest, error) {
	var m Manifest
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	if !force {
		for _, n := range []string{dbName, photosDir} {
			if _, err := os.Stat(filepath.Join(dataDir, n)); err == nil {
				return m, ErrNotEmpty
			}
		}
	}
	in, err := os.Open(file)
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return m, fmt.Errorf("restore: %s is not a wenming backup: %w", file, err)
	}
	tmp, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(tmp)
	tr := tar.NewReader(zr)
	seenManifest, photos := false, 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("restore: damaged archive: %w", err)
		}
		name := path.Clean(h.Name)
		if !seenManifest {
			if name != manifestName {
				return m, fmt.Errorf("restore: %s is not a wenming backup (no manifest first)", file)
			}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil || m.Format != format {
				return m, fmt.Errorf("restore: unreadable manifest (format %d, want %d)", m.Format, format)
			}
			seenManifest = true
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("restore: unexpected entry %q", h.Name)
		}
		if name != dbName && !strings.HasPrefix(name, photosDir+"/") || !fs.ValidPath(name) {
			return m, fmt.Errorf("restore: unexpected entry %q", h.Name)
		}
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return m, err
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
		_, err = io.Copy(f, tr)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
		if name != dbName {
			photos++
		}
	}
	if !seenManifest {
		return m, fmt.Errorf("restore: %s is empty", file)
	}
	if photos != m.Photos {
		return m, fmt.Errorf("restore: the archive holds %d photos, its manifest says %d", photos, m.Photos)
	}
	if _, err := os.Stat(filepath.Join(tmp, dbName)); (err == nil) != m.Database {
		return m, errors.New("restore: the archive's database does not match its manifest")
	}
	// Move into place: the old database (with its WAL) and photos go.
	if m.Database {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(filepath.Join(dataDir, dbName+suffix))
		}
		if err := os.Rename(filepath.Join(tmp, dbName), filepath.Join(dataDir, dbName)); err != nil {
			return m, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.RemoveAll(filepath.Join(dataDir, photosDir)); err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, photosDir), 0o750); err != nil {
		return m, err
	}
	if err := os.Rename(filepath.Join(tmp, photosDir), filepath.Join(dataDir, photosDir)); err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

// afterHold runs once the photos are held; a test deletes one there.
var afterHold = func() {}

// copyFile copies src to dst (which must not exist).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
