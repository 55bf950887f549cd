package photo

import (
	"bytes"
	"encoding/binary"
	"math"
)

// exifInfo is the little we read from a JPEG's EXIF block: how to turn the
// pixels upright and where the photo was taken.
type exifInfo struct {
	Orientation int // 1..8, 1 when absent or invalid
	HasGPS      bool
	Lat, Lng    float64
}

// jpegEXIF finds the first APP1 "Exif" segment of a JPEG and parses it.
// Malformed or missing EXIF gives the zero info with Orientation 1: EXIF is
// advisory and never a reason to refuse a photo.
func jpegEXIF(b []byte) exifInfo {
	info := exifInfo{Orientation: 1}
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return info
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return info
		}
		m := b[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD8): // markers without a length
			i += 2
			continue
		case m == 0xDA || m == 0xD9: // start of scan / end of image: no more metadata
			return info
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return info
		}
		seg := b[i+4 : i+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			parseTIFF(seg[6:], &info)
			return info
		}
		i += 2 + n
	}
	return info
}

const (
	tagOrientation = 0x0112
	tagGPSIFD      = 0x8825
	tagGPSLatRef   = 0x0001
	tagGPSLat      = 0x0002
	tagGPSLngRef   = 0x0003
	tagGPSLng      = 0x0004

	typeASCII     = 2
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeSRational = 10
)

// tiff is a bounds-checked reader over a TIFF structure (EXIF's layout).
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // the 4-byte value/offset field
}

func (t tiff) u16(off uint32) (uint16, bool) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return 0, false
	}
	return t.bo.Uint16(t.b[off:]), true
}

func (t tiff) u32(off uint32) (uint32, bool) {
	if uint64(off)+4 > uint64(len(t.b)) {
		return 0, false
	}
	return t.bo.Uint32(t.b[off:]), true
}

// ifd returns the entries of the IFD at off (at most 512; EXIF IFDs are
// small, and the cap bounds the work on hostile input).
func (t tiff) ifd(off uint32) []ifdEntry {
	n, ok := t.u16(off)
	if !ok || n > 512 {
		return nil
	}
	start := uint64(off) + 2
	if start+uint64(n)*12 > uint64(len(t.b)) {
		return nil
	}
	es := make([]ifdEntry, n)
	for i := range es {
		p := start + uint64(i)*12
		e := t.b[p : p+12]
		es[i] = ifdEntry{tag: t.bo.Uint16(e[0:]), typ: t.bo.Uint16(e[2:]), count: t.bo.Uint32(e[4:]), value: e[8:12]}
	}
	return es
}

// data returns the entry's value bytes, inline or at the offset.
func (t tiff) data(e ifdEntry, unit uint32) ([]byte, bool) {
	total := uint64(e.count) * uint64(unit)
	if total <= 4 {
		return e.value[:total], true
	}
	off := uint64(t.bo.Uint32(e.value))
	if off+total > uint64(len(t.b)) {
		return nil, false
	}
	return t.b[off : off+total], true
}

func parseTIFF(b []byte, info *exifInfo) {
	if len(b) < 8 {
		return
	}
	t := tiff{b: b}
	switch string(b[0:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return
	}
	var gpsOff uint32
	for _, e := range t.ifd(t.bo.Uint32(b[4:])) {
		switch e.tag {
		case tagOrientation:
			if e.typ == typeShort && e.count == 1 {
				if o := int(t.bo.Uint16(e.value)); o >= 1 && o <= 8 {
					info.Orientation = o
				}
			}
		case tagGPSIFD:
			if (e.typ == typeLong || e.typ == 13) && e.count == 1 { // 13: IFD type
				gpsOff = t.bo.Uint32(e.value)
			}
		}
	}
	if gpsOff != 0 {
		parseGPS(t, gpsOff, info)
	}
}

func parseGPS(t tiff, off uint32, info *exifInfo) {
	var latRef, lngRef byte
	var lat, lng float64
	var haveLat, haveLng bool
	for _, e := range t.ifd(off) {
		switch e.tag {
		case tagGPSLatRef, tagGPSLngRef:
			if e.typ == typeASCII && e.count >= 1 {
				if e.tag == tagGPSLatRef {
					latRef = e.value[0]
				} else {
					lngRef = e.value[0]
				}
			}
		case tagGPSLat, tagGPSLng:
			v, ok := t.degrees(e)
			if !ok {
				continue
			}
			if e.tag == tagGPSLat {
				lat, haveLat = v, true
			} else {
				lng, haveLng = v, true
			}
		}
	}
	if !haveLat || !haveLng {
		return
	}
	switch latRef {
	case 'S', 's':
		lat = -lat
	case 'N', 'n':
	default:
		return
	}
	switch lngRef {
	case 'W', 'w':
		lng = -lng
	case 'E', 'e':
	default:
		return
	}
	// (0, 0) is what some cameras write when they have no fix.
	if lat < -90 || lat > 90 || lng < -180 || lng > 180 || (lat == 0 && lng == 0) {
		return
	}
	info.HasGPS, info.Lat, info.Lng = true, lat, lng
}

// degrees reads a GPS coordinate written as three rationals: degrees,
// minutes and seconds.
func (t tiff) degrees(e ifdEntry) (float64, bool) {
	if (e.typ != typeRational && e.typ != typeSRational) || e.count != 3 {
		return 0, false
	}
	d, ok := t.data(e, 8)
	if !ok {
		return 0, false
	}
	var v [3]float64
	for i := range v {
		num, den := t.bo.Uint32(d[i*8:]), t.bo.Uint32(d[i*8+4:])
		if den == 0 {
			return 0, false
		}
		if e.typ == typeSRational {
			if int32(num) < 0 || int32(den) < 0 {
				return 0, false
			}
		}
		v[i] = float64(num) / float64(den)
	}
	if v[1] >= 60 || v[2] >= 60 {
		return 0, false
	}
	deg := v[0] + v[1]/60 + v[2]/3600
	if math.IsNaN(deg) || math.IsInf(deg, 0) {
		return 0, false
	}
	return deg, true
}
