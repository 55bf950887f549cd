package workorder_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// offset returns the point metres north and east of lat/lng.
func offset(lat, lng, north, east float64) (float64, float64) {
	const m = 111_195.0 // metres per degree of latitude on the mean sphere
	return lat + north/m, lng + east/(m*cosDeg(lat))
}

func cosDeg(d float64) float64 { return math.Cos(d * math.Pi / 180) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (f *fixture) report(lat, lng float64, cat, ip string) wo.PublicReport {
	return wo.PublicReport{SubmitInput: wo.SubmitInput{Channel: wo.ChannelSnap, CategoryID: f.cats[cat],
		Description: "路口井盖缺失，晚上很危险", Lat: &lat, Lng: &lng, ReporterPhone: "13800138000", IP: ip}}
}

// citizenPhotos prepares n real JPEGs; seed makes their bytes differ from
// other calls'.
func citizenPhotos(t *testing.T, n, seed int) []*photo.Prepared {
	t.Helper()
	var out []*photo.Prepared
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for x := range 64 {
			img.Set(x, (i+seed)%48, color.RGBA{uint8(40 * i), uint8(seed), 200, 255})
		}
		var b bytes.Buffer
		must(t, jpeg.Encode(&b, img, nil))
		p, err := photo.Prepare(&b)
		must(t, err)
		out = append(out, p)
	}
	return out
}

// blobFiles counts the files under a local photo store's folder.
func blobFiles(t *testing.T, root string) int {
	t.Helper()
	n := 0
	must(t, filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	}))
	return n
}

func TestSubmitPublicStoresPhotosAndOrderInOneTransactionOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		root := t.TempDir()
		store, err := photo.NewLocalStore(root)
		must(t, err)
		f.svc.Photos = &photo.Service{DB: d, Store: store, Clock: f.clk}
		in := f.report(29.56, 103.76, "MANHOLE", "203.0.113.7")
		in.Photos = citizenPhotos(t, 2, 0)
		s, err := f.svc.SubmitPublic(f.ctx, in)
		must(t, err)
		if n := f.count(t, `SELECT COUNT(*) FROM workorder_attachments a JOIN photos p ON p.id = a.photo_id
			WHERE a.order_id = ? AND p.uploaded_by IS NULL`, s.ID); n != 2 {
			t.Fatalf("attachments %d", n)
		}
		if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND created_by IS NULL AND channel = 'snap'", s.ID) != 1 {
			t.Fatal("the report is not a citizen's snap report")
		}
		if n := blobFiles(t, root); n != 6 {
			t.Fatalf("%d blobs for two photos, want 6", n)
		}

		// A refusal inside the transaction (here: the caller's own rows)
		// rolls back what was written, removes the new photo's blobs but not
		// those the first report's rows share, and still counts the report.
		before := f.count(t, "SELECT COUNT(*) FROM workorders")
		in.Photos = append(citizenPhotos(t, 1, 0), citizenPhotos(t, 1, 7)...) // the first as before, one new
		in.After = func(ctx context.Context, tx *db.Tx, _ wo.Submitted) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('sentinel', 'x', 0)"); err != nil {
				return err
			}
			var fe errs.Fields
			fe.Add("media_url", "field.required")
			return fe.Err()
		}
		if _, err := f.svc.SubmitPublic(f.ctx, in); errs.As(err) == nil {
			t.Fatalf("a refusal after the photos: %v", err)
		}
		if f.count(t, "SELECT COUNT(*) FROM workorders") != before || f.count(t, "SELECT COUNT(*) FROM settings WHERE key = 'sentinel'") != 0 ||
			f.count(t, "SELECT COUNT(*) FROM photos") != 2 {
			t.Fatal("half-saved report")
		}
		if n := blobFiles(t, root); n != 6 {
			t.Fatalf("%d blobs after the refused report, want the first report's 6", n)
		}
		if n := f.count(t, "SELECT count FROM rate_counters WHERE key = 'report:203.0.113.7'"); n != 2 {
			t.Fatalf("the address has %d reports counted, want the accepted and the refused one", n)
		}
		// A failure (not a refusal) leaves no blob either and is not the citizen's to count.
		in.Photos = citizenPhotos(t, 1, 9)
		in.After = func(context.Context, *db.Tx, wo.Submitted) error { return errors.New("disk full") }
		if _, err := f.svc.SubmitPublic(f.ctx, in); err == nil {
			t.Fatal("a failure stored the report")
		}
		if n := blobFiles(t, root); n != 6 {
			t.Fatalf("%d blobs after a failed report", n)
		}
		if n := f.count(t, "SELECT count FROM rate_counters WHERE key = 'report:203.0.113.7'"); n != 2 {
			t.Fatalf("a failure was counted: %d", n)
		}
		in.After = nil

		// Bad input is refused before the photos are touched.
		bad := f.report(95, 103.76, "POLICY_QUERY", "203.0.113.7")
		bad.Photos = citizenPhotos(t, 7, 11)
		_, err = f.svc.SubmitPublic(f.ctx, bad)
		e := errs.As(err)
		if e == nil || e.Fields["lat"].Key != "field.out_of_range" || e.Fields["photos"].Key != "workorder.field.too_many_photos" {
			t.Fatalf("bad report: %v", err)
		}
		if n := blobFiles(t, root); n != 6 {
			t.Fatalf("bad input wrote %d blobs", n-6)
		}
		bad = f.report(29.56, 103.76, "POLICY_QUERY", "203.0.113.7")
		bad.Photos = citizenPhotos(t, 1, 13)
		_, err = f.svc.SubmitPublic(f.ctx, bad)
		if e := errs.As(err); e == nil || e.Fields["category_id"].Key != "field.bad_choice" {
			t.Fatalf("hotline-only category: %v", err)
		}
		if f.count(t, "SELECT COUNT(*) FROM workorders") != before || blobFiles(t, root) != 6 {
			t.Fatal("a refused report was saved")
		}
		// Without a photo store a report with photos is not taken.
		f.svc.Photos = nil
		if _, err := f.svc.SubmitPublic(f.ctx, f.report(29.56, 103.76, "MANHOLE", "203.0.113.8")); err != nil {
			t.Fatalf("a report without photos needs no store: %v", err)
		}
		in.Photos = citizenPhotos(t, 1, 15)
		if _, err := f.svc.SubmitPublic(f.ctx, in); err == nil {
			t.Fatal("photos were taken without a store")
		}
	})
}

func TestReportLimitRefusesAFullAddressUntilItsWindowEnds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.svc.ReportLimit = wo.ReportLimit{Reports: 2, Window: time.Hour}
		file := func(ip string) error {
			_, err := f.svc.SubmitPublic(f.ctx, f.report(29.56, 103.76, "RUBBISH", ip))
			return err
		}
		must(t, file("198.51.100.1"))
		must(t, f.svc.ReportAllowed(f.ctx, "198.51.100.1"))
		must(t, file("198.51.100.1"))
		wantCode(t, f.svc.ReportAllowed(f.ctx, "198.51.100.1"), errs.TooMany)
		n := f.count(t, "SELECT COUNT(*) FROM workorders")
		wantCode(t, file("198.51.100.1"), errs.TooMany)
		if f.count(t, "SELECT COUNT(*) FROM workorders") != n {
			t.Fatal("a throttled report was saved")
		}
		must(t, file("198.51.100.2")) // another address is not affected
		f.clk.Advance(time.Hour)
		must(t, file("198.51.100.1"))
		// Opening the new window swept the ended ones of other addresses.
		if f.count(t, "SELECT COUNT(*) FROM rate_counters WHERE key = 'report:198.51.100.2'") != 1 {
			t.Fatal("a window that has just ended is still needed to compare")
		}
		f.clk.Advance(2 * time.Hour)
		must(t, file("198.51.100.1"))
		if f.count(t, "SELECT COUNT(*) FROM rate_counters") != 1 {
			t.Fatal("stale windows were not swept")
		}
		f.svc.ReportLimit = wo.ReportLimit{Reports: -1}
		for range 3 {
			must(t, file("198.51.100.1")) // no limit (a load test)
		}
	})
}

func TestNearbyFindsOpenReportsOfTheSameCategoryWithin50Metres(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		lat, lng := 29.5646, 103.7626
		file := func(north, east float64, cat string) wo.Submitted {
			a, b := offset(lat, lng, north, east)
			s, err := f.svc.SubmitPublic(f.ctx, f.report(a, b, cat, "192.0.2.1"))
			must(t, err)
			return s
		}
		near := file(30, 0, "MANHOLE")
		far := file(0, 200, "MANHOLE")
		other := file(5, 5, "RUBBISH")
		done := file(-10, 0, "MANHOLE")
		f.act(t, f.disp, done.ID, wo.ActionInput{Action: wo.ActionReject, Note: "重复"})
		got, err := f.svc.Nearby(f.ctx, f.cats["MANHOLE"], lat, lng, wo.NearbyRadius)
		must(t, err)
		if len(got) != 1 || got[0].Code != near.Code || got[0].DistanceM < 28 || got[0].DistanceM > 32 {
			t.Fatalf("nearby: %+v (far %s, other %s)", got, far.Code, other.Code)
		}
		if got[0].State != wo.StateSubmitted || got[0].CategoryName != "井盖缺失" {
			t.Fatalf("nearby row: %+v", got[0])
		}
		_, err = f.svc.Nearby(f.ctx, 0, 91, lng, 50)
		if e := errs.As(err); e == nil || e.Fields["lat"].Key != "field.out_of_range" || e.Fields["category_id"].Key == "" {
			t.Fatalf("bad query: %v", err)
		}
	})
}

func TestReportWithAPlaceLandsInTheNearestRegionWithACentre(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			for _, r := range []struct {
				id       int64
				lat, lng float64
			}{{f.city, 29.55, 103.75}, {f.distA, 29.56, 103.76}, {f.distB, 29.41, 103.55}} {
				if _, err := tx.Exec(f.ctx, "UPDATE regions SET lat = ?, lng = ? WHERE id = ?", r.lat, r.lng, r.id); err != nil {
					return err
				}
			}
			return nil
		}))
		places, err := f.svc.MapPlaces(f.ctx)
		must(t, err)
		if len(places) != 3 || places[0].ID != f.city || places[0].Level != "city" {
			t.Fatalf("map places: %+v", places)
		}
		s, err := f.svc.SubmitPublic(f.ctx, f.report(29.42, 103.56, "RUBBISH", "192.0.2.9"))
		must(t, err)
		if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND region_id = ?", s.ID, f.distB) != 1 {
			t.Fatal("report not placed in district B")
		}
		s, err = f.svc.SubmitPublic(f.ctx, f.report(39.9, 116.4, "RUBBISH", "192.0.2.9")) // Beijing: no region
		must(t, err)
		if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND region_id IS NULL", s.ID) != 1 {
			t.Fatal("a report far from every region must stay without one")
		}
	})
}

func TestCitizenRatesAVerifiedOrderOnceAndDissatisfiedReopensIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s, err := f.svc.SubmitPublic(f.ctx, f.report(29.56, 103.76, "STREET_VENDING", "192.0.2.5"))
		must(t, err)
		rate := func(r wo.Rating, tail string) error {
			_, err := f.svc.RateByCode(f.ctx, s.Code, wo.CitizenRating{Rating: r, Comment: "还是有摊贩", PhoneTail: tail, IP: "192.0.2.5"})
			return err
		}
		wantCode(t, rate(wo.RatingSatisfied, "8000"), errs.Conflict) // nothing to rate yet
		resolve := func() {
			f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "已清理"})
			f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionVerify})
		}
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		resolve()
		need, err := f.svc.NeedsPhoneTail(f.ctx, s.Code)
		must(t, err)
		if !need {
			t.Fatal("a report with a phone must ask for its last digits")
		}
		err = rate(wo.RatingDissatisfied, "")
		if e := errs.As(err); e == nil || e.Fields["phone_tail"].Key != "field.required" {
			t.Fatalf("no phone tail: %v", err)
		}
		err = rate(wo.RatingDissatisfied, "1234")
		if e := errs.As(err); e == nil || e.Fields["phone_tail"].Key != "pub.err.phone_tail" {
			t.Fatalf("wrong phone tail: %v", err)
		}
		wantCode(t, rate(wo.RatingUnreachable, "8000"), errs.Invalid)
		// Four digits cannot be found by trying: five wrong guesses an hour
		// close the form for that code, even to the right digits.
		for range 4 {
			rate(wo.RatingDissatisfied, "0000")
		}
		wantCode(t, rate(wo.RatingDissatisfied, "8000"), errs.TooMany)
		f.clk.Advance(time.Hour)
		must(t, rate(wo.RatingDissatisfied, "8000"))
		o, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		if o.State != wo.StateReopened || o.Satisfaction != wo.RatingDissatisfied || o.ReopenCount != 1 || o.ResolveDueAt == nil {
			t.Fatalf("after dissatisfied: %+v", o)
		}
		last := o.Events[len(o.Events)-1]
		if last.Action != "callback" || last.ActorRole != "citizen" || last.Note != "还是有摊贩" || last.PublicNote {
			t.Fatalf("callback event: %+v", last)
		}
		if f.count(t, "SELECT COUNT(*) FROM notifications WHERE ref = ? AND text_key = 'workorder.notify.reopened'", s.ID) != 1 {
			t.Fatal("the unit was not told to redo the order")
		}
		wantCode(t, rate(wo.RatingSatisfied, "8000"), errs.Conflict) // with the unit again
		resolve()
		must(t, rate(wo.RatingSatisfied, "8000"))
		pv, err := f.svc.PublicView(f.ctx, s.Code)
		must(t, err)
		if pv.State != wo.StateCallbackDone || pv.Satisfaction != wo.RatingSatisfied {
			t.Fatalf("public view after rating: %+v", pv)
		}
		err = rate(wo.RatingDissatisfied, "8000")
		if errs.As(err) == nil || errs.As(err).Key != "pub.err.already_rated" {
			t.Fatalf("second rating: %v", err)
		}
		var reached, sat, dis, reopened int64
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			return tx.Get(f.ctx, "", `SELECT SUM(callbacks_reached), SUM(satisfied), SUM(dissatisfied), SUM(reopened)
				FROM workorder_stats_daily WHERE unit_id = ?`, []any{f.unitA}, &reached, &sat, &dis, &reopened)
		}))
		// The order's first reached callback (dissatisfied) counts, not the
		// satisfied one after the redo; that it was reopened once stays.
		if reached != 1 || sat != 0 || dis != 1 || reopened != 1 {
			t.Fatalf("rollup: reached %d satisfied %d dissatisfied %d reopened %d", reached, sat, dis, reopened)
		}
		if f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'workorder.callback' AND entity_id = ? AND ip = '192.0.2.5'",
			itoa(s.ID)) != 2 {
			t.Fatal("citizen ratings are not in the audit log")
		}
		_, err = f.svc.RateByCode(f.ctx, "ZZZZZZZZZZ", wo.CitizenRating{Rating: wo.RatingSatisfied})
		wantCode(t, err, errs.NotFound)
	})
}
