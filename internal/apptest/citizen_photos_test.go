package apptest_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// hugePNG is a PNG of a few dozen bytes whose header declares w×h pixels,
// as a decompression bomb would: only its header can be read cheaply.
func hugePNG(t testing.TB, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// signature (8), length (4), "IHDR" (4), data (13), crc (4)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// photoJPEG is a real small JPEG; seed makes its bytes (and so its
// content-addressed keys) differ.
func photoJPEG(t testing.TB, seed uint8) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			m.Set(x, y, color.RGBA{uint8(x*4) + seed, uint8(y * 5), 90 + seed, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postPhotos sends a multipart form with the files under "photos".
func postPhotos(t *testing.T, e *apptest.Env, c *apptest.Client, path string, vals url.Values, files ...[]byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for i, f := range files {
		w, err := mw.CreateFormFile("photos", "photo"+string(rune('a'+i))+".png")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// report is a good citizen's report's fields.
func report() url.Values {
	return url.Values{"category": {"STREET_VENDING"}, "description": {"人行道上有流动摊贩占道经营，行人只能走到机动车道上"},
		"lat": {"29.564600"}, "lng": {"103.762600"}, "phone": {"13800138000"}}
}

func TestPhotosOverTheRequestsPixelBudgetAreRefusedFromTheirHeadersWithAFieldMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		orders, photos := e.Count(t, "SELECT COUNT(*) FROM workorders"), e.Count(t, "SELECT COUNT(*) FROM photos")
		// Each is under the per-photo cap (39.7 MP); together they are 79.4 MP.
		bomb := hugePNG(t, 6300, 6300)
		for _, lang := range []struct{ accept, want string }{
			{"zh-CN", "合计约 80 百万像素，一次最多 60 百万像素"},
			{"en", "about 80 megapixels together; one report takes at most 60"},
		} {
			c := e.Anonymous(t)
			c.Lang = lang.accept
			res := postPhotos(t, e, c, "/api/v1/public/reports", report(), bomb, bomb)
			if res.Status != http.StatusBadRequest || !res.Contains(`"photos"`, lang.want) {
				t.Fatalf("%s: two 39.7 MP photos in one request: %d %s", lang.accept, res.Status, res.Body)
			}
		}
		// The form says so too, on the photos field.
		c := e.Anonymous(t)
		form := report()
		form.Set("csrf", c.CSRF())
		res := postPhotos(t, e, c, "/report", form, bomb, bomb)
		if res.Status != http.StatusBadRequest || !res.Contains("合计约 80 百万像素") {
			t.Fatalf("the report form with two 39.7 MP photos: %d %s", res.Status, res.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders") != orders || e.Count(t, "SELECT COUNT(*) FROM photos") != photos {
			t.Fatal("a report over the pixel budget was stored")
		}
		// One such header is within the budget: it is decoded (and found to be no real picture).
		res = postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), bomb)
		if res.Status != http.StatusBadRequest || !res.Contains("照片文件已损坏") || strings.Contains(res.Body, "百万像素") {
			t.Fatalf("one 39.7 MP header: %d %s", res.Status, res.Body)
		}
		// Real photos within the budget are taken.
		res = postPhotos(t, e, e.Anonymous(t), "/api/v1/public/reports", report(), photoJPEG(t, 1), photoJPEG(t, 2))
		if res.Status != http.StatusCreated || e.Count(t, "SELECT COUNT(*) FROM photos") != photos+2 {
			t.Fatalf("two small photos: %d %s", res.Status, res.Body)
		}
	})
}
