package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"

	"golang.org/x/image/webp"

	"github.com/wenming-city/wenming/internal/errs"
)

// Limits of what is accepted and produced.
const (
	MaxBytes      = 10 << 20   // largest accepted file
	MaxPixels     = 40_000_000 // largest accepted width×height, checked before decoding
	PublicLong    = 2560       // long side of the public rendition, in pixels
	ThumbLong     = 320        // long side of the thumbnail
	PublicQuality = 85         // JPEG quality of the public rendition
	ThumbQuality  = 80         // JPEG quality of the thumbnail
)

// Prepared is a checked photo, re-encoded in memory and ready to Commit.
// Preparing touches neither the database nor the store, so a form with
// several photos can prepare them all and refuse the whole submission
// before anything is written.
type Prepared struct {
	SHA256 string // hex SHA-256 of the original bytes
	MIME   string // of the original, from its content
	Size   int64  // of the original, in bytes
	// Width and Height are the upright size of the original in pixels (after
	// the EXIF orientation); 0 for HEIC, which is not decoded.
	Width, Height int
	// HasGPS tells whether the original's EXIF carried a usable position
	// (JPEG only). Lat/Lng are WGS-84 degrees as the camera wrote them.
	HasGPS   bool
	Lat, Lng float64

	original, public, thumb []byte
	keyed                   []blob // blobs with their store keys, see blobs()
	stored                  bool   // Upload has written the blobs
}

// HasPublic reports whether the photo has a public rendition. HEIC
// originals have none.
func (p *Prepared) HasPublic() bool { return p.public != nil }

// decodeSlots bounds how many photos are decoded at once: a 40-megapixel
// image takes up to a few hundred MB while it is being re-encoded.
var decodeSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// Prepare reads one uploaded file, checks it by content and re-encodes it.
//
// Accepted are JPEG, PNG and WebP (decoded, so a file that only starts like
// an image is refused) and HEIC/HEIF (container checked, see below), of at
// most MaxBytes and MaxPixels. Anything else is an errs.Invalid error with
// one of the message keys photo.empty, photo.too_large (arg: MB),
// photo.too_many_pixels (arg: megapixels), photo.bad_type or
// photo.corrupt. Errors reading r are returned as they are.
//
// Decodable photos get a public rendition (long side at most PublicLong,
// turned upright by the JPEG's EXIF orientation, transparency on white) and
// a thumbnail (long side ThumbLong), both fresh JPEGs written by the
// standard encoder and so without any EXIF, GPS or other metadata: these are
// the only copies ever shown to the public. The original is kept as it came,
// for staff.
//
// HEIC (what iPhones take by default) cannot be decoded with the standard
// library or golang.org/x/image, and a cgo decoder would break the one
// static binary. A HEIC upload is therefore accepted when its ISO-BMFF
// container is well formed with a HEIC/HEIF brand, stored as the original
// for staff only, and has no public rendition and no thumbnail: Service.Open
// serves Placeholder() for those views, so its EXIF (location included) is
// never shown publicly. (Upload forms can reduce how often this happens:
// iOS Safari generally hands the page a JPEG when the file input does not
// list image/heic among the types it accepts.)
func Prepare(r io.Reader) (*Prepared, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read photo: %w", err)
	}
	return prepareBytes(data)
}

func prepareBytes(data []byte) (*Prepared, error) {
	switch {
	case len(data) == 0:
		return nil, errs.E(errs.Invalid, "photo.empty")
	case len(data) > MaxBytes:
		return nil, errs.E(errs.Invalid, "photo.too_large", MaxBytes>>20)
	}
	k, mime := sniff(data)
	p := &Prepared{SHA256: sha256Hex(data), MIME: mime, Size: int64(len(data)), original: data}
	switch k {
	case kindHEIC:
		if !checkBMFF(data) {
			return nil, errs.E(errs.Invalid, "photo.corrupt")
		}
		return p, nil
	case kindJPEG, kindPNG, kindWebP:
	default:
		return nil, errs.E(errs.Invalid, "photo.bad_type")
	}
	if k == kindWebP && webpAnimated(data) {
		return nil, errs.E(errs.Invalid, "photo.bad_type")
	}

	cfg, err := safeDecodeConfig(k, data)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errs.E(errs.Invalid, "photo.corrupt")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, errs.E(errs.Invalid, "photo.too_many_pixels", MaxPixels/1_000_000)
	}

	decodeSlots <- struct{}{}
	defer func() { <-decodeSlots }()
	img, err := safeDecode(k, data)
	if err != nil {
		return nil, errs.E(errs.Invalid, "photo.corrupt")
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, errs.E(errs.Invalid, "photo.corrupt")
	}

	ex := exifInfo{Orientation: 1}
	if k == kindJPEG {
		ex = jpegEXIF(data)
	}
	p.HasGPS, p.Lat, p.Lng = ex.HasGPS, ex.Lat, ex.Lng
	p.Width, p.Height = cfg.Width, cfg.Height
	if ex.Orientation >= 5 {
		p.Width, p.Height = cfg.Height, cfg.Width
	}

	pub := render(img, ex.Orientation, PublicLong)
	img = nil // let the full-size decode go before the thumbnail is made
	if p.public, err = encodeJPEG(pub, PublicQuality); err != nil {
		return nil, fmt.Errorf("encode public photo: %w", err)
	}
	if p.thumb, err = encodeJPEG(render(pub, 1, ThumbLong), ThumbQuality); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return p, nil
}

// The decoders below are the standard library's and golang.org/x/image's;
// they are fuzzed upstream, but a panic on a hostile upload must not take
// the server down, so one is turned into a refusal.

func safeDecodeConfig(k kind, data []byte) (cfg image.Config, err error) {
	defer recoverAsError(&err)
	r := bytes.NewReader(data)
	switch k {
	case kindJPEG:
		return jpeg.DecodeConfig(r)
	case kindPNG:
		return png.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

func safeDecode(k kind, data []byte) (img image.Image, err error) {
	defer recoverAsError(&err)
	r := bytes.NewReader(data)
	switch k {
	case kindJPEG:
		return jpeg.Decode(r)
	case kindPNG:
		return png.Decode(r)
	default:
		return webp.Decode(r)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func recoverAsError(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("decoder panic: %v", p)
	}
}
