package volunteer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/pii"
)

// DemoVolunteers is how many volunteers the demo city gets, DemoTeams how many teams.
const (
	DemoVolunteers = 360
	DemoTeams      = 35
)

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑谢宋唐冯邓")
	demoGiven    = []string{"秀英", "建华", "志强", "丽娟", "海燕", "国平", "文静", "小龙", "春梅", "德明", "晓燕", "子涵",
		"俊杰", "雨桐", "明轩", "佳怡", "红霞", "永刚", "玉兰", "浩然", "思远", "桂芳", "建国", "欣怡"}
)

// SeedDemo registers the demo city's volunteers in its communities: most
// approved with numbers, some waiting for review, a few refused, about a
// third Party members, a few minors with their guardian's consent. Without
// personal-data keys their ID numbers are not stored (only the mask).
// It does nothing when volunteers exist already. The first approved
// volunteer gets the demo login "volunteer" with the password given.
func (s *Service) SeedDemo(ctx context.Context, password string) (int, error) {
	now := s.Clock.Now()
	n := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if c, err := tx.Count(ctx, "SELECT COUNT(*) FROM volunteers"); err != nil || c > 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.code FROM regions c WHERE c.level = 'community' ORDER BY c.code`)
		if err != nil {
			return err
		}
		var areas []int64
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				rows.Close()
				return err
			}
			areas = append(areas, id)
		}
		rows.Close()
		if len(areas) == 0 {
			return rows.Err()
		}
		for i := range DemoVolunteers {
			age := 19 + (i*7)%52
			if i%45 == 7 {
				age = 15 // a minor, with the guardian's consent
			}
			birth := now.In(clock.CST).AddDate(-age, -(i % 11), -(i % 27))
			male := i%2 == 0
			seq := 100 + 2*(i%400)
			if male {
				seq++
			}
			first := fmt.Sprintf("511102%s%03d", birth.Format("20060102"), seq%1000)
			id := first + string(pii.CheckChar(first))
			in := Input{
				Name:         string(demoSurnames[i%len(demoSurnames)]) + demoGiven[(i/len(demoSurnames)+i)%len(demoGiven)],
				Gender:       string(Female),
				BirthDate:    birth.Format(time.DateOnly),
				IDType:       string(IDResident),
				IDNumber:     id,
				Phone:        fmt.Sprintf("137%08d", 10000000+i*37),
				RegionID:     areas[(i*5)%len(areas)],
				Skills:       []string{Skills[i%len(Skills)], Skills[(i*3+5)%len(Skills)]},
				Availability: []string{Slots[i%len(Slots)]},
				PartyMember:  i%3 == 0,
			}
			if male {
				in.Gender = string(Male)
			}
			if age < AdultAge {
				in.GuardianName, in.GuardianPhone, in.GuardianConsent = in.Name[:3]+"父", fmt.Sprintf("136%08d", 20000000+i), true
			}
			in.normalise()
			status, number := StatusApproved, ""
			switch {
			case i%17 == 3:
				status = StatusPending
			case i%41 == 5:
				status = StatusRejected
			}
			if status == StatusApproved {
				if number, err = nextNumber(ctx, tx, now); err != nil {
					return err
				}
			}
			created := now.Add(-time.Duration(DemoVolunteers-i) * 7 * time.Hour)
			var stored string
			var index any
			if s.PII != nil {
				var ix string
				if stored, ix, err = s.PII.EncryptID(in.IDNumber); err != nil {
					return err
				}
				index = ix
			}
			var num, revAt any
			if number != "" {
				num, revAt = number, created.Add(20*time.Hour).UnixMilli()
			}
			reason := ""
			if status == StatusRejected {
				reason = "信息不完整，请补充后重新提交"
			}
			src := sourceSelf
			if i%4 == 1 {
				src = sourceImport
			}
			if _, err := tx.Exec(ctx, `INSERT INTO volunteers (number, status, name, gender, birth_date, id_type, id_number_enc, id_number_index,
				id_number_mask, phone, region_id, skills, availability, party_member, guardian_name, guardian_phone, guardian_consent,
				source, reject_reason, reviewed_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				num, string(status), in.Name, in.Gender, in.BirthDate, in.IDType, stored, index, pii.MaskID(in.IDNumber), in.Phone,
				in.RegionID, strings.Join(in.Skills, " "), strings.Join(in.Availability, " "), in.PartyMember, in.GuardianName,
				in.GuardianPhone, in.GuardianConsent, src, reason, revAt, created.UnixMilli(), created.UnixMilli()); err != nil {
				return fmt.Errorf("demo volunteer %d: %w", i, err)
			}
			n++
		}
		return seedPractice(ctx, tx, now)
	})
	if err != nil || n == 0 || password == "" {
		return n, err
	}
	var id, unit int64
	var name, phone string
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "entity.volunteer", `SELECT v.id, v.name, v.phone, COALESCE((SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id
			WHERE rv.path LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, u.id LIMIT 1), 0)
			FROM volunteers v JOIN regions rv ON rv.id = v.region_id WHERE v.status = 'approved' ORDER BY v.id LIMIT 1`, nil, &id, &name, &phone, &unit)
	}); err != nil {
		return n, err
	}
	uid, err := s.Accounts.CreateUser(ctx, nil, account.UserInput{Username: "volunteer", DisplayName: name, Phone: phone, UnitID: unit,
		ScopeKind: auth.ScopeSelf, Roles: []string{account.RoleVolunteer}, Active: true, Password: password})
	if err != nil {
		return n, fmt.Errorf("demo volunteer login: %w", err)
	}
	return n, s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE volunteers SET user_id = ? WHERE id = ?", uid, id)
		return err
	})
}

// demoTeamKinds name the demo's teams after the kinds the seed's Xiuning runs.
var demoTeamKinds = []string{"红马甲志愿服务队", "巾帼志愿服务队", "党员先锋志愿服务队", "青年志愿服务队", "文明交通志愿服务队",
	"关爱老人志愿服务队", "环境卫生志愿服务队"}

// demoTeamKindsEN are demoTeamKinds in English.
var demoTeamKindsEN = []string{"Red Vest Volunteers", "Women's Volunteers", "Party Members' Vanguard Volunteers", "Youth Volunteers",
	"Civilised Traffic Volunteers", "Elderly Care Volunteers", "Clean Streets Volunteers"}

// seedPractice builds the demo's practice tree (a centre per district, an
// institute per street, a station per community, each with a place) and
// 35 teams at the institutes with the approved volunteers as members.
func seedPractice(ctx context.Context, tx *db.Tx, now time.Time) error {
	type reg struct {
		id, parent          int64
		level, name, nameEN string
		lat, lng            sql.NullFloat64
	}
	rows, err := tx.Query(ctx, "SELECT id, COALESCE(parent_id, 0), level, name, name_en, lat, lng FROM regions WHERE level IN ('district','street','community') ORDER BY path")
	if err != nil {
		return err
	}
	var regs []reg
	for rows.Next() {
		var r reg
		if err := rows.Scan(&r.id, &r.parent, &r.level, &r.name, &r.nameEN, &r.lat, &r.lng); err != nil {
			rows.Close()
			return err
		}
		regs = append(regs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ms := now.UnixMilli()
	station := map[int64]int64{} // region → station
	var institutes []reg
	suffix := map[string]string{"district": "新时代文明实践中心", "street": "新时代文明实践所", "community": "新时代文明实践站"}
	placeName := map[string]string{"district": "实践中心大礼堂", "street": "实践所活动室", "community": "实践站服务大厅"}
	for i, r := range regs {
		var parent any
		if r.level != "district" {
			pid, ok := station[r.parent]
			if !ok {
				continue
			}
			parent = pid
		}
		id, err := tx.InsertID(ctx, `INSERT INTO stations (parent_id, level, name, region_id, address, contact_name, contact_phone, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, parent, string(LevelOfRegion(r.level)), r.name+suffix[r.level], r.id,
			r.name+"文化广场旁", "", fmt.Sprintf("0833-2%06d", 100000+i), ms, ms)
		if err != nil {
			return err
		}
		station[r.id] = id
		var lat, lng any
		if r.lat.Valid && r.lng.Valid {
			lat, lng = r.lat.Float64, r.lng.Float64
		}
		if _, err := tx.Exec(ctx, "INSERT INTO places (station_id, name, address, lat, lng, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			id, placeName[r.level], r.name+"文化广场旁", lat, lng, ms); err != nil {
			return err
		}
		if r.level == "street" {
			institutes = append(institutes, r)
		}
	}
	if len(institutes) == 0 {
		return nil
	}
	vols, err := tx.Query(ctx, "SELECT id FROM volunteers WHERE status = 'approved' ORDER BY id")
	if err != nil {
		return err
	}
	var vids []int64
	for vols.Next() {
		var id int64
		if err := vols.Scan(&id); err != nil {
			vols.Close()
			return err
		}
		vids = append(vids, id)
	}
	vols.Close()
	for t := range DemoTeams {
		inst := institutes[t%len(institutes)]
		name := inst.name + demoTeamKinds[t%len(demoTeamKinds)]
		if t >= len(institutes)*len(demoTeamKinds) {
			name = fmt.Sprintf("%s%d", name, t)
		}
		nameEN := ""
		if inst.nameEN != "" {
			nameEN = inst.nameEN + " " + demoTeamKindsEN[t%len(demoTeamKindsEN)]
			if t >= len(institutes)*len(demoTeamKinds) {
				nameEN = fmt.Sprintf("%s %d", nameEN, t)
			}
		}
		tid, err := tx.InsertID(ctx, "INSERT INTO teams (name, name_en, region_id, station_id, intro, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			name, nameEN, inst.id, station[inst.id], "扎根"+inst.name+"，常态化开展志愿服务。", ms, ms)
		if err != nil {
			return err
		}
		var members []int64
		for k := range 24 {
			if len(vids) == 0 {
				break
			}
			vid := vids[(t*9+k*13)%len(vids)]
			if _, err := tx.Exec(ctx, "INSERT INTO team_members (team_id, volunteer_id, leader, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				tid, vid, k == 0, ms); err != nil {
				return err
			}
			members = append(members, vid)
		}
		if err := seedActivities(ctx, tx, now, t, tid, inst.id, station[inst.id], name, members); err != nil {
			return err
		}
	}
	if err := seedPairingWork(ctx, tx, now); err != nil {
		return err
	}
	if err := seedParty(ctx, tx, now); err != nil {
		return err
	}
	if err := seedOrders(ctx, tx, now); err != nil {
		return err
	}
	if err := seedRecordEntries(ctx, tx, now); err != nil {
		return err
	}
	return rebuildYears(ctx, tx)
}

// seedRecordEntries gives some demo volunteers training, honours and
// evaluations on their record.
func seedRecordEntries(ctx context.Context, tx *db.Tx, now time.Time) error {
	rows, err := tx.Query(ctx, "SELECT id FROM volunteers WHERE status = 'approved' ORDER BY id")
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	type entry struct{ kind, title, issuer, note string }
	for i, id := range ids {
		var es []entry
		if i%3 == 0 {
			es = append(es, entry{"training", []string{"志愿服务通用培训", "应急救护培训", "文明劝导技能培训"}[(i/3)%3], "志愿服务联合会", "参加培训 4 学时"})
		}
		if i%13 == 0 {
			es = append(es, entry{"honour", "优秀志愿者", "新时代文明实践中心", ""})
		}
		if i%7 == 0 {
			es = append(es, entry{"evaluation", "年度服务评价：优秀", "所在志愿服务队", "服务积极，群众满意"})
		}
		for k, e := range es {
			day := now.In(clock.CST).AddDate(0, -(1 + (i+k)%9), -(i % 20)).Format(time.DateOnly)
			if _, err := tx.Exec(ctx, `INSERT INTO volunteer_record_entries (volunteer_id, kind, day, title, issuer, note, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, e.kind, day, e.title, e.issuer, e.note, now.UnixMilli()); err != nil {
				return err
			}
		}
	}
	return nil
}

// DemoPartyMembers is how many working Party members the demo registers
// with their communities (the seed's Xiuning: 2,300).
const DemoPartyMembers = 2300

// seedParty registers the demo's working Party members across the
// communities, employed by the departments and companies (the city
// management bureau among them), with buildings, roles and posts, a few
// services each on their forms over the last two quarters, and last
// quarter's reports from the first communities to the employers, some
// signed for.
func seedParty(ctx context.Context, tx *db.Tx, now time.Time) error {
	ids := func(q string) ([]int64, error) {
		rows, err := tx.Query(ctx, q)
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
	communities, err := ids("SELECT id FROM regions WHERE level = 'community' ORDER BY path")
	if err != nil {
		return err
	}
	units, err := ids("SELECT id FROM units WHERE active AND kind IN ('department', 'company') ORDER BY CASE WHEN code = 'DEPT-CG' THEN 0 ELSE 1 END, code")
	if err != nil || len(communities) == 0 || len(units) == 0 {
		return err
	}
	today := now.In(clock.CST)
	cur := (int(today.Month()) + 2) / 3
	lastYear, lastQ := today.Year(), cur-1
	if lastQ == 0 {
		lastYear, lastQ = lastYear-1, 4
	}
	lastFrom, _ := QuarterDays(lastYear, lastQ)
	start, _ := time.ParseInLocation(time.DateOnly, lastFrom, clock.CST)
	span := int(today.Sub(start).Hours() / 24)
	contents := []string{"楼栋政策宣讲", "小区环境整治", "走访独居老人", "夜间平安巡逻", "文明劝导", "调解邻里纠纷", "辅导学生作业"}
	ms := now.UnixMilli()
	for i := range DemoPartyMembers {
		card, err := nextCard(ctx, tx, now)
		if err != nil {
			return err
		}
		var roles []string
		switch {
		case i%9 == 0:
			roles = []string{"building_leader"}
		case i%23 == 5:
			roles = []string{"owners_committee"}
		case i%31 == 7:
			roles = []string{"grid_helper"}
		}
		posts := []string{PartyPosts[i%len(PartyPosts)]}
		if i%3 == 0 {
			posts = append(posts, PartyPosts[(i+3)%len(PartyPosts)])
		}
		region := communities[i%len(communities)]
		unit := units[(i/len(communities)+i)%len(units)]
		if i%10 == 0 {
			unit = units[0] // the city management bureau has many in the communities
		}
		name := string(demoSurnames[(i*7)%len(demoSurnames)]) + demoGiven[(i*5+i/len(demoSurnames))%len(demoGiven)]
		registered := now.AddDate(0, 0, -(30 + i%300)).UnixMilli()
		mid, err := tx.InsertID(ctx, `INSERT INTO party_members (card_no, name, phone, unit_id, region_id, grid, building, roles, posts,
			registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			card, name, fmt.Sprintf("158%08d", 10000000+i*41), unit, region, fmt.Sprintf("第%d网格", 1+i%6), fmt.Sprintf("%d栋", 1+i%18),
			strings.Join(roles, " "), strings.Join(posts, " "), registered, registered)
		if err != nil {
			return fmt.Errorf("demo party member %d: %w", i, err)
		}
		for k := range 1 + i%3 {
			day := start.AddDate(0, 0, (i*13+k*37)%max(span, 1)).Format(time.DateOnly)
			if _, err := tx.Exec(ctx, "INSERT INTO party_services (member_id, day, content, minutes, created_at) VALUES (?, ?, ?, ?, ?)",
				mid, day, contents[(i+k)%len(contents)], 60+30*((i+k)%4), ms); err != nil {
				return err
			}
		}
	}
	// Three members' own registrations from their phones, waiting for the
	// community (/party-applications).
	for i, n := range []string{"高建华", "林晓梅", "郭振宇"} {
		if _, err := tx.Exec(ctx, `INSERT INTO party_applications (name, phone, unit_id, region_id, grid, building, roles, posts, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, '', ?, 'pending', ?)`, n, fmt.Sprintf("1570000%04d", 1+i), units[(i+1)%len(units)], communities[i%len(communities)],
			fmt.Sprintf("第%d网格", 1+i), fmt.Sprintf("%d栋", 3+i), PartyPosts[i%len(PartyPosts)], now.Add(-time.Duration(2+i*5)*time.Hour).UnixMilli()); err != nil {
			return err
		}
	}
	// Last quarter's reports from the first communities, the older half signed.
	from, to := QuarterDays(lastYear, lastQ)
	rows, err := tx.Query(ctx, `SELECT pm.region_id, pm.unit_id, COUNT(*), COUNT(ps.id), COALESCE(SUM(ps.minutes), 0), r.name FROM party_members pm
		JOIN regions r ON r.id = pm.region_id LEFT JOIN party_services ps ON ps.member_id = pm.id AND ps.day >= ? AND ps.day <= ?
		WHERE pm.region_id IN (SELECT id FROM regions WHERE level = 'community' ORDER BY path LIMIT 6)
		GROUP BY pm.region_id, pm.unit_id, r.name ORDER BY pm.region_id, pm.unit_id`, from, to)
	if err != nil {
		return err
	}
	type rep struct {
		region, unit            int64
		members, services, mins int64
		community               string
	}
	var reps []rep
	for rows.Next() {
		var x rep
		if err := rows.Scan(&x.region, &x.unit, &x.members, &x.services, &x.mins, &x.community); err != nil {
			rows.Close()
			return err
		}
		reps = append(reps, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for k, x := range reps {
		var signedAt any
		signedName := ""
		if k%2 == 1 && x.unit != units[0] {
			signedAt, signedName = ms-int64(k)*3600_000, "单位党委办公室"
		}
		rid, err := tx.InsertID(ctx, `INSERT INTO party_reports (region_id, unit_id, year, quarter, members, services, minutes, created_at, signed_name, signed_at)
			VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?) RETURNING id`, x.region, x.unit, lastYear, lastQ, x.members, ms-int64(len(reps)-k)*7200_000, signedName, signedAt)
		if err != nil {
			return err
		}
		// The lines and totals from the members' forms, as SendPartyReports makes them.
		if _, err := tx.Exec(ctx, `INSERT INTO party_report_lines (report_id, member_id, services, minutes)
			SELECT ?, pm.id, COUNT(ps.id), COALESCE(SUM(ps.minutes), 0) FROM party_members pm
			LEFT JOIN party_services ps ON ps.member_id = pm.id AND ps.day >= ? AND ps.day <= ?
			WHERE pm.region_id = ? AND pm.unit_id = ? GROUP BY pm.id`, rid, from, to, x.region, x.unit); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE party_reports SET services = (SELECT COALESCE(SUM(services), 0) FROM party_report_lines WHERE report_id = ?),
			minutes = (SELECT COALESCE(SUM(minutes), 0) FROM party_report_lines WHERE report_id = ?) WHERE id = ?`, rid, rid, rid); err != nil {
			return err
		}
		if signedAt == nil {
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: NoticePartyKind, Ref: rid, Label: fmt.Sprintf("%s %dQ%d", x.community, lastYear, lastQ),
				Event: "report", ToUnit: x.unit, Key: "volunteer.party.notice.report", Args: []any{x.community, lastYear, lastQ, x.members}, At: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoPairingTitles are what the demo's paired units do in their communities.
var demoPairingTitles = []string{"结对共建·楼道清理", "结对共建·政策宣讲进社区", "结对共建·关爱独居老人", "结对共建·文明劝导"}

// seedPairingWork has the first demo pairings (by community) hold an
// activity a month in their community for the last three months and the
// next, with the street's first team's members serving and problems solved
// counted on the past ones.
func seedPairingWork(ctx context.Context, tx *db.Tx, now time.Time) error {
	rows, err := tx.Query(ctx, `SELECT pr.id, u.name, cr.id, st.id, (SELECT MIN(t.id) FROM teams t WHERE t.region_id = cr.parent_id)
		FROM pairings pr JOIN units u ON u.id = pr.unit_id JOIN regions cr ON cr.id = pr.region_id JOIN stations st ON st.region_id = cr.id
		WHERE EXISTS (SELECT 1 FROM teams t WHERE t.region_id = cr.parent_id) ORDER BY cr.path, u.code LIMIT 30`)
	if err != nil {
		return err
	}
	type pw struct {
		id, region, station, team int64
		unit                      string
	}
	var ps []pw
	for rows.Next() {
		var x pw
		if err := rows.Scan(&x.id, &x.unit, &x.region, &x.station, &x.team); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := now.In(clock.CST)
	for i, x := range ps {
		var placeID int64
		var addr string
		if err := tx.Get(ctx, "entity.place", "SELECT id, address FROM places WHERE station_id = ? ORDER BY id LIMIT 1", []any{x.station}, &placeID, &addr); err != nil {
			return err
		}
		mrows, err := tx.Query(ctx, "SELECT volunteer_id FROM team_members WHERE team_id = ? ORDER BY volunteer_id", x.team)
		if err != nil {
			return err
		}
		var members []int64
		for mrows.Next() {
			var v int64
			if err := mrows.Scan(&v); err != nil {
				mrows.Close()
				return err
			}
			members = append(members, v)
		}
		mrows.Close()
		for m := -3; m <= 1; m++ {
			day := time.Date(today.Year(), today.Month()+time.Month(m), 8+i%18, 0, 0, 0, 0, clock.CST)
			if m == 1 && day.After(today.AddDate(0, 1, 0)) {
				continue
			}
			start := day.Add(14 * time.Hour)
			end := start.Add(2 * time.Hour)
			title := demoPairingTitles[(i+m+3)%len(demoPairingTitles)]
			past := end.Add(CheckoutGrace).Before(now)
			problems := 0
			if past {
				problems = (i + m + 3) % 4
			}
			n := min(len(members), 6+(i+m+3)%5)
			aid, err := tx.InsertID(ctx, `INSERT INTO activities (team_id, region_id, place_id, title, content, address, day, starts_at, ends_at,
				capacity, taken, min_age, mode, signup_deadline, cancel_cutoff, status, created_at, updated_at, pairing_id, problems)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'instant', ?, ?, 'open', ?, ?, ?, ?) RETURNING id`,
				x.team, x.region, placeID, title, x.unit+"干部职工到结对社区服务。", addr, day.Format(time.DateOnly), start.UnixMilli(), end.UnixMilli(),
				12, n, start.UnixMilli(), start.Add(-2*time.Hour).UnixMilli(), start.AddDate(0, 0, -10).UnixMilli(), start.AddDate(0, 0, -10).UnixMilli(),
				x.id, problems)
			if err != nil {
				return err
			}
			for k, vid := range members[:n] {
				at := start.AddDate(0, 0, -5).Add(time.Duration(k) * time.Minute).UnixMilli()
				if _, err := tx.Exec(ctx, "INSERT INTO signups (activity_id, volunteer_id, state, seq, created_at, updated_at) VALUES (?, ?, 'confirmed', 0, ?, ?)",
					aid, vid, at, at); err != nil {
					return err
				}
				if !past {
					continue
				}
				in, out := start.Add(-10*time.Minute), end.Add(5*time.Minute)
				if _, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes,
					confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'organiser', 'confirmed', ?, ?, ?, ?)`,
					aid, vid, day.Format(time.DateOnly), in.UnixMilli(), out.UnixMilli(), ServiceMinutes(start, end, in, out),
					end.Add(2*time.Hour).UnixMilli(), in.UnixMilli(), in.UnixMilli()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoOrders are residents' requests of the demo, by kind.
var demoOrders = []struct{ kind, detail, note string }{
	{"haircut", "家中老人八十多岁，腿脚不便，想请志愿者上门理发。", "上门为老人理发，顺带修剪指甲。"},
	{"repair", "电视机没有图像只有声音，家里没人会修。", "更换电视电源板，已恢复正常。"},
	{"tutoring", "孩子上初二，数学跟不上，希望周末有人辅导。", "周六辅导数学两小时，约好下周继续。"},
	{"elderly", "独居老人，想有人定期陪着聊聊天、读读报。", "陪老人聊天读报，帮忙打扫了厨房。"},
	{"health", "想给小区老人量量血压、讲讲用药。", "为 23 位老人测量血压血糖，讲解安全用药。"},
	{"legal", "邻里之间漏水纠纷，想咨询怎么处理。", "讲解相邻关系的法律规定，帮助双方协商。"},
	{"cleaning", "楼道堆放杂物多年，希望志愿者帮忙清理。", "清理楼道杂物三车，张贴文明提示。"},
	{"repair", "洗衣机不排水。", "疏通排水管，洗衣机可以正常使用。"},
}

// demoOrderStates cycle through the process so every state has rows.
var demoOrderStates = []OrderState{OrderRated, OrderRated, OrderServed, OrderAccepted, OrderAssigned, OrderOrdered, OrderRated, OrderRefused, OrderRated, OrderAssigned}

// seedOrders gives the demo's community stations residents' orders over
// the last two months, in every state, served by the teams of their street.
func seedOrders(ctx context.Context, tx *db.Tx, now time.Time) error {
	rows, err := tx.Query(ctx, `SELECT st.id, (SELECT MIN(t.id) FROM teams t WHERE t.region_id = r.parent_id) FROM stations st
		JOIN regions r ON r.id = st.region_id WHERE st.level = 'station' AND EXISTS (SELECT 1 FROM teams t WHERE t.region_id = r.parent_id)
		ORDER BY r.path`)
	if err != nil {
		return err
	}
	type pair struct{ station, team int64 }
	var pairs []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.station, &p.team); err != nil {
			rows.Close()
			return err
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(pairs) == 0 {
		return err
	}
	for i := range 60 {
		p := pairs[(i*7)%len(pairs)]
		o := demoOrders[i%len(demoOrders)]
		state := demoOrderStates[i%len(demoOrderStates)]
		if i >= 58 { // the demo volunteer leads the first street's first team: an order to accept, one to finish
			p, state = pairs[0], []OrderState{OrderAccepted, OrderAssigned}[i-58]
		}
		created := now.Add(-time.Duration(60-i) * 23 * time.Hour)
		var team, assigned, accepted, served, rated any
		reason, note, rating, comment, vols, minutes := "", "", 0, "", 0, 0
		step := func(k int) int64 { return created.Add(time.Duration(k) * 5 * time.Hour).UnixMilli() }
		switch state {
		case OrderRefused:
			reason = "不在本站服务范围，已告知居民联系物业。"
		case OrderAssigned:
			team, assigned = p.team, step(1)
		case OrderAccepted:
			team, assigned, accepted = p.team, step(1), step(2)
		case OrderServed, OrderRated:
			team, assigned, accepted, served = p.team, step(1), step(2), step(6)
			note, vols, minutes = o.note, 1+i%3, 60+30*(i%4)
			if state == OrderRated {
				rated, rating = step(10), 5-(i%7)/5
				comment = []string{"志愿者很热心，谢谢！", "准时上门，服务周到。", "", "非常满意。"}[i%4]
			}
		}
		code := fmt.Sprintf("DEMO%06d", 1000+i*37)
		phone := fmt.Sprintf("135%08d", 30000000+i*53)
		oid, err := tx.InsertID(ctx, `INSERT INTO service_orders (code, station_id, kind, detail, name, phone, address, wanted_day, state, team_id,
			reason, note, volunteers, minutes, rating, comment, assigned_at, accepted_at, served_at, rated_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			code, p.station, o.kind, o.detail, string(demoSurnames[i%len(demoSurnames)])+[]string{"大爷", "阿姨", "先生", "女士"}[i%4],
			phone, fmt.Sprintf("%d栋%d单元%d号", 1+i%12, 1+i%3, 101+i%6*100), string(state), team,
			reason, note, vols, minutes, rating, comment, assigned, accepted, served, rated, created.UnixMilli(), created.UnixMilli())
		if err != nil {
			return fmt.Errorf("demo order %d: %w", i, err)
		}
		// The text the resident got when ordering (the demo's later steps sent none).
		var stName string
		if err := tx.Get(ctx, "entity.station", "SELECT name FROM stations WHERE id = ?", []any{p.station}, &stName); err != nil {
			return err
		}
		if err := queueText(ctx, tx, oid, phone, "placed", created, "volunteer.order.sms.placed", code, stName); err != nil {
			return err
		}
	}
	return nil
}

// demoTitles are what the demo's teams do on the 5th, 15th and 25th.
var demoTitles = []string{"文明交通劝导", "背街小巷环境整治", "关爱空巢老人", "垃圾分类宣传", "理论政策宣讲", "义务理发", "家电义务维修"}

// seedActivities gives a team its activities on the 5th, 15th and 25th of
// the last three months and the next one (every other date for most teams),
// with its members signed up.
func seedActivities(ctx context.Context, tx *db.Tx, now time.Time, t int, teamID, regionID, stationID int64, team string, members []int64) error {
	var placeID int64
	var addr string
	if err := tx.Get(ctx, "entity.place", "SELECT id, address FROM places WHERE station_id = ? ORDER BY id LIMIT 1", []any{stationID}, &placeID, &addr); err != nil {
		return err
	}
	var teamEN string
	if err := tx.Get(ctx, "entity.team", "SELECT name_en FROM teams WHERE id = ?", []any{teamID}, &teamEN); err != nil {
		return err
	}
	projectEN := ""
	if teamEN != "" {
		projectEN = teamEN + " · Civilisation Practice Days"
	}
	pid, err := tx.InsertID(ctx, "INSERT INTO projects (name, name_en, region_id, team_id, intro, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
		team+"·文明实践日", projectEN, regionID, teamID, "每月5日、15日、25日开展的常态化志愿服务。", now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return err
	}
	today := now.In(clock.CST)
	first := time.Date(today.Year(), today.Month()-3, 1, 0, 0, 0, 0, clock.CST)
	k := 0
	for m := range 5 {
		for _, d := range []int{5, 15, 25} {
			day := first.AddDate(0, m, d-1)
			k++
			if day.After(today.AddDate(0, 1, 0)) || (t%3 != 0 && k%2 == t%2) {
				continue
			}
			start := day.Add(time.Duration(8+t%3) * time.Hour)
			end := start.Add(time.Duration(3+t%2) * time.Hour)
			capacity := 18 + (t+k)%8
			taken := min(capacity, len(members))
			title := demoTitles[(t+k)%len(demoTitles)]
			aid, err := tx.InsertID(ctx, `INSERT INTO activities (project_id, team_id, region_id, place_id, title, content, address, day,
				starts_at, ends_at, capacity, taken, min_age, mode, signup_deadline, cancel_cutoff, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'instant', ?, ?, 'open', ?, ?) RETURNING id`,
				pid, teamID, regionID, placeID, title, title+"，服务群众。", addr, day.Format(time.DateOnly), start.UnixMilli(), end.UnixMilli(),
				capacity, taken, start.UnixMilli(), start.Add(-2*time.Hour).UnixMilli(), start.AddDate(0, 0, -7).UnixMilli(), start.AddDate(0, 0, -7).UnixMilli())
			if err != nil {
				return err
			}
			past := end.Add(CheckoutGrace).Before(now)
			for i, vid := range members[:taken] {
				at := start.AddDate(0, 0, -6).Add(time.Duration(i) * time.Minute).UnixMilli()
				if _, err := tx.Exec(ctx, "INSERT INTO signups (activity_id, volunteer_id, state, seq, created_at, updated_at) VALUES (?, ?, 'confirmed', 0, ?, ?)",
					aid, vid, at, at); err != nil {
					return err
				}
				if !past || i%11 == 10 { // about one in eleven did not come
					continue
				}
				in := start.Add(-time.Duration(5+i%20) * time.Minute)
				out := end.Add(time.Duration(i%15) * time.Minute)
				state, credited := "confirmed", ServiceMinutes(start, end, in, out)
				var outAt, by, byAt any = out.UnixMilli(), nil, end.Add(3 * time.Hour).UnixMilli()
				if i%17 == 16 { // never checked out: flagged, not credited
					state, credited, outAt, byAt = "open", 0, nil, nil
				}
				if _, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes,
					confirmed_by, confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					aid, vid, day.Format(time.DateOnly), in.UnixMilli(), outAt, []string{"code", "venue", "organiser"}[i%3], state, credited,
					by, byAt, in.UnixMilli(), in.UnixMilli()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
