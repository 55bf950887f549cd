package photo

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

func TestDownscaleAveragesAreasExactly(t *testing.T) {
	// A solid colour stays exactly that colour at any ratio: the weights of
	// every output pixel add up to one.
	c := color.RGBA{17, 200, 99, 0xff}
	src := image.NewRGBA(image.Rect(0, 0, 1001, 333))
	for i := 0; i < len(src.Pix); i += 4 {
		copy(src.Pix[i:], []uint8{c.R, c.G, c.B, c.A})
	}
	for _, sz := range [][2]int{{320, 106}, {1000, 333}, {1, 1}, {7, 300}} {
		m := downscale(src, sz[0], sz[1])
		for y := 0; y < sz[1]; y++ {
			for x := 0; x < sz[0]; x++ {
				if got := m.RGBAAt(x, y); got != c {
					t.Fatalf("%v: at %d,%d got %v", sz, x, y, got)
				}
			}
		}
	}
	// Halving a checkerboard of black and white gives mid grey (128 after
	// rounding 127.5), and a non-zero-origin source is read from its origin.
	chk := image.NewGray(image.Rect(10, 20, 18, 24))
	for y := 20; y < 24; y++ {
		for x := 10; x < 18; x++ {
			if (x+y)%2 == 0 {
				chk.SetGray(x, y, color.Gray{255})
			}
		}
	}
	m := downscale(chk, 4, 2)
	for i := 0; i < len(m.Pix); i += 4 {
		if m.Pix[i] != 128 || m.Pix[i+1] != 128 || m.Pix[i+2] != 128 || m.Pix[i+3] != 255 {
			t.Fatalf("got %v", m.Pix[i:i+4])
		}
	}
	// Quadrants keep their colours at their centres.
	q := downscale(quadrants(100, 60), 50, 30)
	for _, w := range []struct {
		x, y int
		c    color.RGBA
	}{{12, 7, red}, {37, 7, blue}, {12, 22, green}, {37, 22, white}} {
		if got := q.RGBAAt(w.x, w.y); got != w.c {
			t.Errorf("at %d,%d got %v want %v", w.x, w.y, got, w.c)
		}
	}
}

func BenchmarkPrepare12MP(b *testing.B) {
	data := encJPEG(b, quadrants(4000, 3000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
