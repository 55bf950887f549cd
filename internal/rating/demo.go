package rating

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/scoring"
)

// Demo accounts this package adds to the demo city (password demo.Password):
// the fully-mechanised team's leader and two peers who score, and 李立, the
// worker who came first with 192 points, to see the rated person's page.
const (
	DemoLeader = "mine_leader"
	DemoPeer1  = "mine_peer1"
	DemoPeer2  = "mine_peer2"
	DemoWorker = "lili"
	// DemoStaffRole is the demo's role for rated workers.
	DemoStaffRole = "rated_staff"
)

// DemoTemplate is the demo trade's template: 综采工 of the coal mine, 200
// points, weights team leader 50 / peers 30 / office 20.
func DemoTemplate(unitID int64) TemplateInput {
	return TemplateInput{UnitID: unitID, Kind: KindStaff, JobType: "综采工", Name: "煤矿综采工星级评定",
		Scheme: scoring.Scheme{
			Criteria: []scoring.Criterion{
				{Code: "safety", Name: "安全生产", NameEN: "Work safety", Points: scoring.Points(60), Method: scoring.MethodJudgement},
				{Code: "quality", Name: "工作质量", NameEN: "Quality of work", Points: scoring.Points(50), Method: scoring.MethodJudgement},
				{Code: "discipline", Name: "劳动纪律", NameEN: "Labour discipline", Points: scoring.Points(30), Method: scoring.MethodJudgement, Evidence: false},
				{Code: "exam", Name: "技能考试", NameEN: "Skills exam", Points: scoring.Points(40), Method: scoring.MethodTest},
				{Code: "attendance", Name: "出勤", NameEN: "Attendance", Points: scoring.Points(20), Method: scoring.MethodTest},
			},
			Weights:  []scoring.ScorerWeight{{Kind: "leader", Weight: 50}, {Kind: "peer", Weight: 30}, {Kind: "office", Weight: 20}},
			Missing:  scoring.MissingRenormalise,
			TieBreak: scoring.TieBreak{Criteria: []string{"safety", "exam"}, Then: scoring.TieCode},
		},
		Ladder: scoring.Ladder{Min: 1, Max: 5,
			Bands: []scoring.Band{{Code: "top", TopPercent: 10, Stars: 4}, {Code: "middle", MinScore: scoring.Points(150), Stars: 3}, {Code: "bottom", Stars: 2}},
			Moves: []scoring.Move{{Band: "top", Rounds: 2, Delta: 1}, {Band: "bottom", Rounds: 1, Delta: -1}},
		},
	}
}

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
	demoGiven    = []string{"建国", "志强", "海", "军", "永刚", "明", "伟", "勇", "斌", "涛", "强", "磊", "洪", "平", "波", "鹏", "超", "杰", "峰", "林", "华", "亮", "刚", "辉", "飞"}
)

// DemoWorkers is the number of workers of the demo trade.
const DemoWorkers = 125

// SeedDemo gives the star-rating screens life: the coal mine's 综采工 trade
// (125 workers of the 市文明办's appraisal, 李立 among them), four closed
// quarterly rounds (2025Q4 to 2026Q3, 李立 first with 192 points in the last),
// the current quarter being scored, and qualifications (120 高级工, 5 技师).
// Past rounds are replayed at their own dates, so their windows are real.
func (s *Service) SeedDemo(ctx context.Context, accounts *account.Service, password string) error {
	var unitID int64
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE code = 'DEPT-WMB'", nil, &unitID)
	}); err != nil {
		return err
	}
	var appraiser int64
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.user", "SELECT id FROM users WHERE username = 'appraiser'", nil, &appraiser)
	}); err != nil {
		return err
	}
	// The rated workers log in with a role of their own (no appraisal
	// permission: they see only their own ratings, at /my/ratings).
	sys := &auth.Principal{Username: "system", Perms: map[auth.Perm]bool{auth.PermRoleManage: true}, Scope: auth.Scope{All: true}}
	if _, err := accounts.CreateRole(ctx, sys, account.RoleInput{Code: DemoStaffRole, Name: "职工（被考评人）", NameEN: "Staff (rated)",
		Perms: []auth.Perm{auth.PermOrgView}, ScopeKind: auth.ScopeUnitOnly}); err != nil {
		return fmt.Errorf("rating demo: role: %w", err)
	}
	users := map[string]int64{}
	for _, u := range []struct{ name, display, phone, role string }{
		{DemoLeader, "张军（综采一队队长）", "13800002001", account.RoleAppraiser},
		{DemoPeer1, "王刚（综采工）", "13800002002", account.RoleAppraiser},
		{DemoPeer2, "陈海（综采工）", "13800002003", account.RoleAppraiser},
		{DemoWorker, "李立", "13800002004", DemoStaffRole},
	} {
		in := account.UserInput{Username: u.name, DisplayName: u.display, Phone: u.phone, UnitID: unitID, ScopeKind: auth.ScopeUnit,
			Active: true, Password: password, Roles: []string{u.role}}
		id, err := accounts.CreateUser(ctx, nil, in)
		if err != nil {
			return fmt.Errorf("rating demo: user %s: %w", u.name, err)
		}
		users[u.name] = id
	}
	now := s.Clock.Now()
	at := func(day string) *Service {
		t, _ := time.ParseInLocation(time.DateOnly, day, clock.CST)
		return &Service{DB: s.DB, Clock: clock.NewFake(t.Add(10 * time.Hour))}
	}
	tpl, err := at("2025-09-20").SaveTemplate(ctx, nil, DemoTemplate(unitID))
	if err != nil {
		return err
	}
	for i := range DemoWorkers {
		in := SubjectInput{UnitID: unitID, Kind: KindStaff, Code: fmt.Sprintf("ZC%03d", i+1), JobType: "综采工",
			Post: fmt.Sprintf("沙湾煤矿综采%d队", i%3+1)}
		if i == 0 {
			in.Name, in.UserID, in.Post = "李立", users[DemoWorker], "沙湾煤矿综采1队"
		} else {
			in.Name = string(demoSurnames[i%len(demoSurnames)]) + demoGiven[(i*7)%len(demoGiven)]
		}
		if _, err := s.CreateSubject(ctx, nil, in); err != nil {
			return err
		}
	}
	scorers := []Scorer{{UserID: users[DemoLeader], Kind: "leader"}, {UserID: users[DemoPeer1], Kind: "peer"},
		{UserID: users[DemoPeer2], Kind: "peer"}, {UserID: appraiser, Kind: "office"}}
	quarters := []struct {
		period, open, publish, close string
		liLi                         [5]int64 // safety, quality, discipline, exam, attendance
	}{
		{"2025Q4", "2025-12-20", "2026-01-06", "2026-01-13", [5]int64{52, 44, 27, 34, 18}},
		{"2026Q1", "2026-03-20", "2026-04-07", "2026-04-14", [5]int64{56, 46, 28, 36, 19}},
		{"2026Q2", "2026-06-20", "2026-07-06", "2026-07-13", [5]int64{57, 47, 28, 37, 19}},
		{"2026Q3", "2026-09-20", "2026-10-09", "2026-10-16", [5]int64{58, 48, 29, 38, 19}}, // 192
	}
	for qi, q := range quarters {
		svc := at(q.open)
		id, err := svc.CreateRound(ctx, nil, RoundInput{TemplateID: tpl.ID, Period: q.period, SelfFrom: q.open, SelfTo: addDays(q.open, 10), AppealDays: 5, Scorers: scorers})
		if err != nil {
			return err
		}
		if err := svc.demoMarks(ctx, id, qi, q.liLi, "leader", "peer", "office"); err != nil {
			return err
		}
		if err := at(q.publish).Publish(ctx, nil, id, ""); err != nil {
			return err
		}
		if err := at(q.close).Close(ctx, nil, id); err != nil {
			return err
		}
	}
	// The current quarter: self-assessment open, the leader and the peers have
	// scored, the office (the appraiser) not yet, nor the tests.
	cur := &Service{DB: s.DB, Clock: clock.NewFake(now.Add(-48 * time.Hour))}
	day := now.In(clock.CST).AddDate(0, 0, -2).Format(time.DateOnly)
	period := fmt.Sprintf("%04dQ%d", now.In(clock.CST).Year(), (int(now.In(clock.CST).Month())-1)/3+1)
	if period != "2026Q3" && period != "2025Q4" && period != "2026Q1" && period != "2026Q2" {
		id, err := cur.CreateRound(ctx, nil, RoundInput{TemplateID: tpl.ID, Period: period, SelfFrom: day, SelfTo: addDays(day, 14), AppealDays: 5, Scorers: scorers})
		if err != nil {
			return err
		}
		if err := cur.demoMarks(ctx, id, 4, [5]int64{57, 47, 29, 0, 0}, "leader", "peer"); err != nil {
			return err
		}
	}
	// Qualifications: 5 技师 (李立 first), 120 高级工.
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO rating_qualifications (subject_id, grade, gained_on, certificate, created_at)
			SELECT id, CASE WHEN code <= 'ZC005' THEN 'technician' ELSE 'senior' END,
			CASE WHEN code <= 'ZC005' THEN '2026-06-30' ELSE '2026-03-31' END, 'SC-' || code, ? FROM rating_subjects WHERE unit_id = ? AND job_type = '综采工'`,
			now.UnixMilli(), unitID)
		return err
	})
}

func addDays(day string, n int) string {
	t, _ := time.ParseInLocation(time.DateOnly, day, clock.CST)
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// demoMarks scores a round: 李立 gets li (every scorer the same, so his
// criteria are exactly those points), the others deterministic marks below
// him; only the scorers of the given kinds mark.
func (s *Service) demoMarks(ctx context.Context, roundID int64, round int, li [5]int64, kinds ...string) error {
	var (
		entries []Entry
		scs     []Scorer
		r       Round
	)
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if r, err = getRound(ctx, tx, nil, roundID); err != nil {
			return err
		}
		if entries, err = listEntries(ctx, tx, roundID); err != nil {
			return err
		}
		scs, err = scorers(ctx, tx, r)
		return err
	}); err != nil {
		return err
	}
	crit := []string{"safety", "quality", "discipline", "exam", "attendance"}
	maxes := []int64{60, 50, 30, 40, 20}
	mark := func(e Entry, c, scorer int) scoring.Cents {
		if e.Code == "ZC001" {
			return scoring.Points(li[c])
		}
		// 60 %–93 % of the points, varying by worker, round and scorer.
		h := (int64(e.SubjectID)*37 + int64(round)*11 + int64(c)*13 + int64(scorer)*5) % 34
		return scoring.Cents(maxes[c] * (60 + h))
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, e := range entries {
			for si, sc := range scs {
				if !slices.Contains(kinds, sc.Kind) {
					continue
				}
				for c := range 3 {
					if _, err := tx.Exec(ctx, "INSERT INTO rating_marks (entry_id, criterion, scorer_id, kind, value, note, at) VALUES (?, ?, ?, ?, ?, '', ?)",
						e.ID, crit[c], sc.UserID, sc.Kind, int64(mark(e, c, si)), now.UnixMilli()); err != nil {
						return err
					}
				}
			}
			if li[3] == 0 {
				continue
			}
			for c := 3; c < 5; c++ {
				if err := setObjective(ctx, tx, e.ID, crit[c], mark(e, c, 0), "", now); err != nil {
					return err
				}
			}
		}
		return recompute(ctx, tx, r)
	})
}
