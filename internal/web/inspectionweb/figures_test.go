package inspectionweb_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/figures"
)

func principal(t *testing.T, e *apptest.Env, username string) *auth.Principal {
	t.Helper()
	var p *auth.Principal
	err := e.App.DB.Read(context.Background(), func(tx *db.Tx) error {
		var id int64
		if err := tx.Get(context.Background(), "user", "SELECT id FROM users WHERE username = ?", []any{username}, &id); err != nil {
			return err
		}
		var err error
		p, err = e.App.Accounts.LoadPrincipal(context.Background(), tx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ms(day string) int64 {
	t, _ := time.ParseInLocation(time.DateOnly, day, clock.CST)
	return t.UnixMilli()
}

func TestInspectionFiguresEqualTheRowsAndFollowTheScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := e.App.Inspection.FiguresContext(context.Background())
		admin := principal(t, e, "admin")
		sc := figures.Scope{From: "2026-10-01", To: "2026-11-30"}
		val := func(id string) figures.Value {
			f, ok := figures.Get(id)
			if !ok {
				t.Fatalf("figure %s not registered", id)
			}
			v, err := f.Compute(ctx, admin, sc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		held := e.Count(t, "SELECT COUNT(*) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", ms("2026-10-01"), ms("2026-12-01"))
		findings := e.Count(t, "SELECT COALESCE(SUM(findings), 0) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", ms("2026-10-01"), ms("2026-12-01"))
		passed := e.Count(t, "SELECT COUNT(*) FROM inspections WHERE passed = TRUE AND inspected_at >= ? AND inspected_at < ?", ms("2026-10-01"), ms("2026-12-01"))
		earned := e.Count(t, "SELECT COALESCE(SUM(earned), 0) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", ms("2026-10-01"), ms("2026-12-01"))
		possible := e.Count(t, "SELECT COALESCE(SUM(possible), 0) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", ms("2026-10-01"), ms("2026-12-01"))
		if held < 500 {
			t.Fatalf("the demo has only %d inspections", held)
		}
		if v := val("inspection.held"); v.Count != held {
			t.Fatalf("held %d, rows %d", v.Count, held)
		}
		if v := val("inspection.findings"); v.Count != findings {
			t.Fatalf("findings %d, rows %d", v.Count, findings)
		}
		if v := val("inspection.pass_rate"); v.Rate == nil || v.Rate.Numerator != passed || v.Rate.Denominator != held {
			t.Fatalf("pass rate %+v, rows %d of %d", v.Rate, passed, held)
		}
		if v := val("inspection.average_score"); v.Rate == nil || v.Rate.Numerator != earned || v.Rate.Denominator != possible || earned >= possible {
			t.Fatalf("average %+v, rows %d of %d", v.Rate, earned, possible)
		}
		// The inspector's figure counts only what the inspector sees.
		insp := principal(t, e, "inspector")
		f, _ := figures.Get("inspection.held")
		v, err := f.Compute(ctx, insp, sc)
		if err != nil || v.Count == 0 || v.Count >= held {
			t.Fatalf("the inspector's inspections: %d of %d (%v)", v.Count, held, err)
		}
		apptest.Want(t, "inspector's home", e.Login(t, "inspector").Get("/"), http.StatusOK, "本周待督查点位", "本月督查次数")
	})
}
