package grassroots

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The demo's rural county: 沐川县 of the demo city runs the 一学三促
// campaign at the size of the seed's Jiuzhi (久治县): 129 cadres sent to
// 43 villages (one county-level and two section-level cadres each), 159
// outreach meetings reaching 13,418 people, 4,017 households and 17,889
// people visited, 11 disputes settled. The figures come out of these rows
// (TestTheDemoCountyProducesTheSeedsJiuzhiFigures).
const (
	DemoCountyCode   = "511129"
	DemoCampaignName = "一学三促"
	DemoCampaignFrom = "2026-09-01"
	DemoCampaignTo   = "2026-11-30"

	demoVillagesPerTown = 20  // new villages per town (the county's 3 communities are villages too)
	demoHouseholdsEach  = 100 // households per village
	demoVisited         = 4017
	demoFiveMembers     = 1821 // visited households of five; the rest of the visited have four
	demoMeetings        = 159
	demoMeetingsOf85    = 62 // meetings of 85 people; the rest have 84
)

// demoTasks are the demo campaign's tasks.
var demoTasks = []struct{ title, due, state string }{
	{"制定一学三促活动实施方案", "2026-09-10", "done"},
	{"各村召开动员会", "2026-09-20", "done"},
	{"建立驻村干部工作台账", "2026-09-30", "done"},
	{"完成脱贫户、监测户入户走访", "2026-10-31", "done"},
	{"梳理群众急难愁盼问题清单", "2026-11-10", "doing"},
	{"报送活动中期总结", "2026-11-15", "open"},
	{"开展宣讲成效群众满意度测评", "2026-11-25", "doing"},
	{"形成活动总结报告", "2026-11-30", "open"},
}

var demoVillageNames = []string{"高笋", "新凡", "红岩", "幸福", "民主", "光明", "团结", "金星", "龙泉", "凤凰", "石门", "青龙", "白果", "松林",
	"茶园", "竹林", "水田", "长岭", "黄桷", "桂花", "万福", "大坪", "沙溪", "杨柳", "观音", "马鞍", "天池", "双河", "永丰", "新华",
	"荷花", "杉树", "五星", "柏香", "金竹", "文星", "保安", "富民", "前进", "和平"}

// SeedDemoCounty gives the demo county its villages (each with one grid)
// and the campaign's rows. Bulk rows are written with multi-row inserts
// into the same columns the forms fill, so the demo loads in a second.
func (s *Service) SeedDemoCounty(ctx context.Context, orgs *org.Service) error {
	var county int64
	var streets []struct {
		id   int64
		code string
	}
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if err := tx.Get(ctx, "entity.region", "SELECT id FROM regions WHERE code = ?", []any{DemoCountyCode}, &county); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id, code FROM regions WHERE parent_id = ? ORDER BY sort, id", county)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x struct {
				id   int64
				code string
			}
			if err := rows.Scan(&x.id, &x.code); err != nil {
				return err
			}
			streets = append(streets, x)
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	// Villages: the towns' new villages, then a grid in every village.
	n := 0
	for _, st := range streets {
		for i := range demoVillagesPerTown {
			name := demoVillageNames[n%len(demoVillageNames)] + "村"
			if _, err := orgs.CreateRegion(ctx, nil, org.RegionInput{ParentID: st.id, Level: org.LevelCommunity,
				Code: fmt.Sprintf("%s-V%02d", st.code, i+1), Name: name, NameEN: fmt.Sprintf("Village %d", n+1), Sort: 100 + i}); err != nil {
				return fmt.Errorf("demo village: %w", err)
			}
			n++
		}
	}
	type village struct {
		id         int64
		code, name string
	}
	var villages []village
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT r.id, r.code, r.name FROM regions r WHERE r.level = 'community' AND r.path LIKE ? ORDER BY r.path",
			fmt.Sprintf("%%/%d/%%", county))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v village
			if err := rows.Scan(&v.id, &v.code, &v.name); err != nil {
				return err
			}
			villages = append(villages, v)
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	for _, v := range villages {
		if _, err := orgs.CreateRegion(ctx, nil, org.RegionInput{ParentID: v.id, Level: org.LevelGrid, Code: v.code + "-G1", Name: "第一网格",
			NameEN: "Grid 1", Sort: 1}); err != nil {
			return fmt.Errorf("demo grid: %w", err)
		}
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error { return s.seedCounty(ctx, tx, county) })
}

// bulk inserts rows into table's columns, a few hundred rows a statement.
func bulk(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any) error {
	const chunk = 400
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := 0; i < len(rows); i += chunk {
		part := rows[i:min(i+chunk, len(rows))]
		vals := make([]string, len(part))
		args := make([]any, 0, len(part)*len(cols))
		for j, r := range part {
			vals[j] = one
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+strings.Join(vals, ", "), args...); err != nil {
			return fmt.Errorf("demo %s: %w", table, err)
		}
	}
	return nil
}

func (s *Service) seedCounty(ctx context.Context, tx *db.Tx, county int64) error {
	now := s.Clock.Now()
	ms := now.UnixMilli()
	today := now.In(clock.CST).Format(time.DateOnly)
	type grid struct {
		id, villageID            int64
		path, villageName, vpath string
	}
	var grids []grid
	rows, err := tx.Query(ctx, `SELECT g.id, g.path, c.id, c.name, c.path FROM regions g JOIN regions c ON c.id = g.parent_id
		WHERE g.level = 'grid' AND g.path LIKE ? ORDER BY c.path`, fmt.Sprintf("%%/%d/%%", county))
	if err != nil {
		return err
	}
	for rows.Next() {
		var g grid
		if err := rows.Scan(&g.id, &g.path, &g.villageID, &g.villageName, &g.vpath); err != nil {
			rows.Close()
			return err
		}
		grids = append(grids, g)
	}
	rows.Close()
	var countyPath string
	if err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{county}, &countyPath); err != nil {
		return err
	}

	// Households, 100 a village, and their members; an address is the
	// villagers' group (组) and door within the village, the village being
	// the household's region (shown beside it in the page's language).
	var hh [][]any
	for gi, g := range grids {
		for i := range demoHouseholdsEach {
			head := demoName(gi*demoHouseholdsEach + i + 7)
			hh = append(hh, []any{g.id, g.path, fmt.Sprintf("%d组%d号", 1+i/20, 1+i%20), "", "", head,
				fmt.Sprintf("139%08d", 50000000+gi*1000+i), "", ms, ms})
		}
	}
	if err := bulk(ctx, tx, "gr_households", []string{"region_id", "region_path", "address", "building", "door", "head_name", "phone",
		"note", "created_at", "updated_at"}, hh); err != nil {
		return err
	}
	type household struct {
		id         int64
		path, head string
	}
	var hs []household
	rows, err = tx.Query(ctx, "SELECT id, region_path, head_name FROM gr_households WHERE region_path LIKE ? ORDER BY id", countyPath+"%")
	if err != nil {
		return err
	}
	for rows.Next() {
		var h household
		if err := rows.Scan(&h.id, &h.path, &h.head); err != nil {
			rows.Close()
			return err
		}
		hs = append(hs, h)
	}
	rows.Close()
	// Visited households are spread over the villages: every household but
	// the last few of each village, until demoVisited.
	visited := make([]bool, len(hs))
	members := make([]int, len(hs))
	left := demoVisited
	for i := range hs {
		if left > 0 && i%demoHouseholdsEach < demoHouseholdsEach-7 {
			visited[i] = true
			left--
		}
	}
	for i := 0; left > 0 && i < len(hs); i++ {
		if !visited[i] {
			visited[i] = true
			left--
		}
	}
	fives := demoFiveMembers
	var people, tags [][]any
	relations := []string{"head", "spouse", "child", "parent", "grandchild"}
	for i, h := range hs {
		members[i] = 3
		if visited[i] {
			members[i] = 4
			if fives > 0 {
				members[i], fives = 5, fives-1
			}
		}
		for m := range members[i] {
			name := h.head
			if m > 0 {
				name = demoSurnames[(i+m)%len(demoSurnames)] + demoGiven[(i*3+m)%len(demoGiven)]
			}
			people = append(people, []any{h.id, name, relations[m], "", "", "", "", ms})
		}
		if i%9 == 0 {
			tags = append(tags, []any{h.id, []string{"monitored", "lifted", "minimum_living", "elderly_alone"}[i/9%4], "2025-01-01", ms})
		}
	}
	if err := bulk(ctx, tx, "gr_people", []string{"household_id", "name", "relation", "gender", "id_enc", "id_mask", "phone", "created_at"}, people); err != nil {
		return err
	}
	if err := bulk(ctx, tx, "gr_tags", []string{"household_id", "tag", "started_on", "created_at"}, tags); err != nil {
		return err
	}

	// The campaign, one venue and three cadres (one county-level, two
	// section-level) per village, dispatched for the whole period.
	campaign, err := tx.InsertID(ctx, `INSERT INTO gr_campaigns (region_id, region_path, name, topics, starts_on, ends_on, min_county, min_section, max_section, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 1, 2, 3, ?) RETURNING id`, county, countyPath, DemoCampaignName,
		"学习党的二十届三中全会精神\n促进乡村振兴\n促进民族团结\n促进基层治理", DemoCampaignFrom, DemoCampaignTo, ms)
	if err != nil {
		return err
	}
	var venues, cadres [][]any
	for gi, g := range grids {
		venues = append(venues, []any{g.villageID, g.vpath, g.villageName + "村民委员会会议室", 150, ms})
		for k, rank := range []string{"county", "section", "section"} {
			unit := []string{"县委办公室", "县农业农村局", "县民政局", "县司法局", "县人社局", "县教育局", "县卫健局", "县自然资源局"}[(gi+k)%8]
			cadres = append(cadres, []any{county, countyPath, demoName(1000 + gi*3 + k), rank, unit, ms})
		}
	}
	if err := bulk(ctx, tx, "gr_venues", []string{"region_id", "region_path", "name", "capacity", "created_at"}, venues); err != nil {
		return err
	}
	if err := bulk(ctx, tx, "gr_cadres", []string{"region_id", "region_path", "name", "rank", "unit_name", "created_at"}, cadres); err != nil {
		return err
	}
	ids := func(q string, args ...any) ([]int64, error) {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	venueIDs, err := ids("SELECT id FROM gr_venues WHERE region_path LIKE ? ORDER BY id", countyPath+"%")
	if err != nil {
		return err
	}
	cadreIDs, err := ids("SELECT id FROM gr_cadres WHERE region_path = ? ORDER BY id", countyPath)
	if err != nil {
		return err
	}
	var dispatches, meetings [][]any
	for gi, g := range grids {
		for k := range 3 {
			dispatches = append(dispatches, []any{campaign, cadreIDs[gi*3+k], g.villageID, g.vpath, DemoCampaignFrom, DemoCampaignTo, ms})
		}
	}
	if err := bulk(ctx, tx, "gr_dispatches", []string{"campaign_id", "cadre_id", "region_id", "region_path", "starts_on", "ends_on", "created_at"}, dispatches); err != nil {
		return err
	}
	start, _ := time.ParseInLocation(time.DateOnly, DemoCampaignFrom, clock.CST)
	days := int(now.In(clock.CST).Sub(start).Hours()/24) + 1 // the campaign's days up to today
	topics := []string{"学习党的二十届三中全会精神", "乡村振兴政策宣讲", "民族团结进步宣讲", "法律进村入户", "防返贫监测政策解读"}
	for m := range demoMeetings {
		gi := m % len(grids)
		audience := 84
		if m < demoMeetingsOf85 {
			audience = 85
		}
		day := start.AddDate(0, 0, (m*7)%days).Format(time.DateOnly)
		meetings = append(meetings, []any{campaign, venueIDs[gi], grids[gi].vpath, topics[m%len(topics)], demoName(1000+gi*3) + "、" + demoName(1001+gi*3),
			day, audience, ms})
	}
	if err := bulk(ctx, tx, "gr_meetings", []string{"campaign_id", "venue_id", "region_path", "topic", "speakers", "held_on", "audience", "created_at"}, meetings); err != nil {
		return err
	}

	// The visits: each visited household once in the campaign, by its
	// village's cadres, with what was checked.
	var visits [][]any
	checks := []string{"income_change drinking_water education housing_safety medical", "drinking_water housing_safety", "employment health income_change"}
	for i, h := range hs {
		if !visited[i] {
			continue
		}
		gi := i / demoHouseholdsEach
		at := start.AddDate(0, 0, (i*13)%days).Add(time.Duration(9+i%8) * time.Hour)
		visits = append(visits, []any{h.id, h.path, at.UnixMilli(), at.Format(time.DateOnly), demoName(1000+gi*3) + "、" + demoName(1001+gi*3),
			checks[i%len(checks)], "", members[i], "", fmt.Sprintf("demo-%d", h.id), ms})
	}
	if err := bulk(ctx, tx, "gr_visits", []string{"household_id", "region_path", "visited_at", "visited_on", "visitors", "checks", "findings",
		"people_reached", "needs", "idem_key", "created_at"}, visits); err != nil {
		return err
	}
	// Each visit and meeting is tied to the two cadres of its village who
	// made it (the county-level one and the first section-level one, the
	// names in its visitors and speakers), so each cadre's work is counted
	// from rows and adds up to the campaign's.
	hgrid := map[int64]int{}
	for i, h := range hs {
		hgrid[h.id] = i / demoHouseholdsEach
	}
	vgrid := map[int64]int{}
	for gi, v := range venueIDs {
		vgrid[v] = gi
	}
	var links [][]any
	rows, err = tx.Query(ctx, "SELECT id, household_id FROM gr_visits WHERE region_path >= ? AND region_path < ? ORDER BY id", countyPath, countyPath[:len(countyPath)-1]+"0")
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, h int64
		if err := rows.Scan(&id, &h); err != nil {
			rows.Close()
			return err
		}
		gi := hgrid[h]
		links = append(links, []any{id, cadreIDs[gi*3]}, []any{id, cadreIDs[gi*3+1]})
	}
	rows.Close()
	if err := bulk(ctx, tx, "gr_visit_cadres", []string{"visit_id", "cadre_id"}, links); err != nil {
		return err
	}
	links = links[:0]
	rows, err = tx.Query(ctx, "SELECT id, venue_id FROM gr_meetings WHERE campaign_id = ? ORDER BY id", campaign)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return err
		}
		gi := vgrid[v]
		links = append(links, []any{id, cadreIDs[gi*3]}, []any{id, cadreIDs[gi*3+1]})
	}
	rows.Close()
	if err := bulk(ctx, tx, "gr_meeting_speakers", []string{"meeting_id", "cadre_id"}, links); err != nil {
		return err
	}
	// The campaign's tasks, owned by county-level cadres: done, under way,
	// open, and one past its day.
	var tasks [][]any
	for k, t := range demoTasks {
		var done any
		if t.state == "done" {
			done = t.due
		}
		tasks = append(tasks, []any{campaign, t.title, cadreIDs[(k*3)%len(cadreIDs)], t.due, t.state, done, ms, ms})
	}
	if err := bulk(ctx, tx, "gr_campaign_tasks", []string{"campaign_id", "title", "owner_id", "due_on", "state", "done_on", "created_at", "updated_at"}, tasks); err != nil {
		return err
	}
	// The plan "every household of the county in the campaign", fulfilled by the visits.
	plan, err := tx.InsertID(ctx, `INSERT INTO gr_visit_plans (region_id, region_path, name, rule_tag, rule_every, starts_on, ends_on, created_at)
		VALUES (?, ?, ?, '', 'once', ?, ?, ?) RETURNING id`, county, countyPath, DemoCampaignName+"入户走访全覆盖", DemoCampaignFrom, DemoCampaignTo, ms)
	if err != nil {
		return err
	}
	if err := generate(ctx, tx, plan, countyPath, Rule{Every: "once"}, DemoCampaignFrom, DemoCampaignTo); err != nil {
		return err
	}
	// The visits written in bulk count in coverage too, inside the plan or not.
	lo, hi := pathRange(countyPath)
	if err := refreshCoverage(ctx, tx, "SELECT id FROM gr_households WHERE region_path >= ? AND region_path < ?",
		[]any{lo, hi}, "", ""); err != nil {
		return err
	}
	_ = today
	return s.seedCountyDisputes(ctx, tx, grids[0].villageID, grids[1].villageID, start)
}

// seedCountyDisputes: 14 disputes, 11 settled (8 in the village, 3 in the
// township after escalation), 2 in mediation, 1 failed.
func (s *Service) seedCountyDisputes(ctx context.Context, tx *db.Tx, v1, v2 int64, start time.Time) error {
	kinds := []string{"land", "neighbours", "marriage_family", "labour", "property", "damages"}
	at := func(day int, hour int) time.Time {
		return start.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
	}
	for i := range 14 {
		village := v1
		if i%2 == 1 {
			village = v2
		}
		reg := at(i*5, 9)
		if i >= 11 {
			reg = s.Clock.Now().AddDate(0, 0, -(i - 9)) // recent, still within the limit
		}
		in := DisputeInput{RegionID: village, Title: []string{"承包地边界纠纷", "邻里排水纠纷", "赡养老人纠纷", "务工工资纠纷", "宅基地纠纷", "牲畜损坏庄稼赔偿"}[i%6],
			Kind: kinds[i%6], Source: []string{"visit", "walk_in", "workorder"}[i%3], Description: "村民反映，经网格员入户核实。",
			Parties: []Party{{Name: demoName(2000 + i*2), Side: "applicant"}, {Name: demoName(2001 + i*2), Side: "respondent"}}}
		id, err := s.registerDispute(ctx, tx, nil, in, reg)
		if err != nil {
			return err
		}
		steps := []StepInput{{Action: DAssign, Mediator: "村人民调解委员会"}, {Action: DSession, Note: "双方到场陈述，调解员释法说理"}}
		switch {
		case i < 8:
			steps = append(steps, StepInput{Action: DAgree, Agreement: &Agreement{Facts: in.Description + in.Title + "。",
				Duties: "申请人：按约定接受赔偿并撤回投诉。\n被申请人：按约定支付赔偿或恢复原状。", How: "当面交付，调解员见证", DueOn: reg.AddDate(0, 0, 20).Format(time.DateOnly)}})
			if i < 5 {
				steps = append(steps, StepInput{Action: DCheck, Note: "已履行"}, StepInput{Action: DFollowUp, Note: "回访：双方满意"})
			}
		case i < 11:
			steps = append(steps, StepInput{Action: DEscalate, Note: "村内调解未果，上报镇调委会"}, StepInput{Action: DAssign, Mediator: "镇人民调解委员会"},
				StepInput{Action: DSession, Note: "镇调委会组织调解"},
				StepInput{Action: DAgree, Agreement: &Agreement{Facts: in.Description + in.Title + "。", Duties: "申请人：……\n被申请人：……",
					How: "分期履行", DueOn: reg.AddDate(0, 0, 40).Format(time.DateOnly)}})
		case i < 13:
		default:
			steps = append(steps, StepInput{Action: DFail, Note: "双方分歧较大，告知诉讼途径"})
		}
		for k, st := range steps {
			d, err := loadDispute(ctx, tx, nil, id)
			if err != nil {
				return err
			}
			if err := s.step(ctx, tx, nil, d, st, reg.Add(time.Duration(k+1)*36*time.Hour)); err != nil {
				return fmt.Errorf("demo dispute %d step %s: %w", i, st.Action, err)
			}
		}
	}
	return nil
}

var _ = workorder.ChannelWeb
