package volunteer_test

import (
	"context"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// TestTrainingHonoursEvaluation: the record's other parts are written by
// an organiser of the volunteer's scope, field by field checked, and read
// by the organisers and the volunteer; another street cannot write them,
// the volunteer cannot write their own.
func TestTrainingHonoursEvaluation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		nums := fx.approved(t, 1, 950)
		vid := count(t, d, "SELECT id FROM volunteers WHERE number = ?", nums[0])
		good := volunteer.RecordEntry{Kind: "training", Day: "2026-10-12", Title: "应急救护培训", Issuer: "市红十字会", Note: "取得救护员证"}
		for _, c := range []struct {
			name, field, key string
			edit             func(*volunteer.RecordEntry)
		}{
			{"kind", "kind", "field.bad_choice", func(e *volunteer.RecordEntry) { e.Kind = "medal" }},
			{"future", "day", "volunteer.party.future_day", func(e *volunteer.RecordEntry) { e.Day = "2027-01-01" }},
			{"title", "title", "field.required", func(e *volunteer.RecordEntry) { e.Title = " " }},
			{"issuer", "issuer", "field.required", func(e *volunteer.RecordEntry) { e.Issuer = "" }},
		} {
			e := good
			c.edit(&e)
			if err := fx.svc.AddRecordEntry(ctx, fx.org, vid, e); !isKey(err, errs.Invalid, c.field, c.key) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if err := fx.svc.AddRecordEntry(ctx, fx.street, vid, good); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another street: %v", err)
		}
		if err := fx.svc.AddRecordEntry(ctx, fx.org, vid, good); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.AddRecordEntry(ctx, fx.org, vid, volunteer.RecordEntry{Kind: "honour", Day: "2026-11-20", Title: "优秀志愿者", Issuer: "市文明办"}); err != nil {
			t.Fatal(err)
		}
		l, err := fx.svc.CreateLogin(ctx, fx.org, vid)
		if err != nil {
			t.Fatal(err)
		}
		me := fx.login(t, l).p
		got, err := fx.svc.RecordEntries(ctx, me, vid)
		if err != nil || len(got) != 2 || got[0].Kind != "honour" || got[1].Title != "应急救护培训" {
			t.Fatalf("own record %+v %v", got, err)
		}
		if err := fx.svc.AddRecordEntry(ctx, me, vid, good); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the volunteer writes their own record: %v", err)
		}
	})
}
