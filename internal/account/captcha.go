package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The captcha is drawn by the binary itself (no outside service): five
// digits from a 5×7 bitmap font, scaled, shifted and crossed with noise.
// Answers are stored hashed in the database so any instance can check them,
// and each captcha can be used once.

const captchaTTL = 5 * time.Minute

var digitFont = [10][7]string{
	{".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	{"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	{".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	{"####.", "....#", "....#", ".###.", "....#", "....#", "####."},
	{"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	{"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	{"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	{"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	{".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	{".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
}

func rnd(n int) int {
	v, _ := rand.Int(rand.Reader, big.NewInt(int64(n)))
	return int(v.Int64())
}

// drawCaptcha renders the digits as a PNG.
func drawCaptcha(answer string) []byte {
	const w, h, scale = 150, 50, 4
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{0xf4, 0xf1, 0xe8, 0xff}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, bg)
		}
	}
	// speckle
	for i := 0; i < 250; i++ {
		img.Set(rnd(w), rnd(h), color.RGBA{uint8(120 + rnd(100)), uint8(120 + rnd(100)), uint8(120 + rnd(100)), 0xff})
	}
	for i, ch := range answer {
		d := int(ch - '0')
		ink := color.RGBA{uint8(rnd(90)), uint8(20 + rnd(70)), uint8(60 + rnd(90)), 0xff}
		x0, y0 := 8+i*28+rnd(5), 6+rnd(10)
		slant := rnd(3) - 1
		for r, row := range digitFont[d] {
			for c, px := range row {
				if px != '#' {
					continue
				}
				for dy := 0; dy < scale; dy++ {
					for dx := 0; dx < scale; dx++ {
						img.Set(x0+c*scale+dx+slant*(7-r), y0+r*scale+dy, ink)
					}
				}
			}
		}
	}
	// crossing lines
	for l := 0; l < 3; l++ {
		y, dy := float64(rnd(h)), float64(rnd(7)-3)/10
		c := color.RGBA{uint8(60 + rnd(120)), uint8(60 + rnd(120)), uint8(60 + rnd(120)), 0xff}
		for x := 0; x < w; x++ {
			img.Set(x, int(y), c)
			y += dy
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func captchaHash(id, answer string) string {
	sum := sha256.Sum256([]byte(id + ":" + strings.TrimSpace(answer)))
	return hex.EncodeToString(sum[:])
}

// NewCaptcha creates a captcha and returns its id and PNG image.
func (s *Service) NewCaptcha(ctx context.Context) (id string, pngBytes []byte, err error) {
	var b strings.Builder
	for i := 0; i < 5; i++ {
		b.WriteByte(byte('0' + rnd(10)))
	}
	answer := b.String()
	id, _ = newToken()
	now := s.Clock.Now()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM captchas WHERE expires_at < ?", now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO captchas (id, answer, expires_at) VALUES (?, ?, ?)",
			id, captchaHash(id, answer), now.Add(captchaTTL).UnixMilli())
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return id, drawCaptcha(answer), nil
}

// consumeCaptcha checks an answer and deletes the captcha whatever the result.
func (s *Service) consumeCaptcha(ctx context.Context, tx *db.Tx, id, answer string, now time.Time) (bool, error) {
	var want string
	var exp int64
	err := tx.Get(ctx, "", "SELECT answer, expires_at FROM captchas WHERE id = ?", []any{id}, &want, &exp)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM captchas WHERE id = ?", id); err != nil {
		return false, err
	}
	return exp >= now.UnixMilli() && captchaHash(id, answer) == want, nil
}

// CaptchaAnswerForTest returns the answer of a stored captcha by trying all
// five-digit answers against its hash. Only tests use it.
func (s *Service) CaptchaAnswerForTest(ctx context.Context, id string) (string, error) {
	var want string
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT answer FROM captchas WHERE id = ?", []any{id}, &want)
	})
	if err != nil {
		return "", err
	}
	for n := 0; n < 100000; n++ {
		a := []byte{byte('0' + n/10000), byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)}
		if captchaHash(id, string(a)) == want {
			return string(a), nil
		}
	}
	return "", errs.NotFoundf("captcha")
}
