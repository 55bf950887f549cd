package inspection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
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
		return s.seedDemoNotices(ctx, tx, now)
	})
}

// seedDemoNotices issues a few notices and letters (一书一函) in the past,
// numbered through the counters, and plays their lives: the three units
// with the most open findings get a rectification notice each (one closed,
// one replied, one just issued), and two reminder letters go out (one
// answered and closed, one unanswered past its deadline, which the timer
// escalates at start).
func (s *Service) seedDemoNotices(ctx context.Context, tx *db.Tx, now time.Time) error {
	open := append(orderStatesOf(RectOpen), orderStatesOf(RectToRecheck)...)
	rows, err := tx.Query(ctx, `SELECT x.unit_id, COUNT(*) FROM inspection_rectifications x JOIN workorders w ON w.id = x.order_id
		WHERE w.state IN (`+db.Placeholders(len(open))+`) GROUP BY x.unit_id ORDER BY COUNT(*) DESC, x.unit_id LIMIT 3`, open...)
	if err != nil {
		return err
	}
	var units []int64
	for rows.Next() {
		var u, n int64
		if err := rows.Scan(&u, &n); err != nil {
			rows.Close()
			return err
		}
		units = append(units, u)
	}
	rows.Close()
	if len(units) == 0 {
		return nil
	}
	var office int64
	if err := tx.Get(ctx, "entity.user", "SELECT COALESCE(MIN(id), 0) FROM users WHERE username = 'dispatcher'", nil, &office); err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(clock.CST).Format(time.DateOnly) }
	type plan struct {
		kind         NoticeKind
		unit         int64
		ago, replyIn int // days
		title, body  string
		steps        []NoticeAction
	}
	rect, _ := NoticeKindOf(KindRectNotice)
	letter, _ := NoticeKindOf(KindReminder)
	plans := []plan{
		{kind: letter, unit: units[0], ago: 20, replyIn: 7, title: "关于做好城市环境卫生“大扫除”工作的提示函",
			body:  "近期督查发现，部分背街小巷、农贸市场周边环境卫生反弹明显。\n请立即组织开展环境卫生集中整治，建立长效保洁机制。",
			steps: []NoticeAction{NoticeReceive, NoticeReply, NoticeClose}},
		{kind: rect, unit: units[0], ago: 10, replyIn: 3, steps: []NoticeAction{NoticeReceive, NoticeReply, NoticeClose}},
	}
	if len(units) > 1 {
		plans = append(plans, plan{kind: rect, unit: units[1], ago: 4, replyIn: 5, steps: []NoticeAction{NoticeReceive, NoticeReply}},
			plan{kind: letter, unit: units[1], ago: 6, replyIn: 3, title: "关于做好第四季度测评迎检工作的提示函",
				body: "第四季度测评将于本月中旬开展，请对照测评体系逐项开展自查。\n请于期限内报送自查情况及问题整改台账。", steps: []NoticeAction{NoticeReceive}})
	}
	if len(units) > 2 {
		plans = append(plans, plan{kind: rect, unit: units[2], ago: 1, replyIn: 5})
	}
	for _, pl := range plans {
		at := now.AddDate(0, 0, -pl.ago)
		replyBy, _ := time.ParseInLocation(time.DateOnly, day(at.AddDate(0, 0, pl.replyIn)), clock.CST)
		replyBy = replyBy.Add(24*time.Hour - time.Second)
		id, err := s.issueTx(ctx, tx, nil, pl.kind, IssueInput{Kind: pl.kind.Code, UnitID: pl.unit, Title: pl.title, Body: pl.body,
			CC: "市人民政府办公室"}, replyBy, at)
		if err != nil {
			return err
		}
		if office != 0 {
			if _, err := tx.Exec(ctx, "UPDATE inspection_notices SET issued_by = ? WHERE id = ?", office, id); err != nil {
				return err
			}
		}
		st, t := NoticeIssued, at
		for i, a := range pl.steps {
			t = at.Add(time.Duration(4+i*30) * time.Hour)
			to, err := NoticeNext(st, a)
			if err != nil {
				return err
			}
			set, args := "state = ?, updated_at = ?", []any{string(to), t.UnixMilli()}
			note, actor := "", "责任单位"
			switch a {
			case NoticeReceive:
				set, args = set+", received_at = ?", append(args, t.UnixMilli())
			case NoticeReply:
				note = "已按要求逐项整改到位，整改前后照片见各项。"
				if pl.kind.Letter {
					note = "已组织专项整治并建立长效机制，自查情况已形成台账。"
				}
				set, args = set+", replied_at = ?, reply = ?", append(args, t.UnixMilli(), note)
				if _, err := tx.Exec(ctx, "UPDATE inspection_notice_items SET reply = '已整改到位' WHERE notice_id = ?", id); err != nil {
					return err
				}
			case NoticeClose:
				set, args, actor = set+", closed_at = ?", append(args, t.UnixMilli()), "指挥部办公室"
			}
			if _, err := tx.Exec(ctx, "UPDATE inspection_notices SET "+set+" WHERE id = ?", append(args, id)...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO inspection_notice_events (notice_id, at, actor_name, action, from_state, to_state, note)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, t.UnixMilli(), actor, string(a), string(st), string(to), note); err != nil {
				return err
			}
			st = to
		}
	}
	return nil
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
