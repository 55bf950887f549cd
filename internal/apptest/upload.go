package apptest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
)

// SmallJPEG is a real 64×48 photo.
func SmallJPEG(tb testing.TB) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			m.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// Upload is a file sent under "photos".
type Upload struct {
	Name string
	Data []byte
}

// PostMultipart sends a multipart form with files under "photos".
func (e *Env) PostMultipart(tb testing.TB, c *Client, path string, vals url.Values, files ...Upload) *Response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("photos", f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(f.Data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}
