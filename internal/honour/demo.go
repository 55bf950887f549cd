package honour

import (
	"context"
	"fmt"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// Demo accounts this package adds (password demo.Password): the staff who
// answer the public security and discipline inspection sign-offs.
const (
	DemoSignoffGA  = "ga_signoff"
	DemoSignoffJW  = "jw_signoff"
	DemoSignoffMZ  = "mz_signoff"
	DemoSignoffRol = "honour_signoff"
)

var demoGood = [][5][2]string{ // per quarter: (name, story) for each category in GoodPeopleCategories order
	{{"王秀英", "连续十年义务照顾社区孤寡老人，每周上门送菜、打扫卫生，陪老人就医。"}, {"李建军", "在岷江边奋不顾身跳入江中救起落水儿童，自己却被冲出数百米。"},
		{"陈大明", "经营小店二十年童叟无欺，拾到顾客遗失的三万元现金后原物奉还。"}, {"刘芳", "扎根乡村小学十五年，资助二十余名困难学生完成学业。"}, {"张桂兰", "照顾瘫痪在床的婆婆十八年，毫无怨言，被邻里称为“孝心儿媳”。"}},
	{{"赵敏", "组织“邻里互助队”，为社区独居老人提供应急服务三百余次。"}, {"孙强", "深夜路遇歹徒抢劫，挺身而出协助民警将嫌疑人制服。"},
		{"周立", "企业遇困仍坚持按时足额发放工人工资，诚信经营获得一致好评。"}, {"吴海燕", "疫情期间坚守社区一线，连续工作一百余天。"}, {"郑淑珍", "悉心照料患病丈夫和年迈父母，撑起一个家。"}},
	{{"冯志刚", "退休后发起“爱心早餐”公益项目，为环卫工人免费提供早餐。"}, {"何勇", "火灾现场冲进浓烟救出被困的三名群众。"},
		{"许文", "出租车司机多次归还乘客遗失物品，从不收取酬谢。"}, {"马丽", "乡村医生三十年如一日守护村民健康。"}, {"罗志华", "背着患病母亲求医问药十余年。"}},
}

// SeedDemo gives the honours screens life: the sign-off departments and
// their staff, a good-people list of five for each of 2026Q1–Q3 on the
// wall, this quarter's nominations at every stage (review, vote, notice),
// a few civilised units, families and two towns with their terms (some due
// for their yearly review), each in a district of the city, and the story
// tours of the 15th (seedTours).
func (s *Service) SeedDemo(ctx context.Context, orgs *org.Service, accounts *account.Service, password string) error {
	var city int64
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.region", "SELECT id FROM regions WHERE level = 'city' ORDER BY id", nil, &city)
	}); err != nil {
		return err
	}
	units := map[string]int64{}
	for _, u := range []struct{ code, name, en string }{{"DEPT-GA", "市公安局", "Leshan Public Security Bureau"}, {"DEPT-JW", "市纪委监委", "Leshan Commission for Discipline Inspection"}} {
		x, err := orgs.CreateUnit(ctx, nil, org.UnitInput{Kind: org.KindDepartment, Code: u.code, Name: u.name, NameEN: u.en, RegionID: city, Active: true, Sort: 90})
		if err != nil {
			return fmt.Errorf("honour demo: unit %s: %w", u.code, err)
		}
		units[u.code] = x.ID
	}
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE code = 'DEPT-MZ'", nil, &id)
		units["DEPT-MZ"] = id
		return err
	}); err != nil {
		return err
	}
	sys := &auth.Principal{Username: "system", Perms: map[auth.Perm]bool{auth.PermRoleManage: true}, Scope: auth.Scope{All: true}}
	if _, err := accounts.CreateRole(ctx, sys, account.RoleInput{Code: DemoSignoffRol, Name: "联审部门经办人", NameEN: "Department sign-off officer",
		Perms: []auth.Perm{auth.PermOrgView, auth.PermHonourSignoff}, ScopeKind: auth.ScopeUnitOnly}); err != nil {
		return fmt.Errorf("honour demo: role: %w", err)
	}
	for _, u := range []struct{ name, display, phone, unit string }{
		{DemoSignoffGA, "公安联审员 周建", "13800003001", "DEPT-GA"}, {DemoSignoffJW, "纪检联审员 黄丽", "13800003002", "DEPT-JW"},
		{DemoSignoffMZ, "民政联审员 许东", "13800003003", "DEPT-MZ"},
	} {
		if _, err := accounts.CreateUser(ctx, nil, account.UserInput{Username: u.name, DisplayName: u.display, Phone: u.phone, UnitID: units[u.unit],
			ScopeKind: auth.ScopeUnitOnly, Roles: []string{DemoSignoffRol}, Active: true, Password: password}); err != nil {
			return fmt.Errorf("honour demo: user %s: %w", u.name, err)
		}
	}
	now := s.Clock.Now()
	ms := func(day string) int64 {
		t, _ := time.ParseInLocation(time.DateOnly, day, clock.CST)
		return t.Add(10 * time.Hour).UnixMilli()
	}
	var districts []int64
	var awardedGood []int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		unit, err := officeUnit(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id FROM regions WHERE level = 'district' ORDER BY sort, id")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			districts = append(districts, id)
		}
		rows.Close()
		if len(districts) == 0 {
			districts = []int64{city}
		}
		k := 0
		// Each nomination in a district of the city, in turn; a unit
		// nominated by its name is linked to it (its region and English
		// name); one in five of the people is on the wall by surname only.
		ins := func(kind, cat, period, nominee, story, source, state string, created int64, notice any, awarded, expires string, votes int, jury int64) (int64, error) {
			k++
			publish := "full"
			if k%5 == 0 {
				publish = "surname"
			}
			return tx.InsertID(ctx, `INSERT INTO honour_nominations (kind, category, period, unit_id, region_id, nominee, nominee_unit_id, story, source, nominator,
				nominator_phone, consent, publish_name, state, votes, jury_total, notice_from, awarded_on, expires_on, created_at, updated_at)
				VALUES (?, ?, ?, ?, COALESCE((SELECT MIN(region_id) FROM units WHERE name = ? AND region_id <> ?), ?), ?, (SELECT MIN(id) FROM units WHERE name = ?), ?, ?, '市文明办',
				'', TRUE, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				kind, cat, period, unit, nominee, city, districts[k%len(districts)], nominee, nominee, story, source, publish, state, votes, jury, notice,
				awarded, expires, created, created)
		}
		ends := []string{"2026-04-10", "2026-07-10", "2026-10-12"}
		for qi, q := range demoGood {
			for ci, g := range q {
				id, err := ins("good_people", GoodPeopleCategories[ci], fmt.Sprintf("2026Q%d", qi+1), g[0], g[1], "community", "awarded",
					ms(ends[qi])-40*24*3600*1000, nil, ends[qi], "", 800+ci*97+qi*31, int64(8500+ci*120))
				if err != nil {
					return err
				}
				awardedGood = append(awardedGood, id)
			}
		}
		// This quarter: two in the vote, one in its notice (opened three days ago), one in review.
		q4 := fmt.Sprintf("%04dQ%d", now.In(clock.CST).Year(), (int(now.In(clock.CST).Month())-1)/3+1)
		// Their evidence notes (证明材料), seen by the office and the sign-off departments only.
		for _, x := range []struct{ nominee, cat, story, state, evidence string }{
			{"唐小红", "helping", "社区“爱心妈妈”，长期帮扶留守儿童学习和生活。", "voting", "社区居委会推荐信、2025年市级优秀志愿者证书"},
			{"黎明", "bravery", "驾车途经车祸现场，第一时间施救并报警，救出两名伤者。", "voting", "2025年见义勇为奖励证书、乐山日报报道"},
			{"宋春梅", "filial", "二十年如一日照顾患阿尔茨海默病的母亲。", "notice", ""},
			{"高峰", "dedication", "地铁建设工地技术员，带领班组攻克盾构难题，三年未休年假。", "review", "项目部表彰文件、班组技术攻关成果鉴定书"},
		} {
			var notice any
			if x.state == "notice" {
				notice = now.Add(-3 * 24 * time.Hour).UnixMilli()
			}
			id, err := ins("good_people", x.cat, q4, x.nominee, x.story, "community", x.state, now.Add(-20*24*time.Hour).UnixMilli(), notice, "", "", 120, 0)
			if err != nil {
				return err
			}
			if x.evidence != "" {
				if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET evidence_note = ? WHERE id = ?", x.evidence, id); err != nil {
					return err
				}
			}
			if x.state == "review" {
				if _, err := tx.Exec(ctx, "INSERT INTO honour_signoffs (nomination_id, department, state) VALUES (?, 'public_security', 'pending')", id); err != nil {
					return err
				}
			}
		}
		for _, x := range []struct{ kind, name, story, awarded string }{
			{"civilised_unit", "乐山供电公司", "创建工作扎实，志愿服务常态化，连续三年零投诉。", "2024-01-15"},
			{"civilised_unit", "市城市管理局", "背街小巷整治成效显著，群众满意度持续提升。", "2025-12-20"},
			{"civilised_unit", "嘉定小学", "文明校园建设特色鲜明，家校共育成效突出。", "2025-01-10"},
			{"civilised_family", "王建国家庭", "三代同堂，孝老爱亲，热心邻里公益。", "2025-06-30"},
			{"civilised_family", "陈淑芬家庭", "勤俭持家，家风淳朴，子女均投身志愿服务。", "2025-06-30"},
			{"civilised_family", "刘洋家庭", "夫妻双双坚守乡村教育岗位，资助困难学生。", "2024-06-30"},
		} {
			a, _ := time.ParseInLocation(time.DateOnly, x.awarded, clock.CST)
			if _, err := ins(x.kind, "", a.Format("2006"), x.name, x.story, "unit", "awarded", a.UnixMilli()-30*24*3600*1000, nil,
				x.awarded, a.AddDate(3, 0, 0).Format(time.DateOnly), 0, 9000); err != nil {
				return err
			}
		}
		// Two civilised villages and towns (文明村镇), each placed in itself.
		rows, err = tx.Query(ctx, "SELECT id, name FROM regions WHERE level = 'street' AND name LIKE '%镇' ORDER BY id LIMIT 2")
		if err != nil {
			return err
		}
		type town struct {
			id   int64
			name string
		}
		var towns []town
		for rows.Next() {
			var x town
			if err := rows.Scan(&x.id, &x.name); err != nil {
				rows.Close()
				return err
			}
			towns = append(towns, x)
		}
		rows.Close()
		for i, x := range towns {
			awarded := []string{"2024-12-18", "2025-03-20"}[i]
			a, _ := time.ParseInLocation(time.DateOnly, awarded, clock.CST)
			if _, err := tx.Exec(ctx, `INSERT INTO honour_nominations (kind, period, unit_id, region_id, nominee, story, source, nominator, consent, state,
				jury_total, awarded_on, expires_on, created_at, updated_at) VALUES ('civilised_village', ?, ?, ?, ?, ?, 'unit', '市文明办', TRUE, 'awarded', 8800, ?, ?, ?, ?)`,
				a.Format("2006"), unit, x.id, x.name, "村规民约深入人心，人居环境整治成效明显，连续多年无重大治安和信访事件。", awarded,
				a.AddDate(3, 0, 0).Format(time.DateOnly), a.UnixMilli()-30*24*3600*1000, a.UnixMilli()-30*24*3600*1000); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.seedTours(ctx, districts[0], awardedGood)
}

// seedTours gives the wall its story tours, as the seed's Xiuning runs
// them: a volunteer project whose activities on the 15th of each month
// (two months back to two ahead) have a good person of the list tell their
// story in a community or a school, each linked to that honoree.
func (s *Service) seedTours(ctx context.Context, region int64, honorees []int64) error {
	if s.Volunteers == nil || len(honorees) == 0 {
		return nil
	}
	pid, err := s.Volunteers.CreateProject(ctx, nil, volunteer.ProjectInput{Name: "道德模范宣讲进社区", RegionID: region,
		Intro: "每月15日，好人榜、道德模范走进社区和学校讲述自己的故事。"})
	if err != nil {
		return fmt.Errorf("honour demo: tour project: %w", err)
	}
	today := s.Clock.Now().In(clock.CST)
	from, to := today.AddDate(0, -2, 0).Format(time.DateOnly), today.AddDate(0, 2, 0).Format(time.DateOnly)
	if _, err := s.Volunteers.Generate(ctx, nil, pid, volunteer.Rule{Kind: volunteer.RuleMonthDays, MonthDays: []int{15}}, from, to,
		volunteer.ActivityInput{RegionID: region, Title: "道德模范宣讲", Content: "先进典型讲述自己的故事（事迹见“榜样风采” /public/honours），志愿者负责组织、引导和记录。",
			Address: "社区新时代文明实践站", Start: "09:30", End: "11:00", Capacity: 30, Mode: string(volunteer.ModeInstant)}); err != nil {
		return fmt.Errorf("honour demo: tours: %w", err)
	}
	acts, err := s.Volunteers.PublicActivities(ctx, nil, from, to)
	if err != nil {
		return err
	}
	now := s.Clock.Now().UnixMilli()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		i := 0
		for _, a := range acts {
			if a.ProjectID != pid {
				continue
			}
			for _, h := range []int64{honorees[i%len(honorees)], honorees[(i+1)%len(honorees)]} {
				if _, err := tx.Exec(ctx, "INSERT INTO honour_tours (nomination_id, activity_id, linked_at) VALUES (?, ?, ?)", h, a.ID, now); err != nil {
					return err
				}
			}
			i += 2
		}
		return nil
	})
}
