package inspection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/workorder"
)

// demoResolutions are what units write when they report a finding fixed.
var demoResolutions = []string{"已安排人员现场清理整改完毕", "已督促商户整改并签订门前三包责任书", "已更换损坏设施，恢复正常使用",
	"已组织清除小广告并加强巡查", "已规范车辆停放并施划标线"}

// SeedDemoRectifications files the demo season's failures as
// rectifications (through the work-order service, at the time of each
// inspection) and plays their lives up to now: most acknowledged within
// hours, resolved within days (some late), rechecked by the group's
// inspector a week after the inspection (one in five failing and reopened,
// then resolved again); the newest still with their units. They are work
// orders, so the app seeds them only in a demo with an order history
// (DemoOrders > 0), and only once.
func (s *Service) SeedDemoRectifications(ctx context.Context) error {
	if s.Orders == nil {
		return nil
	}
	now := s.now()
	rng := rand.New(rand.NewPCG(12, 2026))
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_rectifications"); err != nil || n > 0 {
			return err
		}
		type finding struct {
			insp, result, site, unit, group, region, inspector int64
			at                                                 int64
			code, name, typ, address, title, rule, note        string
			severity                                           Severity
			count                                              int
			lat, lng                                           *float64
		}
		rows, err := tx.Query(ctx, `SELECT i.id, res.id, s.id, s.unit_id, COALESCE(i.group_id, 0), s.region_id, i.inspector_id, i.submitted_at,
			s.code, s.name, t.name, s.address, res.title, res.rule, res.note, res.severity, res.count, s.lat, s.lng
			FROM inspection_results res JOIN inspections i ON i.id = res.inspection_id JOIN inspection_sites s ON s.id = i.site_id
			JOIN inspection_site_types t ON t.id = s.site_type_id
			WHERE res.outcome = 'fail' ORDER BY i.submitted_at, res.id`)
		if err != nil {
			return err
		}
		var fs []finding
		for rows.Next() {
			var f finding
			if err := rows.Scan(&f.insp, &f.result, &f.site, &f.unit, &f.group, &f.region, &f.inspector, &f.at, &f.code, &f.name, &f.typ,
				&f.address, &f.title, &f.rule, &f.note, &f.severity, &f.count, &f.lat, &f.lng); err != nil {
				rows.Close()
				return err
			}
			fs = append(fs, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range fs {
			at := time.UnixMilli(f.at)
			site := Site{ID: f.site, Code: f.code, Name: f.name, SiteTypeName: f.typ, Address: f.address, RegionID: f.region, UnitID: f.unit,
				Lat: f.lat, Lng: f.lng}
			x := Inspection{ID: f.insp, GroupID: f.group}
			r := Result{Title: f.title, Rule: f.rule, Note: f.note, Severity: f.severity, Count: f.count, Outcome: OutcomeFail}
			if err := s.fileRectifications(ctx, tx, nil, x, site, []Result{r}, []int64{f.result}, at); err != nil {
				return err
			}
			var rect, order int64
			if err := tx.Get(ctx, "", "SELECT id, order_id FROM inspection_rectifications WHERE result_id = ?", []any{f.result}, &rect, &order); err != nil {
				return err
			}
			step := func(a workorder.Action, note string, t time.Time) (bool, error) {
				if !t.Before(now) {
					return false, nil
				}
				_, err := s.Orders.StepTx(ctx, tx, nil, order, workorder.ActionInput{Action: a, Note: note}, t)
				return err == nil, err
			}
			if err := playLife(ctx, rng, f.severity, at, now, rect, f.inspector, f.lat, f.lng, step, tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// playLife plays one demo rectification's life up to now.
func playLife(ctx context.Context, rng *rand.Rand, sev Severity, at, now time.Time, rect, inspector int64, lat, lng *float64,
	step func(workorder.Action, string, time.Time) (bool, error), tx *db.Tx) error {
	// Acknowledged within hours (one in ten never).
	if rng.IntN(10) == 0 {
		return nil
	}
	if ok, err := step(workorder.ActionAcknowledge, "", at.Add(time.Duration(1+rng.IntN(20))*time.Hour)); err != nil || !ok {
		return err
	}
	due := RectifyDue(sev, at)
	resolved := due.Add(-time.Duration(rng.IntN(48)) * time.Hour) // most on time
	if rng.IntN(6) == 0 {
		resolved = due.Add(time.Duration(6+rng.IntN(40)) * time.Hour) // late
	}
	if ok, err := step(workorder.ActionResolve, demoResolutions[rng.IntN(len(demoResolutions))], resolved); err != nil || !ok {
		return err
	}
	// The recheck, by the group's inspector a week after the inspection.
	recheckAt := at.AddDate(0, 0, 7)
	if recheckAt.Before(resolved) {
		recheckAt = resolved.Add(20 * time.Hour)
	}
	for round := 0; round < 2; round++ {
		if !recheckAt.Before(now) {
			break
		}
		pass := round > 0 || rng.IntN(5) != 0
		action, note := workorder.ActionRecheckPass, "复查合格"
		if !pass {
			action, note = workorder.ActionRecheckFail, "复查发现问题仍然存在，请继续整改"
		}
		if _, err := step(action, note, recheckAt); err != nil {
			return err
		}
		failed := 0
		if !pass {
			failed = 1
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inspection_rechecks (rectification_id, inspector_id, client_key, at, passed, note, lat, lng, distance_m, far)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, 20, FALSE)`, rect, inspector, fmt.Sprintf("demo-recheck-%d-%d", rect, round),
			recheckAt.UnixMilli(), pass, note, lat, lng); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_rectifications SET rechecks = rechecks + 1, failed_rechecks = failed_rechecks + ? WHERE id = ?", failed, rect); err != nil {
			return err
		}
		if pass {
			break
		}
		again := recheckAt.Add(time.Duration(20+rng.IntN(30)) * time.Hour)
		if ok, err := step(workorder.ActionResolve, "已按复查意见再次整改", again); err != nil || !ok {
			break
		}
		recheckAt = again.Add(24 * time.Hour)
	}
	return nil
}
