package workorder_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"slices"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// stepPhotos prepares n real JPEGs and returns the callback that commits
// them inside the step's transaction.
func stepPhotos(t *testing.T, ps *photo.Service, n int, by int64) wo.StepPhotos {
	t.Helper()
	var prepared []*photo.Prepared
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for x := range 64 {
			img.Set(x, i%48, color.RGBA{uint8(40 * i), 90, 200, 255})
		}
		var b bytes.Buffer
		must(t, jpeg.Encode(&b, img, nil))
		p, err := photo.Prepare(&b)
		must(t, err)
		prepared = append(prepared, p)
	}
	return func(ctx context.Context, tx *db.Tx) ([]int64, error) {
		var ids []int64
		for _, p := range prepared {
			ph, err := ps.Commit(ctx, tx, p, by)
			if err != nil {
				return nil, err
			}
			ids = append(ids, ph.ID)
		}
		return ids, nil
	}
}

func TestActWithPhotosPutsThePhotosOnTheStepOrRollsThemBackWithARefusal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		store, err := photo.NewLocalStore(t.TempDir())
		must(t, err)
		ps := &photo.Service{DB: d, Store: store, Clock: f.clk}
		s := f.submit(t, "STREET_VENDING")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		resolve := wo.ActionInput{Action: wo.ActionResolve, Note: "摊点已清理"}

		// Another unit's handler: not in scope, the photo rows go with the refusal.
		_, err = f.svc.ActWithPhotos(f.ctx, f.handB, s.ID, resolve, stepPhotos(t, ps, 1, f.handB.UserID))
		wantCode(t, err, errs.NotFound)
		// Seven photos: refused on the photos field.
		_, err = f.svc.ActWithPhotos(f.ctx, f.handA, s.ID, resolve, stepPhotos(t, ps, wo.StepMaxPhotos+1, f.handA.UserID))
		wantCode(t, err, errs.Invalid)
		if e := errs.As(err); e == nil || len(e.Fields) != 1 || e.Fields["photos"].Key == "" {
			t.Fatalf("want a photos field message, got %v", err)
		}
		// A state that does not allow the step.
		_, err = f.svc.ActWithPhotos(f.ctx, f.disp, s.ID, wo.ActionInput{Action: wo.ActionVerify}, stepPhotos(t, ps, 1, f.disp.UserID))
		wantCode(t, err, errs.Conflict)
		if n := f.count(t, "SELECT COUNT(*) FROM photos"); n != 0 {
			t.Fatalf("%d photo rows after refusals", n)
		}
		if o, _ := f.svc.Get(f.ctx, f.disp, s.ID); o.State != wo.StateAcknowledged {
			t.Fatalf("state %s after refusals", o.State)
		}

		o, err := f.svc.ActWithPhotos(f.ctx, f.handA, s.ID, resolve, stepPhotos(t, ps, 2, f.handA.UserID))
		must(t, err)
		if o.State != wo.StateResolved || o.ReporterPhone != "138****8000" {
			t.Fatalf("resolved: %+v", o)
		}
		full, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		ev := full.Events[len(full.Events)-1]
		var ids []int64
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(f.ctx, "SELECT id FROM photos WHERE uploaded_by = ? ORDER BY id", f.handA.UserID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}))
		if ev.Action != "resolve" || len(ids) != 2 || !slices.Equal(ev.PhotoIDs, ids) {
			t.Fatalf("resolve event photos %v, rows %v", ev.PhotoIDs, ids)
		}
		// No callback is plain Act.
		o, err = f.svc.ActWithPhotos(f.ctx, f.disp, s.ID, wo.ActionInput{Action: wo.ActionVerify}, nil)
		must(t, err)
		if o.State != wo.StateVerified {
			t.Fatalf("verified: %s", o.State)
		}
	})
}
