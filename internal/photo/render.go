package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"sync"

	"image/draw"
)

// render scales src so that its long side is at most long pixels, flattens
// any transparency onto white, turns it upright by the EXIF orientation and
// returns it. Scaling comes first so that rotating never touches more than
// long×long pixels.
func render(src image.Image, orientation, long int) *image.RGBA {
	sb := src.Bounds()
	w, h := fit(sb.Dx(), sb.Dy(), long)
	var dst *image.RGBA
	if w == sb.Dx() && h == sb.Dy() {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Over)
	} else {
		dst = downscale(src, w, h)
	}
	return orient(dst, orientation)
}

// downscale resamples src to W×H (no larger than src) by area averaging:
// every output pixel is the exact coverage-weighted mean of the source
// pixels under it, so there is no aliasing however large the factor. The
// source is read in strips of rows converted to RGBA on white (the image/draw
// fast paths do the colour conversion), so memory stays at the output plus
// one strip, whatever the source size. Weights are integers: a source pixel
// is W (or H) units wide and an output pixel w (or h) units.
func downscale(src image.Image, W, H int) *image.RGBA {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, W, H))

	// Horizontal split of each source column between at most two output
	// columns (W <= w, so a source column never spans more than two).
	type split struct {
		ox   int
		a, b uint64 // weight to ox and to ox+1
	}
	cols := make([]split, w)
	for sx := range cols {
		start, end := uint64(sx)*uint64(W), uint64(sx+1)*uint64(W)
		ox := int(start / uint64(w))
		bound := uint64(ox+1) * uint64(w)
		if end <= bound {
			cols[sx] = split{ox, uint64(W), 0}
		} else {
			cols[sx] = split{ox, bound - start, end - bound}
		}
	}

	stripRows := max(1, min(64, (1<<20)/w))
	strip := image.NewRGBA(image.Rect(0, 0, w, stripRows))
	row := make([]uint64, 3*W)           // one source row, resampled horizontally
	acc := make([]uint64, 2*3*W)         // output rows oy and oy+1 being accumulated
	cur := 0                             // output row held in acc[0:3W]
	inv := 1 / (float64(w) * float64(h)) // 1 / total weight of one output pixel
	flush := func(oy int) {
		out := dst.Pix[dst.PixOffset(0, oy):]
		for i := 0; i < W; i++ {
			for c := 0; c < 3; c++ {
				out[4*i+c] = uint8(min(255, float64(acc[3*i+c])*inv+0.5))
			}
			out[4*i+3] = 0xff
		}
		copy(acc, acc[3*W:])
		clear(acc[3*W:])
	}
	for y0 := 0; y0 < h; y0 += stripRows {
		n := min(stripRows, h-y0)
		r := image.Rect(0, 0, w, n)
		draw.Draw(strip, r, image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(strip, r, src, image.Pt(sb.Min.X, sb.Min.Y+y0), draw.Over)
		for k := 0; k < n; k++ {
			sy := y0 + k
			clear(row)
			pix := strip.Pix[strip.PixOffset(0, k):]
			for sx, c := range cols {
				p := pix[4*sx : 4*sx+3]
				i := 3 * c.ox
				row[i] += c.a * uint64(p[0])
				row[i+1] += c.a * uint64(p[1])
				row[i+2] += c.a * uint64(p[2])
				if c.b != 0 {
					row[i+3] += c.b * uint64(p[0])
					row[i+4] += c.b * uint64(p[1])
					row[i+5] += c.b * uint64(p[2])
				}
			}
			start, end := uint64(sy)*uint64(H), uint64(sy+1)*uint64(H)
			oy := int(start / uint64(h))
			for oy > cur { // cannot happen with exact arithmetic; keeps rows in step
				flush(cur)
				cur++
			}
			bound := uint64(oy+1) * uint64(h)
			a, b := uint64(H), uint64(0)
			if end > bound {
				a, b = bound-start, end-bound
			}
			for i, v := range row {
				acc[i] += a * v
				if b != 0 {
					acc[3*W+i] += b * v
				}
			}
			if end >= bound { // output row oy is complete
				flush(cur)
				cur++
			}
		}
	}
	return dst
}

// fit returns w×h scaled down (never up) so the long side is at most long,
// keeping the aspect ratio and at least one pixel on each side.
func fit(w, h, long int) (int, int) {
	if w <= long && h <= long {
		return w, h
	}
	if w >= h {
		return long, max(1, int((int64(h)*int64(long)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(long)+int64(h)/2)/int64(h))), long
}

// orient applies an EXIF orientation (1..8) to m. Orientations 5 to 8 swap
// width and height.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-dx, dy
			case 3: // rotated 180°
				sx, sy = w-1-dx, h-1-dy
			case 4: // mirrored vertically
				sx, sy = dx, h-1-dy
			case 5: // transposed
				sx, sy = dy, dx
			case 6: // needs 90° clockwise
				sx, sy = dy, h-1-dx
			case 7: // transversed
				sx, sy = w-1-dy, h-1-dx
			case 8: // needs 90° counter-clockwise
				sx, sy = w-1-dy, dx
			}
			si := m.PixOffset(sx, sy)
			di := out.PixOffset(dx, dy)
			copy(out.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return out
}

// encodeJPEG writes m as a baseline JPEG. The standard library's encoder
// writes no APPn segments at all, so the result carries no EXIF, no GPS and
// no other metadata of the original.
func encodeJPEG(m image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	placeholderOnce sync.Once
	placeholderJPEG []byte
)

// Placeholder returns the JPEG served as the public and thumbnail view of a
// photo that has no public rendition (HEIC): a grey card with a picture
// symbol, 320×240. It is generated once and shared; do not modify it.
func Placeholder() []byte {
	placeholderOnce.Do(func() {
		const w, h = 320, 240
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		bg := color.RGBA{0xe5, 0xe7, 0xeb, 0xff}
		fg := color.RGBA{0x9c, 0xa3, 0xaf, 0xff}
		draw.Draw(m, m.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				// a frame, a sun and a mountain
				frame := (x >= 100 && x < 220 && (y == 70 || y == 71 || y == 168 || y == 169)) ||
					(y >= 70 && y < 170 && (x == 100 || x == 101 || x == 218 || x == 219))
				dxs, dys := x-185, y-95
				sun := dxs*dxs+dys*dys <= 100
				mountain := y < 168 && y > 100 && x > 102 && x < 218 && (y-100) >= abs(x-145)
				if frame || sun || mountain {
					m.SetRGBA(x, y, fg)
				}
			}
		}
		b, err := encodeJPEG(m, 85)
		if err != nil {
			panic(err) // encoding an in-memory RGBA cannot fail
		}
		placeholderJPEG = b
	})
	return placeholderJPEG
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
