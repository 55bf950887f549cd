package photo

import (
	"bytes"
	"context"
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
	MaxBytes  = 10 << 20   // largest accepted file
	MaxPixels = 50_000_000 // largest accepted width×height, checked before decoding (a 48 MP phone photo passes)
	// MaxRequestPixels bounds the sum of width×height over the photos of
	// one request (CheckPixelBudget), checked from their headers before any
	// is decoded: decoding costs time and memory by the pixel, not by the
	// byte, and a small PNG can declare 40 megapixels.
	MaxRequestPixels = 60_000_000
	PublicLong       = 2560 // long side of the public rendition, in pixels
	ThumbLong        = 320  // long side of the thumbnail
	PublicQuality    = 85   // JPEG quality of the public rendition
	ThumbQuality     = 80   // JPEG quality of the thumbnail
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

// decodeSlots bounds how many photos are decoded and re-encoded at once,
// whatever the number of requests: a 50-megapixel image takes a few hundred
// MB and seconds of a core while it is decoded, resized and encoded. Every
// full decode and every encode runs holding a slot (Checked.Prepare);
// reading headers (Inspect) needs none.
var decodeSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// Checked is an upload read into memory whose type and size have been
// checked from its bytes and header, without decoding its pixels. Inspect
// makes one; Prepare decodes and re-encodes it.
type Checked struct {
	data []byte
	k    kind
	mime string
	cfg  image.Config // zero for HEIC, which is not decoded
}

// Pixels is the width×height the header declares; 0 for HEIC (never decoded).
func (c *Checked) Pixels() int64 { return int64(c.cfg.Width) * int64(c.cfg.Height) }

// CheckPixelBudget refuses a request whose photos declare more than
// MaxRequestPixels together (errs.Invalid photo.request_too_many_pixels,
// args: the photos' megapixels, rounded up, and the budget's), so that one
// request cannot keep the decoders busy for half a minute. Call it after
// Inspect and before any Prepare.
func CheckPixelBudget(cs []*Checked) error {
	var sum int64
	for _, c := range cs {
		sum += c.Pixels()
	}
	if sum > MaxRequestPixels {
		return errs.E(errs.Invalid, "photo.request_too_many_pixels", (sum+999_999)/1_000_000, MaxRequestPixels/1_000_000)
	}
	return nil
}

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
	c, err := Inspect(r)
	if err != nil {
		return nil, err
	}
	return c.Prepare(context.Background())
}

// Inspect reads one uploaded file and checks everything that needs no
// decoding of its pixels: its size, its type by content, a HEIC's
// container, and the width and height its header declares (at most
// MaxPixels). It returns the same errors as Prepare. A request with several
// photos inspects them all, checks CheckPixelBudget, and only then prepares
// them.
func Inspect(r io.Reader) (*Checked, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read photo: %w", err)
	}
	return inspectBytes(data)
}

func prepareBytes(data []byte) (*Prepared, error) {
	c, err := inspectBytes(data)
	if err != nil {
		return nil, err
	}
	return c.Prepare(context.Background())
}

func inspectBytes(data []byte) (*Checked, error) {
	switch {
	case len(data) == 0:
		return nil, errs.E(errs.Invalid, "photo.empty")
	case len(data) > MaxBytes:
		return nil, errs.E(errs.Invalid, "photo.too_large", MaxBytes>>20)
	}
	k, mime := sniff(data)
	switch k {
	case kindHEIC:
		if !checkBMFF(data) {
			return nil, errs.E(errs.Invalid, "photo.corrupt")
		}
		return &Checked{data: data, k: k, mime: mime}, nil
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
	return &Checked{data: data, k: k, mime: mime, cfg: cfg}, nil
}

// Prepare decodes the checked upload and re-encodes it (see the package
// function Prepare), holding one of the few decode slots throughout; while
// all are taken it waits, and gives up with ctx's error when ctx ends.
func (c *Checked) Prepare(ctx context.Context) (*Prepared, error) {
	data, k, cfg := c.data, c.k, c.cfg
	p := &Prepared{SHA256: sha256Hex(data), MIME: c.mime, Size: int64(len(data)), original: data}
	if k == kindHEIC {
		return p, nil
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
