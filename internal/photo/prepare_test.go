package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

func decodeJPEG(t testing.TB, b []byte) image.Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output is not a decodable JPEG: %v", err)
	}
	return m
}

// assertClean checks a rendition is a JPEG with no APPn segment at all (so
// no EXIF, no GPS, no XMP) and no "Exif" bytes anywhere.
func assertClean(t testing.TB, b []byte) {
	t.Helper()
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		t.Fatalf("not a JPEG")
	}
	if ms := appSegments(b); len(ms) != 0 {
		t.Fatalf("rendition has APPn segments % X", ms)
	}
	if bytes.Contains(b, []byte("Exif")) {
		t.Fatalf("rendition contains EXIF bytes")
	}
}

func TestPrepareAcceptsRealImagesAndReencodesThemWithoutMetadata(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = 0 // fully transparent: must come out white, not black
	}
	webpLossless := webpSample(t, "gopher-doc.1bpp.lossless.webp")
	webpLossy := webpSample(t, "blue-purple-pink.lossy.webp")
	cases := []struct {
		name         string
		data         []byte
		mime         string
		w, h         int // upright size of the original
		pubW, pubH   int
		thumbW, thmH int
	}{
		{"small JPEG", encJPEG(t, quadrants(64, 32)), MIMEJPEG, 64, 32, 64, 32, 64, 32},
		{"wide JPEG is scaled to 2560", encJPEG(t, quadrants(3000, 1000)), MIMEJPEG, 3000, 1000, 2560, 853, 320, 107},
		{"tall PNG", encPNG(t, quadrants(300, 900)), MIMEPNG, 300, 900, 300, 900, 107, 320},
		{"transparent PNG", encPNG(t, nrgba), MIMEPNG, 40, 30, 40, 30, 40, 30},
		{"WebP lossless", webpLossless, MIMEWebP, 0, 0, 0, 0, 0, 0},
		{"WebP lossy", webpLossy, MIMEWebP, 0, 0, 0, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Prepare(bytes.NewReader(c.data))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if p.MIME != c.mime || p.Size != int64(len(c.data)) || len(p.SHA256) != 64 {
				t.Fatalf("got mime %s size %d sha %q", p.MIME, p.Size, p.SHA256)
			}
			if !bytes.Equal(p.original, c.data) || !p.HasPublic() || p.HasGPS {
				t.Fatalf("original kept %v, public %v, gps %v", bytes.Equal(p.original, c.data), p.HasPublic(), p.HasGPS)
			}
			assertClean(t, p.public)
			assertClean(t, p.thumb)
			pub, thumb := decodeJPEG(t, p.public), decodeJPEG(t, p.thumb)
			if c.w != 0 {
				if p.Width != c.w || p.Height != c.h {
					t.Errorf("size %dx%d, want %dx%d", p.Width, p.Height, c.w, c.h)
				}
				if b := pub.Bounds(); b.Dx() != c.pubW || b.Dy() != c.pubH {
					t.Errorf("public %v, want %dx%d", b, c.pubW, c.pubH)
				}
				if b := thumb.Bounds(); b.Dx() != c.thumbW || b.Dy() != c.thmH {
					t.Errorf("thumb %v, want %dx%d", b, c.thumbW, c.thmH)
				}
			} else if p.Width <= 0 || p.Height <= 0 {
				t.Errorf("size %dx%d", p.Width, p.Height)
			}
			if b := pub.Bounds(); max(b.Dx(), b.Dy()) > PublicLong {
				t.Errorf("public %v larger than %d", b, PublicLong)
			}
			if b := thumb.Bounds(); max(b.Dx(), b.Dy()) > ThumbLong {
				t.Errorf("thumb %v larger than %d", b, ThumbLong)
			}
			if c.name == "transparent PNG" && !near(pub.At(20, 15), white, 8) {
				t.Errorf("transparency became %v, want white", pub.At(20, 15))
			}
		})
	}
}

func TestPrepareTurnsAnEXIFRotatedJPEGUprightAndDropsItsLocation(t *testing.T) {
	for _, bo := range []exifOrder{binary.BigEndian, binary.LittleEndian} {
		t.Run(bo.String(), func(t *testing.T) {
			// A landscape sensor image that the camera says needs 90° clockwise
			// (Orientation 6), taken in Leshan.
			raw := encJPEG(t, quadrants(64, 32))
			tiff := exifTIFF(exifSpec{bo: bo, orientation: 6, gps: true, lat: 29.552, lng: 103.7656})
			data := withAPP1(raw, tiff)
			if got := appSegments(data); len(got) != 1 || got[0] != 0xE1 {
				t.Fatalf("crafted input has APPn % X", got)
			}
			p, err := Prepare(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if !p.HasGPS || math.Abs(p.Lat-29.552) > 1e-5 || math.Abs(p.Lng-103.7656) > 1e-5 {
				t.Fatalf("gps %v %v,%v", p.HasGPS, p.Lat, p.Lng)
			}
			if p.Width != 32 || p.Height != 64 {
				t.Fatalf("upright size %dx%d, want 32x64", p.Width, p.Height)
			}
			if !bytes.Equal(p.original, data) {
				t.Fatal("original must be kept as uploaded (staff evidence)")
			}
			assertClean(t, p.public)
			assertClean(t, p.thumb)
			m := decodeJPEG(t, p.public)
			if b := m.Bounds(); b.Dx() != 32 || b.Dy() != 64 {
				t.Fatalf("public is %v, want 32x64 (rotated)", b)
			}
			// 90° clockwise: bottom-left (green) goes top-left, top-left
			// (red) top-right, bottom-right (white) bottom-left, top-right
			// (blue) bottom-right.
			want := []struct {
				x, y int
				c    color.RGBA
			}{{8, 16, green}, {24, 16, red}, {8, 48, white}, {24, 48, blue}}
			for _, w := range want {
				if got := m.At(w.x, w.y); !near(got, w.c, 40) {
					t.Errorf("at %d,%d got %v want %v", w.x, w.y, got, w.c)
				}
			}
		})
	}
}

func TestOrientationsMapCornersLikeEXIFSays(t *testing.T) {
	// Source 2×... corners: TL red, TR blue, BL green, BR white.
	src := quadrants(4, 2)
	// For each orientation, the colour expected at the displayed TL, TR, BL, BR.
	cases := map[int][4]color.RGBA{
		1: {red, blue, green, white},
		2: {blue, red, white, green},
		3: {white, green, blue, red},
		4: {green, white, red, blue},
		5: {red, green, blue, white},
		6: {green, red, white, blue},
		7: {white, blue, green, red},
		8: {blue, white, red, green},
	}
	for o, want := range cases {
		m := orient(src, o)
		b := m.Bounds()
		if o >= 5 && (b.Dx() != 2 || b.Dy() != 4) || o < 5 && (b.Dx() != 4 || b.Dy() != 2) {
			t.Fatalf("orientation %d: size %v", o, b)
		}
		got := [4]color.RGBA{m.RGBAAt(0, 0), m.RGBAAt(b.Dx()-1, 0), m.RGBAAt(0, b.Dy()-1), m.RGBAAt(b.Dx()-1, b.Dy()-1)}
		if got != want {
			t.Errorf("orientation %d: corners %v, want %v", o, got, want)
		}
	}
}

func TestEXIFParserIgnoresWhatItCannotUse(t *testing.T) {
	raw := encJPEG(t, quadrants(16, 8))
	cases := []struct {
		name   string
		tiff   []byte
		orient int
		gps    bool
	}{
		{"no EXIF", nil, 1, false},
		{"orientation only", exifTIFF(exifSpec{bo: binary.LittleEndian, orientation: 3}), 3, false},
		{"orientation out of range", exifTIFF(exifSpec{bo: binary.LittleEndian, orientation: 9}), 1, false},
		{"southern and western", exifTIFF(exifSpec{bo: binary.BigEndian, gps: true, lat: -33.8568, lng: -70.6483}), 1, true},
		{"zero position means no fix", exifTIFF(exifSpec{bo: binary.BigEndian, gps: true}), 1, false},
		{"bad byte order", append([]byte("XX"), exifTIFF(exifSpec{bo: binary.BigEndian, orientation: 6})[2:]...), 1, false},
		{"truncated", exifTIFF(exifSpec{bo: binary.BigEndian, orientation: 6, gps: true, lat: 1, lng: 1})[:40], 6, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := raw
			if c.tiff != nil {
				data = withAPP1(raw, c.tiff)
			}
			got := jpegEXIF(data)
			if got.Orientation != c.orient || got.HasGPS != c.gps {
				t.Fatalf("got %+v", got)
			}
			if _, err := Prepare(bytes.NewReader(data)); err != nil {
				t.Fatalf("EXIF trouble must not refuse the photo: %v", err)
			}
		})
	}
}

func TestPrepareRefusesWhatIsNotAnAcceptablePhoto(t *testing.T) {
	jpg := encJPEG(t, quadrants(64, 64))
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, quadrants(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	tooBig := append(append([]byte{}, jpg...), make([]byte, MaxBytes+1-len(jpg))...)
	badCRC := encPNG(t, quadrants(8, 8))
	badCRC[len(badCRC)-20] ^= 0xFF // inside IDAT
	animated := []byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	cases := []struct {
		name string
		data []byte
		key  string
	}{
		{"empty", nil, "photo.empty"},
		{"text file named .jpg", []byte("this is not a photo, it is a note.txt renamed to photo.jpg\n"), "photo.bad_type"},
		{"HTML", []byte("<html><script>alert(1)</script></html>"), "photo.bad_type"},
		{"GIF", gifBuf.Bytes(), "photo.bad_type"},
		{"AVIF is not HEIC", minimalHEIC("avif", []string{"mif1", "miaf"}), "photo.bad_type"},
		{"animated WebP", animated, "photo.bad_type"},
		{"truncated JPEG", jpg[:len(jpg)/2], "photo.corrupt"},
		{"JPEG magic then garbage", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, 500)...), "photo.corrupt"},
		{"PNG with a bad checksum", badCRC, "photo.corrupt"},
		{"PNG declaring 0×0", pngWithSize(t, 0, 0), "photo.corrupt"},
		{"WebP header only", []byte("RIFF\x04\x00\x00\x00WEBP"), "photo.corrupt"},
		{"HEIC with a truncated box", minimalHEIC("heic", []string{"mif1"}, box("meta", make([]byte, 40))[:30]), "photo.corrupt"},
		{"HEIC with a garbage box", minimalHEIC("heic", nil, []byte("\x00\x00\x00\x10\x01\x02\x03\x04abcdefgh")), "photo.corrupt"},
		{"PNG bomb 20000×20000", pngWithSize(t, 20000, 20000), "photo.too_many_pixels"},
		{"PNG just over 50 MP", pngWithSize(t, 8000, 6251), "photo.too_many_pixels"},
		{"10 MB + 1 byte", tooBig, "photo.too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Prepare(bytes.NewReader(c.data))
			if err == nil {
				t.Fatalf("accepted as %s", p.MIME)
			}
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || e.Key != c.key {
				t.Fatalf("got %v, want invalid %s", err, c.key)
			}
			if !i18n.Has(e.Key) {
				t.Fatalf("message key %s missing from the catalogue", e.Key)
			}
			msg := i18n.T(i18n.EN, e.Key, e.Args...)
			if strings.Contains(msg, "%!") {
				t.Fatalf("message %q has bad placeholders", msg)
			}
			if c.key == "photo.too_large" && !strings.Contains(msg, "10 MB") {
				t.Fatalf("message %q does not state the limit", msg)
			}
		})
	}
}

func TestPrepareAcceptsExactlyTheSizeLimit(t *testing.T) {
	jpg := encJPEG(t, quadrants(64, 64))
	data := append(append([]byte{}, jpg...), make([]byte, MaxBytes-len(jpg))...)
	p, err := Prepare(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("a file of exactly %d bytes: %v", MaxBytes, err)
	}
	if p.Size != MaxBytes {
		t.Fatalf("size %d", p.Size)
	}
}

func TestPrepareReturnsReadErrorsAsTheyAre(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Prepare(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v", err)
	}
}

func TestHEICIsAcceptedByItsContainerAndHasNoPublicRendition(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		mime string
	}{
		{"minimal ftyp heic", minimalHEIC("heic", []string{"mif1", "heic"}), MIMEHEIC},
		{"heix", minimalHEIC("heix", nil), MIMEHEIC},
		{"mif1 major, heic compatible", minimalHEIC("mif1", []string{"heic"}), MIMEHEIC},
		{"msf1", minimalHEIC("msf1", []string{"iso8"}), MIMEHEIF},
		{"unknown major, heic compatible", minimalHEIC("isom", []string{"heic"}), MIMEHEIC},
		{"with meta and mdat", minimalHEIC("heic", []string{"mif1"}, box("meta", make([]byte, 32)), box("mdat", []byte("hevc bytes"))), MIMEHEIC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Prepare(bytes.NewReader(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if p.MIME != c.mime || p.HasPublic() || p.thumb != nil || p.HasGPS || p.Width != 0 {
				t.Fatalf("got %+v", p)
			}
			if !bytes.Equal(p.original, c.data) {
				t.Fatal("original not kept")
			}
		})
	}
}

func TestPlaceholderIsACleanJPEG(t *testing.T) {
	b := Placeholder()
	assertClean(t, b)
	if m := decodeJPEG(t, b); m.Bounds().Dx() != 320 || m.Bounds().Dy() != 240 {
		t.Fatalf("placeholder %v", m.Bounds())
	}
}

func TestFitKeepsTheAspectRatioAndNeverUpscales(t *testing.T) {
	cases := []struct{ w, h, long, ww, wh int }{
		{100, 50, 320, 100, 50},
		{640, 480, 320, 320, 240},
		{480, 640, 320, 240, 320},
		{40000, 1, 320, 320, 1},
		{1, 40000, 320, 1, 320},
		{5000, 5000, 2560, 2560, 2560},
	}
	for _, c := range cases {
		if w, h := fit(c.w, c.h, c.long); w != c.ww || h != c.wh {
			t.Errorf("fit(%d,%d,%d) = %d,%d want %d,%d", c.w, c.h, c.long, w, h, c.ww, c.wh)
		}
	}
}

// FuzzPrepare: no input panics, every refusal is an invalid-input error,
// and every accepted raster input yields decodable JPEGs without EXIF.
func FuzzPrepare(f *testing.F) {
	jpg := encJPEG(f, quadrants(16, 8))
	f.Add(jpg)
	f.Add(withAPP1(jpg, exifTIFF(exifSpec{bo: binary.BigEndian, orientation: 6, gps: true, lat: 29.5, lng: 103.7})))
	f.Add(withAPP1(jpg, exifTIFF(exifSpec{bo: binary.LittleEndian, orientation: 8})))
	f.Add(encPNG(f, quadrants(8, 8)))
	f.Add(pngWithSize(f, 20000, 20000))
	if dir := xImageTestdata(); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "gopher-doc.1bpp.lossless.webp")); err == nil {
			f.Add(b)
		}
	}
	f.Add(minimalHEIC("heic", []string{"mif1"}, box("mdat", []byte("x"))))
	f.Add([]byte("GIF89a"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Prepare(bytes.NewReader(data))
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("refusal is not invalid input: %v", err)
			}
			return
		}
		if p.Size != int64(len(data)) || !bytes.Equal(p.original, data) {
			t.Fatal("original not kept")
		}
		if !p.HasPublic() {
			if p.MIME != MIMEHEIC && p.MIME != MIMEHEIF {
				t.Fatalf("%s without a public rendition", p.MIME)
			}
			return
		}
		for _, b := range [][]byte{p.public, p.thumb} {
			assertClean(t, b)
			m := decodeJPEG(t, b)
			if bb := m.Bounds(); bb.Dx() < 1 || bb.Dy() < 1 || max(bb.Dx(), bb.Dy()) > PublicLong {
				t.Fatalf("rendition %v", bb)
			}
		}
	})
}

// xImageTestdata is the test-data folder of the golang.org/x/image module
// in the module cache (a dependency already, for the WebP decoder). The
// standard library cannot encode WebP, so the WebP cases read real files
// from there instead of keeping copies in this repository.
func xImageTestdata() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/image").Output()
	if err != nil {
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata")
}

func webpSample(t *testing.T, name string) []byte {
	t.Helper()
	dir := xImageTestdata()
	if dir == "" {
		t.Skip("golang.org/x/image is not in the module cache")
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("WebP sample %s: %v", name, err)
	}
	return b
}

func TestInspectReadsOnlyTheHeaderSoA48MPPhonePhotoPassesAndTheRequestBudgetAddsThePhotos(t *testing.T) {
	phone, err := Inspect(bytes.NewReader(pngWithSize(t, 8000, 6000)))
	if err != nil {
		t.Fatalf("a 48 MP phone photo's header: %v", err)
	}
	if phone.Pixels() != 48_000_000 {
		t.Fatalf("pixels %d", phone.Pixels())
	}
	if err := CheckPixelBudget([]*Checked{phone}); err != nil {
		t.Fatalf("one 48 MP photo is over the request's budget: %v", err)
	}
	// 6300×6300 is under the per-photo cap, but two of them are not one request's worth.
	big, err := Inspect(bytes.NewReader(pngWithSize(t, 6300, 6300)))
	if err != nil {
		t.Fatalf("a 39.7 MP header: %v", err)
	}
	err = CheckPixelBudget([]*Checked{big, big})
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid || e.Key != "photo.request_too_many_pixels" {
		t.Fatalf("two 39.7 MP photos: %v", err)
	}
	for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
		if msg := i18n.T(l, e.Key, e.Args...); !strings.Contains(msg, "80") || !strings.Contains(msg, "60") || strings.Contains(msg, "%!") {
			t.Fatalf("%s message %q does not give the photos' and the budget's megapixels", l, msg)
		}
	}
}

func TestPrepareDecodesOnlyHoldingADecodeSlotAndGivesUpWhenTheRequestEnds(t *testing.T) {
	c, err := Inspect(bytes.NewReader(encPNG(t, quadrants(64, 48))))
	if err != nil {
		t.Fatal(err)
	}
	for range cap(decodeSlots) {
		decodeSlots <- struct{}{}
	}
	// Headers are read without a slot.
	if _, err := Inspect(bytes.NewReader(encJPEG(t, quadrants(32, 32)))); err != nil {
		t.Fatalf("inspect while every slot is taken: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Prepare(ctx); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("decoded without a free slot: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("a request that ended while waiting: %v", err)
	}
	<-decodeSlots // one slot frees up
	if p, err := c.Prepare(context.Background()); err != nil || p.Width != 64 || !p.HasPublic() {
		t.Fatalf("with a free slot: %+v %v", p, err)
	}
	for range cap(decodeSlots) - 1 {
		<-decodeSlots
	}
}
