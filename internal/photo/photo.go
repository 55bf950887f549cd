// Package photo keeps the evidence photos of work orders: citizens'
// reports, handlers' resolutions and inspections.
//
// A photo is taken in two steps so that "a bad file is refused with a
// message and the order is not half-saved":
//
//  1. Prepare checks the upload by its content (JPEG, PNG, WebP or HEIC, at
//     most 10 MB and 50 megapixels) and re-encodes it in memory: a public
//     JPEG (long side 2560, upright, no EXIF, so no location) and a
//     thumbnail (long side 320). Nothing is written. A caller with several
//     photos prepares them all before it opens its transaction.
//  2. Service.Commit, inside the caller's transaction, writes the blobs to
//     the Store under content-addressed keys and inserts the photos row.
//     Service.Stage writes the blobs before the transaction instead, so
//     that slow storage (S3) does not hold SQLite's single writer; Commit
//     then only inserts the row, and Staged.Finish deletes the blobs again
//     when the transaction did not commit (unless another row names them).
//     Service.Sweep, an hourly job, removes old blobs no row names (what a
//     crash in between leaves).
//
// Service.Open serves a variant: the original (staff only; it keeps the
// camera's EXIF, location included — the caller decides who may see it),
// the public rendition, or the thumbnail. The package does no permission
// checks of its own: photos belong to work orders, inspections and the
// like, and those capabilities decide who sees what.
package photo

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Variant names one rendition of a photo.
type Variant string

const (
	Original Variant = "original" // the upload as it came (staff only)
	Public   Variant = "public"   // re-encoded, upright, no metadata
	Thumb    Variant = "thumb"    // small re-encoded copy for lists
)

// ParseVariant accepts "original", "public" or "thumb".
func ParseVariant(s string) (Variant, error) {
	switch v := Variant(s); v {
	case Original, Public, Thumb:
		return v, nil
	}
	return "", errs.E(errs.Invalid, "err.invalid_value")
}

// Photo is one row of the photos table.
type Photo struct {
	ID          int64
	SHA256      string // of the original
	MIME        string // of the original
	Size        int64  // of the original, in bytes
	Width       int    // upright size of the original; 0 when unknown (HEIC)
	Height      int
	OriginalKey string
	PublicKey   string // "" when there is no public rendition (HEIC)
	ThumbKey    string // "" likewise
	HasGPS      bool   // the original's EXIF had a position
	Lat, Lng    float64
	UploadedBy  int64 // user id; 0 for an anonymous citizen
	CreatedAt   time.Time
}

// HasPublic reports whether the photo has a public rendition; without one
// the public and thumbnail views show Placeholder().
func (p Photo) HasPublic() bool { return p.PublicKey != "" }

// Service stores photos: metadata in the database, blobs in the Store.
type Service struct {
	DB    *db.DB
	Store Store
	Clock clock.Clock

	mu   sync.Mutex
	held map[string]int // keys of blobs staged for transactions not yet finished (staged.go)
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Save prepares and commits one photo in the caller's transaction. When a
// request carries several photos, call Prepare for each first and Commit
// them afterwards, so a bad one refuses the request before anything is
// written.
func (s *Service) Save(ctx context.Context, tx *db.Tx, r io.Reader, uploadedBy int64) (Photo, error) {
	p, err := Prepare(r)
	if err != nil {
		return Photo{}, err
	}
	return s.Commit(ctx, tx, p, uploadedBy)
}

var extByMIME = map[string]string{
	MIMEJPEG: "jpg", MIMEPNG: "png", MIMEWebP: "webp", MIMEHEIC: "heic", MIMEHEIF: "heif",
}

type blob struct {
	key, mime string
	data      []byte
}

// blobs returns the original and, when present, the public and thumbnail
// renditions with their content-addressed keys (computed once).
func (p *Prepared) blobs() []blob {
	if p.keyed == nil {
		p.keyed = []blob{{blobKey(Original, p.SHA256, extByMIME[p.MIME]), p.MIME, p.original}}
		if p.public != nil {
			p.keyed = append(p.keyed,
				blob{blobKey(Public, sha256Hex(p.public), "jpg"), MIMEJPEG, p.public},
				blob{blobKey(Thumb, sha256Hex(p.thumb), "jpg"), MIMEJPEG, p.thumb})
		}
	}
	return p.keyed
}

// Upload writes the prepared photo's blobs to the store. It is optional
// (Commit does it when it has not been done) and idempotent: keys are
// content-addressed, so a retry rewrites the same bytes.
func (s *Service) Upload(ctx context.Context, p *Prepared) error {
	if p == nil || p.original == nil {
		return fmt.Errorf("photo: upload of an unprepared photo")
	}
	if p.stored {
		return nil
	}
	for _, b := range p.blobs() {
		if err := s.Store.Put(ctx, b.key, bytes.NewReader(b.data), int64(len(b.data)), b.mime); err != nil {
			return fmt.Errorf("store photo %s: %w", b.key, err)
		}
	}
	p.stored = true
	return nil
}

// Commit stores the prepared photo's blobs (unless Upload already did) and
// inserts its row in the caller's transaction. uploadedBy is a user id, or
// 0 for an anonymous citizen. A Prepared value is not safe for concurrent
// use; committing it twice inserts two rows naming the same blobs.
func (s *Service) Commit(ctx context.Context, tx *db.Tx, p *Prepared, uploadedBy int64) (Photo, error) {
	if err := s.Upload(ctx, p); err != nil {
		return Photo{}, err
	}
	bs := p.blobs()
	ph := Photo{
		SHA256: p.SHA256, MIME: p.MIME, Size: p.Size, Width: p.Width, Height: p.Height,
		OriginalKey: bs[0].key, HasGPS: p.HasGPS, UploadedBy: uploadedBy,
		CreatedAt: time.UnixMilli(s.now().UnixMilli()),
	}
	if len(bs) == 3 {
		ph.PublicKey, ph.ThumbKey = bs[1].key, bs[2].key
	}
	if p.HasGPS {
		ph.Lat, ph.Lng = p.Lat, p.Lng
	}
	id, err := tx.InsertID(ctx, `INSERT INTO photos (sha256, mime, size, width, height, original_key,
		public_key, thumb_key, has_gps, lat, lng, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ph.SHA256, ph.MIME, ph.Size, ph.Width, ph.Height, ph.OriginalKey,
		nullString(ph.PublicKey), nullString(ph.ThumbKey), ph.HasGPS,
		sql.NullFloat64{Float64: ph.Lat, Valid: ph.HasGPS}, sql.NullFloat64{Float64: ph.Lng, Valid: ph.HasGPS},
		sql.NullInt64{Int64: uploadedBy, Valid: uploadedBy != 0}, ph.CreatedAt.UnixMilli())
	if err != nil {
		return Photo{}, err
	}
	ph.ID = id
	return ph, nil
}

const photoColumns = `id, sha256, mime, size, width, height, original_key, public_key, thumb_key,
	has_gps, lat, lng, uploaded_by, created_at`

// Get loads a photo's row in the caller's transaction.
func (s *Service) Get(ctx context.Context, tx *db.Tx, id int64) (Photo, error) {
	var (
		ph              Photo
		pub, thumb      sql.NullString
		lat, lng        sql.NullFloat64
		by              sql.NullInt64
		created         int64
		width, height   int64
		hasGPS          bool
		mime, sum, okey string
	)
	err := tx.Get(ctx, "photo.entity", `SELECT `+photoColumns+` FROM photos WHERE id = ?`, []any{id},
		&ph.ID, &sum, &mime, &ph.Size, &width, &height, &okey, &pub, &thumb, &hasGPS, &lat, &lng, &by, &created)
	if err != nil {
		return Photo{}, err
	}
	ph.SHA256, ph.MIME, ph.OriginalKey = sum, mime, okey
	ph.Width, ph.Height = int(width), int(height)
	ph.PublicKey, ph.ThumbKey = pub.String, thumb.String
	ph.HasGPS = hasGPS && lat.Valid && lng.Valid
	if ph.HasGPS {
		ph.Lat, ph.Lng = lat.Float64, lng.Float64
	}
	ph.UploadedBy = by.Int64
	ph.CreatedAt = time.UnixMilli(created)
	return ph, nil
}

// Blob is an opened rendition. The caller closes Body.
type Blob struct {
	Body        io.ReadCloser
	ContentType string
	// Placeholder is true when the photo has no such rendition (HEIC) and
	// Body is Placeholder().
	Placeholder bool
	// ETag identifies the content: the SHA-256 in its key, or "placeholder".
	ETag string
}

// Open returns a rendition of the photo. Public and Thumb of a photo
// without a public rendition give the placeholder image, never the
// original. Who may open Original is the caller's decision.
func (s *Service) Open(ctx context.Context, id int64, v Variant) (*Blob, error) {
	if _, err := ParseVariant(string(v)); err != nil {
		return nil, err
	}
	var ph Photo
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		ph, err = s.Get(ctx, tx, id)
		return err
	}); err != nil {
		return nil, err
	}
	key, mime := ph.OriginalKey, ph.MIME
	switch v {
	case Public:
		key, mime = ph.PublicKey, MIMEJPEG
	case Thumb:
		key, mime = ph.ThumbKey, MIMEJPEG
	}
	if key == "" {
		return &Blob{Body: io.NopCloser(bytes.NewReader(Placeholder())), ContentType: MIMEJPEG, Placeholder: true, ETag: "placeholder"}, nil
	}
	rc, err := s.Store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return &Blob{Body: rc, ContentType: mime, ETag: etagOf(key)}, nil
}

// etagOf returns the content hash in a content-addressed key.
func etagOf(key string) string {
	b := path.Base(key)
	return strings.TrimSuffix(b, path.Ext(b))
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
