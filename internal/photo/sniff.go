package photo

import (
	"bytes"
	"encoding/binary"
)

// kind is a file format recognised by its content.
type kind int

const (
	kindUnknown kind = iota
	kindJPEG
	kindPNG
	kindWebP
	kindHEIC
)

// MIME types of the accepted originals. HEIF is the same container as HEIC
// with a generic brand (mif1/msf1) and is treated the same way.
const (
	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
	MIMEWebP = "image/webp"
	MIMEHEIC = "image/heic"
	MIMEHEIF = "image/heif"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// sniff recognises the format from the first bytes only; the container and
// the pixels are checked afterwards. The client's file name and Content-Type
// are never consulted. It returns the MIME type to record too.
func sniff(b []byte) (kind, string) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return kindJPEG, MIMEJPEG
	case bytes.HasPrefix(b, pngMagic):
		return kindPNG, MIMEPNG
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return kindWebP, MIMEWebP
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		if m, ok := heifBrand(b); ok {
			return kindHEIC, m
		}
	}
	return kindUnknown, ""
}

// heicBrands are the ftyp brands of HEIC/HEIF still images and sequences.
// AVIF files share the container (and often list mif1 as compatible) but
// are refused: their major brand is avif/avis.
var heicBrands = map[string]string{
	"heic": MIMEHEIC, "heix": MIMEHEIC, "heim": MIMEHEIC, "heis": MIMEHEIC,
	"hevc": MIMEHEIC, "hevx": MIMEHEIC,
	"mif1": MIMEHEIF, "msf1": MIMEHEIF,
}

// heifBrand reads the leading ftyp box and returns the MIME type when its
// major brand, or (for a non-AVIF major brand) one of its compatible
// brands, names HEIC/HEIF; image/heic wins when any brand says HEVC.
func heifBrand(b []byte) (string, bool) {
	size := int(binary.BigEndian.Uint32(b[0:4]))
	if size < 16 || size > len(b) || size > 4096 || (size-16)%4 != 0 {
		return "", false
	}
	major := string(b[8:12])
	if major == "avif" || major == "avis" {
		return "", false
	}
	mime := heicBrands[major]
	for i := 16; i+4 <= size && mime != MIMEHEIC; i += 4 {
		if m, ok := heicBrands[string(b[i:i+4])]; ok && (mime == "" || m == MIMEHEIC) {
			mime = m
		}
	}
	return mime, mime != ""
}

// checkBMFF walks the top-level boxes of an ISO base media file (HEIC) and
// reports whether they tile the file exactly: every box has a sane size,
// a printable type, and the last one ends at the end of the data. That
// catches truncated uploads and other files that merely start with an ftyp
// box. It does not decode the image (nothing in Go's standard library or
// golang.org/x/image can decode HEVC).
func checkBMFF(b []byte) bool {
	off, boxes := 0, 0
	for off < len(b) {
		if len(b)-off < 8 {
			return false
		}
		size := uint64(binary.BigEndian.Uint32(b[off : off+4]))
		typ := b[off+4 : off+8]
		hdr := uint64(8)
		switch size {
		case 0: // box extends to the end of the file
			size = uint64(len(b) - off)
		case 1: // 64-bit size follows the type
			if len(b)-off < 16 {
				return false
			}
			size, hdr = binary.BigEndian.Uint64(b[off+8:off+16]), 16
		}
		if size < hdr || size > uint64(len(b)-off) {
			return false
		}
		for _, c := range typ {
			if c < 0x20 || c > 0x7e {
				return false
			}
		}
		if boxes == 0 && string(typ) != "ftyp" {
			return false
		}
		off += int(size)
		boxes++
	}
	return boxes > 0
}

// webpAnimated reports whether a WebP file declares animation in its VP8X
// header; golang.org/x/image/webp decodes still images only.
func webpAnimated(b []byte) bool {
	return len(b) >= 21 && string(b[12:16]) == "VP8X" && b[20]&0x02 != 0
}
