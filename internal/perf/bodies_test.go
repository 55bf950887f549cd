package perf

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"testing"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/workorder"
)

// TestRealisticBodiesHaveTheIssuesShape checks the bodies `bench intake`
// posts: JSON reports with a median near 820 bytes and descriptions near
// 250 characters (none over the service's limit), and about a tenth
// multipart with one photo under the field name the API reads.
func TestRealisticBodiesHaveTheIssuesShape(t *testing.T) {
	bs := RealisticBodies([]string{"RUBBISH", "MANHOLE"}, 2000, 7, PhotoShare)
	_, median, _, photos := BodySizes(bs)
	if median < 700 || median > 950 {
		t.Errorf("median JSON body = %d bytes, want about 820", median)
	}
	if photos < 0.07 || photos > 0.13 {
		t.Errorf("share with a photo = %.2f, want about %.2f", photos, PhotoShare)
	}
	var lens []int
	for i, b := range bs {
		if b.ContentType == "application/json" {
			var f struct{ Category, Description string }
			if err := json.Unmarshal(b.Data, &f); err != nil {
				t.Fatalf("body %d: %v", i, err)
			}
			n := utf8.RuneCountInString(f.Description)
			if n == 0 || n > workorder.MaxDescriptionLen || f.Category == "" {
				t.Fatalf("body %d: description of %d characters, category %q", i, n, f.Category)
			}
			lens = append(lens, n)
			continue
		}
		_, params, err := mime.ParseMediaType(b.ContentType)
		if err != nil {
			t.Fatal(err)
		}
		form, err := multipart.NewReader(bytes.NewReader(b.Data), params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if len(form.File["photos"]) != 1 || form.Value["description"][0] == "" {
			t.Fatalf("body %d: photos %d, description %q", i, len(form.File["photos"]), form.Value["description"])
		}
	}
	below := 0
	for _, n := range lens {
		if n < 250 {
			below++
		}
	}
	if share := float64(below) / float64(len(lens)); share < 0.35 || share > 0.65 {
		t.Errorf("share of descriptions under 250 characters = %.2f, want the median near 250", share)
	}
}
