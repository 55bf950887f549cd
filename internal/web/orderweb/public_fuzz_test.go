package orderweb

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// FuzzPublicReportDecoder feeds arbitrary bodies to the JSON decoder of
// POST /api/v1/public/reports and the checks that follow it: nothing
// panics, a refusal is an Invalid error (a field message or err.bad_json),
// and whatever passes is an order the service would take.
func FuzzPublicReportDecoder(f *testing.F) {
	for _, s := range []string{
		`{"category":"RUBBISH","description":"垃圾堆在楼道里没人清理","lat":29.56,"lng":103.76}`,
		`{"category":"MANHOLE","description":"井盖缺失","address":"春华路口","name":"李先生","phone":"13912345678"}`,
		`{"category":"RUBBISH","description":"短"}`,
		`{"lat":"north"}`, `{"lat":1e400}`, `{"lat":-90.0000001,"lng":180}`, `{"description":null}`,
		`[]`, `null`, `{}`, `{"colour":"red"}`, `{"category":"X"} {"category":"Y"}`, `{"description":"\u0000\u0000\u0000\u0000\u0000"}`,
		"{\"description\":\"\xff\xfe\xfd\xfc\xfb\"}", `{"phone":"+86 138 0013 8000"}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rf, err := decodeReportJSON(strings.NewReader(body))
		if err != nil {
			if e := errs.As(err); e == nil || e.Code != errs.Invalid {
				t.Fatalf("decoder refused %q with %v, want an invalid-input error", body, err)
			}
			return
		}
		in := workorder.PublicReport{SubmitInput: workorder.SubmitInput{Channel: workorder.ChannelAPI, CategoryID: 1,
			Description: rf.Description, Address: rf.Address, Lat: rf.Lat, Lng: rf.Lng, ReporterName: rf.Name,
			ReporterPhone: rf.Phone}}
		var fs errs.Fields
		workorder.CheckReport(in, &fs)
		if err := fs.Err(); err != nil {
			if e := errs.As(err); e == nil || e.Code != errs.Invalid || len(e.Fields) == 0 {
				t.Fatalf("checks refused %q without a field message: %v", body, err)
			}
			return
		}
		// Accepted: what the service stores is within its limits.
		d := strings.TrimSpace(rf.Description)
		if n := utf8.RuneCountInString(d); n < workorder.MinDescriptionLen || n > workorder.MaxDescriptionLen {
			t.Fatalf("accepted a description of %d characters: %q", n, body)
		}
		if (rf.Lat == nil) != (rf.Lng == nil) {
			t.Fatalf("accepted half a position: %q", body)
		}
		if rf.Lat != nil && (*rf.Lat < -90 || *rf.Lat > 90 || *rf.Lng < -180 || *rf.Lng > 180 || *rf.Lat != *rf.Lat || *rf.Lng != *rf.Lng) {
			t.Fatalf("accepted a position off the globe: %q", body)
		}
		if utf8.RuneCountInString(strings.TrimSpace(rf.Address)) > workorder.MaxAddressLen ||
			utf8.RuneCountInString(strings.TrimSpace(rf.Name)) > workorder.MaxNameLen {
			t.Fatalf("accepted an over-long field: %q", body)
		}
	})
}
