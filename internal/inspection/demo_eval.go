package inspection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/scoring"
)

// DemoHistoryQuarters is how many quarters before the current one the demo
// has inspections for, each published (the latest with its 红黑榜), so the
// evaluation's history, trend and public board have life on first run.
const DemoHistoryQuarters = 2

// seedDemoHistory writes, for each of the DemoHistoryQuarters quarters
// before now's, one inspection of most sites (by the covering group's
// inspector, outside any round) on a working day of the quarter. The
// quarters' findings are not turned into rectifications: the demo's work
// orders are for the recent weeks only, so those quarters' rectified-on-time
// criterion has no base and gives full points.
func (s *Service) seedDemoHistory(ctx context.Context, tx *db.Tx) error {
	now := s.now()
	rng := rand.New(rand.NewPCG(11, 2025))
	fallback, staff, err := demoInspectors(ctx, tx)
	if err != nil || fallback == 0 {
		return err
	}
	type siteInfo struct {
		id, typ, unit, group int64
		lat, lng             float64
	}
	var sites []siteInfo
	rows, err := tx.Query(ctx, `SELECT s.id, s.site_type_id, s.unit_id, COALESCE(`+groupOf+`, 0), COALESCE(s.lat, 0), COALESCE(s.lng, 0)
		FROM inspection_sites s JOIN regions r ON r.id = s.region_id WHERE s.active = TRUE ORDER BY s.id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var x siteInfo
		if err := rows.Scan(&x.id, &x.typ, &x.unit, &x.group, &x.lat, &x.lng); err != nil {
			rows.Close()
			return err
		}
		sites = append(sites, x)
	}
	rows.Close()
	itemKey := map[string]string{}
	for k, it := range demoItems {
		itemKey[it.title] = k
	}
	items := map[int64][]CheckItem{}
	q := QuarterOf(now)
	for k := DemoHistoryQuarters; k >= 1; k-- {
		hq := q
		for range k {
			hq = hq.Prev()
		}
		days := int(hq.End().Sub(hq.Start()).Hours() / 24)
		for _, x := range sites {
			if rng.IntN(100) < 15 {
				continue // not inspected that quarter
			}
			if items[x.typ] == nil {
				if items[x.typ], err = checkItems(ctx, tx, x.typ); err != nil {
					return err
				}
			}
			day := hq.Start().AddDate(0, 0, rng.IntN(days))
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.AddDate(0, 0, 1)
			}
			if !day.Before(hq.End()) {
				day = hq.End().AddDate(0, 0, -3)
			}
			at := day.Add(time.Duration(9+rng.IntN(8))*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
			inspector := staff[x.group]
			if inspector == 0 {
				inspector = fallback
			}
			if err := writeDemoInspection(ctx, tx, rng, demoVisit{site: x.id, group: x.group, unit: x.unit, inspector: inspector,
				week: Monday(at).Format(time.DateOnly), key: fmt.Sprintf("demo-%s-%d", hq, x.id), at: at, lat: x.lat, lng: x.lng},
				items[x.typ], itemKey); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedDemoEvaluations publishes the demo's earlier quarters (the latest
// with an approved adjustment and its 红黑榜), as the office would have:
// the dispatcher proposes, the admin approves and publishes.
func (s *Service) seedDemoEvaluations(ctx context.Context) error {
	var admin, office int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.user", `SELECT COALESCE(MAX(CASE WHEN username = 'admin' THEN id END), 0),
			COALESCE(MAX(CASE WHEN username = 'dispatcher' THEN id END), 0) FROM users`, nil, &admin, &office)
	})
	if err != nil || admin == 0 || office == 0 {
		return err
	}
	who := func(id int64) *auth.Principal {
		return &auth.Principal{UserID: id, Scope: auth.Scope{All: true},
			Perms: map[auth.Perm]bool{auth.PermInspectionManage: true, auth.PermInspectionView: true, auth.PermOrderView: true}}
	}
	q := QuarterOf(s.now())
	if err := s.seedDemoSurveys(ctx, who(admin), []Quarter{q.Prev(), q}); err != nil {
		return err
	}
	for k := DemoHistoryQuarters; k >= 1; k-- {
		hq := q
		for range k {
			hq = hq.Prev()
		}
		if k == 1 {
			ev, err := s.Evaluation(ctx, who(office), hq.String())
			if err != nil {
				return err
			}
			for _, r := range ev.Rows {
				if r.Type == EvalStreet && r.Rank > 0 {
					a, err := s.ProposeAdjustment(ctx, who(office), AdjustmentInput{Quarter: hq.String(), UnitID: r.UnitID, Value: scoring.Cents(150),
						Reason: "承办全市文明实践现场推进会，工作成效突出", Evidence: "市文明办通报（乐文明办〔" + fmt.Sprint(hq.Year) + "〕8号）"})
					if err != nil {
						return err
					}
					if err := s.DecideAdjustment(ctx, who(admin), a.ID, true); err != nil {
						return err
					}
					break
				}
			}
		}
		if err := s.PublishEvaluation(ctx, who(admin), hq.String()); err != nil {
			return err
		}
		if k == 1 {
			if err := s.PublishBoard(ctx, who(admin), hq.String(), DefaultBoardSize); err != nil {
				return err
			}
		}
	}
	return nil
}

// SeedDemoDispatch drafts last month's dispatch report (as the job would
// have on the month's first working day) and, when the demo has work
// orders, enters two of the meeting's decisions on it.
func (s *Service) SeedDemoDispatch(ctx context.Context, withOrders bool) error {
	m := MonthOf(s.now()).Prev()
	made, err := s.DraftDispatch(ctx, nil, m)
	if err != nil || !made || !withOrders {
		return err
	}
	var admin int64
	var units []int64
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		if err := tx.Get(ctx, "entity.user", "SELECT COALESCE(MIN(id), 0) FROM users WHERE username = 'admin'", nil, &admin); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM units WHERE kind = 'street_office' AND active = TRUE ORDER BY sort, id LIMIT 2")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			units = append(units, id)
		}
		return rows.Err()
	})
	if err != nil || admin == 0 || len(units) < 2 {
		return err
	}
	p := &auth.Principal{UserID: admin, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermInspectionManage: true}}
	due := s.now().In(clock.CST).AddDate(0, 0, 10).Format(time.DateOnly)
	for i, t := range []TaskInput{
		{Title: "背街小巷乱堆杂物集中整治", Detail: "对上月督查反映的背街小巷乱堆杂物问题开展为期两周的集中整治，逐点销号。"},
		{Title: "农贸市场公平秤全覆盖", Detail: "辖区农贸市场公平秤设置和检定情况全面排查，未设置的限期补齐。"},
	} {
		t.UnitID, t.Due = units[i], due
		if _, err := s.AddTask(ctx, p, m.String(), t); err != nil {
			return err
		}
	}
	return nil
}

var demoQuestions = `B050101 您对所在街道（社区）的环境卫生是否满意？
B050102 您对所在区域的市容秩序（占道经营、乱贴乱画整治）是否满意？
B050201 您对交通秩序和车辆停放是否满意？
B040201 您对新时代文明实践站（所）开展的活动是否满意？
B010101 您对政务服务大厅的办事效率是否满意？`

// seedDemoSurveys creates each quarter's residents' survey with answers
// from every street (a few responses each, most of them satisfied).
func (s *Service) seedDemoSurveys(ctx context.Context, p *auth.Principal, qs []Quarter) error {
	rng := rand.New(rand.NewPCG(11, 99))
	for _, q := range qs {
		id, err := s.CreateSurvey(ctx, p, SurveyInput{Quarter: q.String(), Title: fmt.Sprintf("%d年第%d季度文明城市创建群众满意度调查", q.Year, q.Q), Questions: demoQuestions})
		if err != nil {
			return err
		}
		at := q.Start().AddDate(0, 0, 20).UnixMilli()
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			var regions, questions []int64
			for _, x := range []struct {
				q   string
				out *[]int64
			}{{"SELECT id FROM regions WHERE level = 'street' ORDER BY path", &regions},
				{"SELECT id FROM inspection_survey_questions WHERE survey_id = ? ORDER BY sort", &questions}} {
				args := []any{}
				if strings.Contains(x.q, "?") {
					args = append(args, id)
				}
				rows, err := tx.Query(ctx, x.q, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var v int64
					if err := rows.Scan(&v); err != nil {
						rows.Close()
						return err
					}
					*x.out = append(*x.out, v)
				}
				rows.Close()
			}
			n := 0
			for ri, region := range regions {
				bias := 60 + (ri*7)%30 // each street its own mood
				for range 4 + rng.IntN(4) {
					n++
					channel := "public"
					if n%3 == 0 {
						channel = "inspector"
					}
					rid, err := tx.InsertID(ctx, `INSERT INTO inspection_survey_responses (survey_id, region_id, channel, client_key, created_at)
						VALUES (?, ?, ?, ?, ?) RETURNING id`, id, region, channel, fmt.Sprintf("demo-survey-%d-%d", id, n), at+int64(n)*60000)
					if err != nil {
						return err
					}
					for _, qid := range questions {
						a := AnswerSatisfied
						switch x := rng.IntN(100); {
						case x >= bias+25:
							a = AnswerUnknown
						case x >= bias+10:
							a = AnswerDissatisfied
						case x >= bias:
							a = AnswerBasic
						}
						if _, err := tx.Exec(ctx, "INSERT INTO inspection_survey_answers (response_id, question_id, answer) VALUES (?, ?, ?)", rid, qid, string(a)); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
