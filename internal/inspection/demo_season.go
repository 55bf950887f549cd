package inspection

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// DemoWeeks is how many past weeks of rounds and inspections the demo has.
const DemoWeeks = 5

var demoNotes = map[string][]string{
	"clean":   {"人行道有烟头、纸屑", "绿化带内有暴露垃圾", "垃圾桶满溢未及时清运"},
	"posters": {"电杆上有“牛皮癣”小广告", "墙面乱涂乱画"},
	"stalls":  {"店外摆放货架占用人行道", "流动摊贩占道经营"},
	"parking": {"非机动车乱停放堵塞盲道", "机动车压线停放"},
	"lights":  {"路灯不亮", "路灯灯罩破损"},
	"":        {"现场发现问题，已拍照", "已当场告知责任人"},
}

// seedDemoSeason writes DemoWeeks weeks of rounds and inspections before
// now, then this week's rounds, so the plans, inspections and scores have
// life on first run. Inspections are the groups' own staff's where a
// group has a user, else HQ's dispatcher's.
func (s *Service) seedDemoSeason(ctx context.Context, tx *db.Tx) error {
	now := s.now()
	rng := rand.New(rand.NewPCG(11, 2026))
	fallback, staff, err := demoInspectors(ctx, tx)
	if err != nil || fallback == 0 {
		return err
	}
	// The checklists by site type, and the sites' places.
	type siteInfo struct {
		typ, unit int64
		lat, lng  float64
	}
	items := map[int64][]CheckItem{}
	sites := map[int64]siteInfo{}
	rows, err := tx.Query(ctx, "SELECT id, site_type_id, unit_id, COALESCE(lat, 0), COALESCE(lng, 0) FROM inspection_sites")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var x siteInfo
		if err := rows.Scan(&id, &x.typ, &x.unit, &x.lat, &x.lng); err != nil {
			rows.Close()
			return err
		}
		sites[id] = x
	}
	rows.Close()
	itemKey := map[string]string{}
	for k, it := range demoItems {
		itemKey[it.title] = k
	}
	this := Monday(now)
	for w := DemoWeeks; w >= 1; w-- {
		monday := this.AddDate(0, 0, -7*w)
		if _, err := s.generatePlansTx(ctx, tx, monday, now.UnixMilli()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT ps.site_id, p.id, p.group_id FROM inspection_plan_sites ps JOIN inspection_plans p ON p.id = ps.plan_id
			WHERE p.week = ? ORDER BY ps.site_id`, monday.Format(time.DateOnly))
		if err != nil {
			return err
		}
		type planned struct{ site, plan, group int64 }
		var todo []planned
		for rows.Next() {
			var x planned
			if err := rows.Scan(&x.site, &x.plan, &x.group); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, x)
		}
		rows.Close()
		for _, x := range todo {
			if rng.IntN(100) < 12 {
				continue // missed
			}
			info := sites[x.site]
			if items[info.typ] == nil {
				if items[info.typ], err = checkItems(ctx, tx, info.typ); err != nil {
					return err
				}
			}
			at := monday.Add(time.Duration(24*(1+rng.IntN(4))+9+rng.IntN(8))*time.Hour + time.Duration(rng.IntN(60))*time.Minute)
			inspector := staff[x.group]
			if inspector == 0 {
				inspector = fallback
			}
			if err := writeDemoInspection(ctx, tx, rng, demoVisit{site: x.site, group: x.group, unit: info.unit, inspector: inspector, plan: x.plan,
				week: monday.Format(time.DateOnly), key: fmt.Sprintf("demo-%d-%d", w, x.site), at: at, lat: info.lat, lng: info.lng}, items[info.typ], itemKey); err != nil {
				return err
			}
		}
	}
	_, err = s.generatePlansTx(ctx, tx, this, now.UnixMilli())
	return err
}

// generatePlansTx writes a week's rounds for every active group in one transaction (the demo).
func (s *Service) generatePlansTx(ctx context.Context, tx *db.Tx, monday time.Time, now int64) (int, error) {
	rows, err := tx.Query(ctx, "SELECT id FROM units WHERE kind = 'supervision_group' AND active = TRUE ORDER BY sort, id")
	if err != nil {
		return 0, err
	}
	var groups []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		groups = append(groups, id)
	}
	rows.Close()
	n := 0
	for _, g := range groups {
		made, err := generatePlan(ctx, tx, g, monday, now)
		if err != nil {
			return n, err
		}
		if made {
			n++
		}
	}
	return n, nil
}

// demoVisit is one demo inspection's facts.
type demoVisit struct {
	site, group, unit, inspector, plan int64 // plan 0: outside a round
	week, key                          string
	at                                 time.Time
	lat, lng                           float64
}

// writeDemoInspection writes one inspection of the demo with random
// outcomes over the site's checklist (about one item in eight failed).
func writeDemoInspection(ctx context.Context, tx *db.Tx, rng *rand.Rand, v demoVisit, items []CheckItem, itemKey map[string]string) error {
	var scored []Scored
	var results []Result
	for _, it := range items {
		r := Result{ItemID: it.ID, IndicatorCode: it.IndicatorCode, Title: it.Title, Rule: it.Rule, TitleEN: it.TitleEN, RuleEN: it.RuleEN, Points: it.Points, Deduct: it.Deduct,
			Cap: it.Cap, Severity: it.Severity, Outcome: OutcomePass}
		switch n := rng.IntN(100); {
		case n < 4 && it.AllowNA:
			r.Outcome = OutcomeNA
		case n < 16:
			r.Outcome, r.Count = OutcomeFail, 1+rng.IntN(3)
			notes := demoNotes[itemKey[it.Title]]
			if notes == nil {
				notes = demoNotes[""]
			}
			r.Note = notes[rng.IntN(len(notes))]
		}
		sc := Scored{Points: it.Points, Deduct: it.Deduct, Cap: it.Cap, AllowNA: it.AllowNA, Outcome: r.Outcome, Count: r.Count}
		r.Deduction = Deduction(sc)
		scored = append(scored, sc)
		results = append(results, r)
	}
	score, _, _ := ScoreOf(scored)
	lat, lng := offset(v.lat, v.lng, rng.IntN(8), float64(5+rng.IntN(60)))
	far := rng.IntN(100) < 4
	if far {
		lat, lng = offset(v.lat, v.lng, rng.IntN(8), float64(900+rng.IntN(3000)))
	}
	dist := int(math.Round(Distance(v.lat, v.lng, lat, lng)))
	var plan any
	if v.plan != 0 {
		plan = v.plan
	}
	var group any
	if v.group != 0 {
		group = v.group
	}
	id, err := tx.InsertID(ctx, `INSERT INTO inspections (site_id, group_id, unit_id, inspector_id, plan_id, week, client_key, inspected_at, submitted_at,
		lat, lng, accuracy_m, distance_m, far, earned, possible, rate, rated, findings, passed, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '') RETURNING id`,
		v.site, group, v.unit, v.inspector, plan, v.week, v.key,
		v.at.UnixMilli(), v.at.Add(time.Duration(rng.IntN(30))*time.Minute).UnixMilli(), round6(lat), round6(lng), 8+rng.IntN(30), dist, far || dist > FarMetres,
		int64(score.Earned), int64(score.Possible), score.Rate, score.Rated, score.Findings, score.Findings == 0)
	if err != nil {
		return err
	}
	for i, r := range results {
		if _, err := tx.Exec(ctx, `INSERT INTO inspection_results (inspection_id, item_id, indicator_code, title, rule, points, deduct, cap, severity,
			outcome, count, deduction, note, sort, title_en, rule_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.ItemID, r.IndicatorCode, r.Title, r.Rule, int64(r.Points), int64(r.Deduct), int64(r.Cap), string(r.Severity),
			string(r.Outcome), r.Count, int64(r.Deduction), r.Note, i+1, r.TitleEN, r.RuleEN); err != nil {
			return err
		}
	}
	return nil
}

// demoInspectors are the demo's fallback actor (the dispatcher or the
// admin; 0 when neither exists, and then there is nothing to seed) and each
// supervision group's inspector.
func demoInspectors(ctx context.Context, tx *db.Tx) (int64, map[int64]int64, error) {
	var fallback int64
	if err := tx.Get(ctx, "entity.user", "SELECT COALESCE(MIN(id), 0) FROM users WHERE username IN ('dispatcher', 'admin')", nil, &fallback); err != nil || fallback == 0 {
		return 0, nil, err
	}
	staff := map[int64]int64{}
	rows, err := tx.Query(ctx, "SELECT u.unit_id, MIN(u.id) FROM users u JOIN units g ON g.id = u.unit_id WHERE g.kind = 'supervision_group' GROUP BY u.unit_id")
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var g, u int64
		if err := rows.Scan(&g, &u); err != nil {
			return 0, nil, err
		}
		staff[g] = u
	}
	return fallback, staff, rows.Err()
}
