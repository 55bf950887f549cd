package grassroots

import (
	"context"
	"fmt"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/workorder"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/org"
)

// The demo's households: every grid of 张公桥街道 (the demo grid worker's
// street) gets a dozen households with their members, tags and heads,
// made up but deterministic, written through the same rules as a form.

var (
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "罗", "何"}
	demoGiven    = []string{"建华", "志强", "丽娟", "秀英", "海燕", "晓东", "明", "静", "伟", "国庆", "红梅", "勇", "婷", "俊杰", "文斌", "春燕"}
	demoStreets  = []string{"嘉定南路", "白燕路", "铁门坎街", "瑞祥路", "张公桥街", "滨河路"}
	demoTagCycle = []string{"", "monitored", "", "minimum_living", "elderly_alone", "", "lifted", "disabled", "", "extreme_hardship", "key_person", "absent"}
)

// DemoGridPrefix is the code prefix of the grids given demo households.
const DemoGridPrefix = "511102-ZGQ-"

// HouseholdsPerDemoGrid is how many households each of those grids gets.
const HouseholdsPerDemoGrid = 12

// SeedDemo loads the demo: the grid worker's street's households, and
// the rural county's campaign (SeedDemoCounty). The system acts: nil
// principal. fileNeeds files the street visits' needs as work orders; a
// demo without an order history (the tests' hand-counted order book)
// leaves them for the grid worker to file.
func (s *Service) SeedDemo(ctx context.Context, orgs *org.Service, fileNeeds bool) error {
	if err := s.seedStreet(ctx); err != nil {
		return err
	}
	if err := s.seedStreetVisits(ctx, fileNeeds); err != nil {
		return err
	}
	return s.SeedDemoCounty(ctx, orgs)
}

// demoNeeds are the needs found on the street's demo visits, each filed
// as a work order in its household's grid.
var demoNeeds = []struct{ category, text string }{
	{"WATER", "自来水管老化，冬季经常停水，请尽快维修"},
	{"ROAD_DAMAGE", "楼栋门前道路破损积水，老人出行不便"},
	{"STREET_LIGHT", "单元门口路灯不亮，夜间出行不安全"},
}

// seedStreetVisits gives every grid of the street a plan for this quarter
// ("every household once") and visits two thirds of its households, three
// of them with a need that becomes a work order when fileNeeds is set.
func (s *Service) seedStreetVisits(ctx context.Context, fileNeeds bool) error {
	now := s.Clock.Now().In(clock.CST)
	qs := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, clock.CST)
	from, to := qs.Format(time.DateOnly), qs.AddDate(0, 3, -1).Format(time.DateOnly)
	days := int(now.Sub(qs).Hours()/24) + 1
	type need struct {
		visit, region int64
		address       string
		n             int
	}
	var needs []need
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, path FROM regions WHERE level = 'grid' AND code LIKE ? ORDER BY code", DemoGridPrefix+"%")
		if err != nil {
			return err
		}
		type grid struct {
			id   int64
			path string
		}
		var grids []grid
		for rows.Next() {
			var g grid
			if err := rows.Scan(&g.id, &g.path); err != nil {
				rows.Close()
				return err
			}
			grids = append(grids, g)
		}
		rows.Close()
		ms := now.UnixMilli()
		k := 0
		for gi, g := range grids {
			plan, err := tx.InsertID(ctx, `INSERT INTO gr_visit_plans (region_id, region_path, name, rule_tag, rule_every, starts_on, ends_on, created_at)
				VALUES (?, ?, ?, '', 'once', ?, ?, ?) RETURNING id`, g.id, g.path, "本季度入户走访全覆盖", from, to, ms)
			if err != nil {
				return err
			}
			hrows, err := tx.Query(ctx, `SELECT h.id, h.address || ' ' || h.building || ' ' || h.door, (SELECT COUNT(*) FROM gr_people p WHERE p.household_id = h.id)
				FROM gr_households h WHERE h.region_id = ? ORDER BY h.id`, g.id)
			if err != nil {
				return err
			}
			type hh struct {
				id      int64
				address string
				members int
			}
			var hs []hh
			for hrows.Next() {
				var h hh
				if err := hrows.Scan(&h.id, &h.address, &h.members); err != nil {
					hrows.Close()
					return err
				}
				hs = append(hs, h)
			}
			hrows.Close()
			for i, h := range hs {
				if i%3 == 2 {
					continue // not visited yet
				}
				at := qs.AddDate(0, 0, (gi*5+i*3)%days).Add(time.Duration(9+i%7) * time.Hour)
				text := ""
				if gi == 0 && i < len(demoNeeds) {
					text = demoNeeds[i].text
				}
				id, err := tx.InsertID(ctx, `INSERT INTO gr_visits (household_id, region_path, visited_at, visited_on, visitors, checks, findings,
					people_reached, needs, idem_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
					h.id, g.path, at.UnixMilli(), at.Format(time.DateOnly), "杨春梅", "drinking_water housing_safety income_change", "家庭情况稳定",
					h.members, text, fmt.Sprintf("demo-street-%d", h.id), ms)
				if err != nil {
					return err
				}
				if text != "" {
					needs = append(needs, need{id, g.id, h.address, i})
				}
				k++
			}
			if err := generate(ctx, tx, plan, g.path, Rule{Every: "once"}, from, to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || s.Orders == nil || !fileNeeds {
		return err
	}
	for _, n := range needs {
		cat, err := s.Orders.CategoryByCode(ctx, demoNeeds[n.n].category)
		if err != nil {
			return err
		}
		sub, err := s.Orders.Submit(ctx, nil, workorder.SubmitInput{Channel: workorder.ChannelWeb, CategoryID: cat.ID,
			Description: demoNeeds[n.n].text, Address: n.address, RegionID: n.region})
		if err != nil {
			return fmt.Errorf("demo need: %w", err)
		}
		if err := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE gr_visits SET need_category_id = ?, workorder_id = ? WHERE id = ?", cat.ID, sub.ID, n.visit)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) seedStreet(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, code FROM regions WHERE level = 'grid' AND code LIKE ? ORDER BY code", DemoGridPrefix+"%")
		if err != nil {
			return err
		}
		type grid struct {
			id   int64
			code string
		}
		var grids []grid
		for rows.Next() {
			var g grid
			if err := rows.Scan(&g.id, &g.code); err != nil {
				rows.Close()
				return err
			}
			grids = append(grids, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		start := s.Clock.Now().AddDate(-1, 0, 0).Format("2006-01-02")
		n := 0
		for gi, g := range grids {
			ten, err := s.createHead(ctx, tx, nil, HeadInput{RegionID: g.id, Kind: HeadTen, Name: demoName(gi*7 + 3),
				Phone: fmt.Sprintf("139%08d", 10000+gi)})
			if err != nil {
				return err
			}
			bld, err := s.createHead(ctx, tx, nil, HeadInput{RegionID: g.id, Kind: HeadBuilding, Name: demoName(gi*7 + 5),
				Phone: fmt.Sprintf("139%08d", 20000+gi)})
			if err != nil {
				return err
			}
			for i := range HouseholdsPerDemoGrid {
				n++
				head := demoName(n)
				in := HouseholdInput{RegionID: g.id, Address: fmt.Sprintf("%s%d号", demoStreets[gi%len(demoStreets)], 10+gi*3+i/4),
					Building: fmt.Sprintf("%d栋", 1+i/6), Door: fmt.Sprintf("%d-%d0%d", 1+i%2, 1+i%6, 1+i%3), HeadName: head,
					Phone: fmt.Sprintf("138%08d", 30000+n), TenHeadID: ten}
				if i < 6 {
					in.BuildingHeadID = bld
				}
				hid, err := s.createHousehold(ctx, tx, nil, in)
				if err != nil {
					return fmt.Errorf("demo household %d: %w", n, err)
				}
				members := []PersonInput{{Name: head, Relation: "head", Gender: []string{"male", "female"}[n%2]}}
				if n%5 != 0 {
					members = append(members, PersonInput{Name: demoSurnames[n%len(demoSurnames)] + demoGiven[(n+5)%len(demoGiven)], Relation: "spouse",
						Gender: []string{"female", "male"}[n%2]})
				}
				for c := range n % 3 {
					members = append(members, PersonInput{Name: demoSurnames[n%len(demoSurnames)] + demoGiven[(n+c+9)%len(demoGiven)], Relation: "child"})
				}
				for _, m := range members {
					if _, err := s.addPerson(ctx, tx, nil, hid, m); err != nil {
						return fmt.Errorf("demo member of household %d: %w", n, err)
					}
				}
				if tag := demoTagCycle[n%len(demoTagCycle)]; tag != "" {
					if _, err := s.addTag(ctx, tx, nil, hid, TagInput{Tag: tag, StartedOn: start}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

func demoName(i int) string {
	return demoSurnames[i%len(demoSurnames)] + demoGiven[(i/len(demoSurnames)+i)%len(demoGiven)]
}
