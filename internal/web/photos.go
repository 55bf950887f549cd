package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
)

// PhotoFiles returns the files sent as "photos", skipping the empty part a
// browser sends when none was chosen.
func PhotoFiles(r *http.Request) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["photos"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		out = append(out, fh)
	}
	return out
}

// InspectPhoto reads an uploaded file's type, size and dimensions from its
// header, without decoding it, so a request's pixel budget can be checked
// before any decode (photo.CheckPixelBudget).
func InspectPhoto(fh *multipart.FileHeader) (*photo.Checked, error) {
	if fh.Size > photo.MaxBytes {
		return nil, errs.E(errs.Invalid, "photo.too_large", photo.MaxBytes>>20)
	}
	file, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open uploaded photo: %w", err)
	}
	defer file.Close()
	return photo.Inspect(io.LimitReader(file, photo.MaxBytes+1))
}

// ServePhoto answers with one stored photo variant: an ETag the browser
// revalidates with (304 when unchanged), the given Cache-Control, and
// nosniff. A nil service or a missing photo is 404.
func ServePhoto(w http.ResponseWriter, r *http.Request, photos *photo.Service, id int64, v photo.Variant, cache string) error {
	if photos == nil {
		return errs.NotFoundf("photo.entity")
	}
	b, err := photos.Open(r.Context(), id, v)
	if err != nil {
		return err
	}
	defer b.Body.Close()
	etag := `"` + b.ETag + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", b.ContentType)
	_, err = io.Copy(w, b.Body)
	return err
}
