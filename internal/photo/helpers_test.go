package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
)

var (
	red   = color.RGBA{0xff, 0, 0, 0xff}
	green = color.RGBA{0, 0xff, 0, 0xff}
	blue  = color.RGBA{0, 0, 0xff, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// quadrants is a w×h picture: top-left red, top-right blue, bottom-left
// green, bottom-right white. Every rotation and mirror gives a different
// arrangement, so the test can tell them apart.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := white
			switch {
			case x < w/2 && y < h/2:
				c = red
			case y < h/2:
				c = blue
			case x < w/2:
				c = green
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tiffBuilder writes a TIFF (EXIF) structure with IFD0 and an optional GPS
// IFD, in either byte order.
type exifOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type exifSpec struct {
	bo          exifOrder
	orientation uint16 // 0: no tag
	lat, lng    float64
	gps         bool
}

func exifTIFF(s exifSpec) []byte {
	bo := s.bo
	var b []byte
	u16 := func(v uint16) { b = bo.AppendUint16(b, v) }
	u32 := func(v uint32) { b = bo.AppendUint32(b, v) }
	if bo.String() == binary.BigEndian.String() {
		b = append(b, 'M', 'M')
	} else {
		b = append(b, 'I', 'I')
	}
	u16(42)
	u32(8) // IFD0 right after the header
	n := uint16(0)
	if s.orientation != 0 {
		n++
	}
	if s.gps {
		n++
	}
	u16(n)
	gpsIFD := uint32(8 + 2 + 12*int(n) + 4)
	if s.orientation != 0 {
		u16(tagOrientation)
		u16(typeShort)
		u32(1)
		u16(s.orientation)
		u16(0)
	}
	if s.gps {
		u16(tagGPSIFD)
		u16(typeLong)
		u32(1)
		u32(gpsIFD)
	}
	u32(0) // no next IFD
	if !s.gps {
		return b
	}
	// GPS IFD: 4 entries, then the two coordinates' rationals.
	data := gpsIFD + 2 + 4*12 + 4
	ref := func(tag uint16, c byte) {
		u16(tag)
		u16(typeASCII)
		u32(2)
		b = append(b, c, 0, 0, 0)
	}
	latRef, lngRef := byte('N'), byte('E')
	lat, lng := s.lat, s.lng
	if lat < 0 {
		latRef, lat = 'S', -lat
	}
	if lng < 0 {
		lngRef, lng = 'W', -lng
	}
	u16(4)
	ref(tagGPSLatRef, latRef)
	u16(tagGPSLat)
	u16(typeRational)
	u32(3)
	u32(data)
	ref(tagGPSLngRef, lngRef)
	u16(tagGPSLng)
	u16(typeRational)
	u32(3)
	u32(data + 24)
	u32(0)
	dms := func(v float64) {
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		sec := (v - d - m/60) * 3600
		u32(uint32(d))
		u32(1)
		u32(uint32(m))
		u32(1)
		u32(uint32(math.Round(sec * 10000)))
		u32(10000)
	}
	dms(lat)
	dms(lng)
	return b
}

// withAPP1 inserts an EXIF APP1 segment right after the JPEG's SOI.
func withAPP1(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// appSegments lists the APPn markers (0xE0–0xEF) of a JPEG before its scan.
func appSegments(b []byte) []byte {
	var ms []byte
	for i := 2; i+4 <= len(b); {
		m := b[i+1]
		if m == 0xDA || m == 0xD9 {
			break
		}
		if m >= 0xE0 && m <= 0xEF {
			ms = append(ms, m)
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return ms
}

// pngWithSize rewrites a PNG's IHDR to declare w×h (with a valid CRC), as a
// decompression bomb would.
func pngWithSize(t testing.TB, w, h uint32) []byte {
	b := encPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// signature (8), length (4), "IHDR" (4), data (13), crc (4)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// minimalHEIC is an ftyp box with the heic brand, and optionally more boxes.
func minimalHEIC(major string, compat []string, more ...[]byte) []byte {
	b := []byte{0, 0, 0, 0}
	b = append(b, "ftyp"...)
	b = append(b, major...)
	b = append(b, 0, 0, 0, 0)
	for _, c := range compat {
		b = append(b, c...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	for _, m := range more {
		b = append(b, m...)
	}
	return b
}

func box(typ string, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(payload)))
	b = append(b, typ...)
	return append(b, payload...)
}

// near reports whether two colours are within tol on every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool { return abs(int(a>>8)-int(w)) <= tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}
