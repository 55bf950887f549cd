package inspection

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/wenming-city/wenming/internal/db"
)

// The demo city's site types, checklists and sites. SeedDemo writes them
// straight in one transaction (the demo loader runs as the system), after
// the organisation exists; it does nothing when an index already exists.

type demoItem struct {
	indicator, title, rule string
	points, deduct, cap    Points // whole points
	severity               Severity
	na                     bool
}

var demoItems = map[string]demoItem{
	"clean":      {"B050101", "环境卫生", "路面、人行道无暴露垃圾、无卫生死角、无积存污水，每发现一处扣1分", 10, 1, 10, SeverityNormal, false},
	"adverts":    {"B040101", "公益广告", "公益广告规范设置，每300米不少于5处，每少一处扣2分", 10, 2, 10, SeverityMinor, false},
	"adverts2":   {"B040102", "场所公益广告", "显著位置设置“讲文明树新风”公益广告不少于3处，破损、褪色、缺失每处扣1分", 6, 1, 6, SeverityMinor, false},
	"lights":     {"B050103", "路灯照明", "装灯率100%、亮灯率95%，每发现一盏不亮扣1分（白天检查可不适用）", 5, 1, 5, SeverityNormal, true},
	"stalls":     {"B050102", "占道经营", "无占道经营、店外经营、流动摊贩，每发现一处扣2分", 10, 2, 10, SeverityNormal, false},
	"posters":    {"B050102", "乱贴乱画", "无乱贴乱画、乱拉乱挂、“牛皮癣”小广告，每发现一处扣1分", 6, 1, 6, SeverityMinor, false},
	"parking":    {"B050201", "车辆停放", "机动车、非机动车按标线有序停放，每发现一处乱停放扣1分", 8, 1, 8, SeverityMinor, false},
	"signals":    {"B050202", "通行秩序", "行人、非机动车遵守交通信号，每发现一起闯红灯扣2分", 8, 2, 8, SeverityNormal, false},
	"facilities": {"B050302", "公共设施", "护栏、座椅、果皮箱等公共设施完好整洁，每发现一处破损扣1分", 6, 1, 6, SeverityMinor, false},
	"toilet":     {"B050301", "公厕保洁", "地面干净、无异味、无蝇蛆，洗手设施完好，每发现一处不达标扣2分", 10, 2, 10, SeverityNormal, false},
	"price":      {"B030101", "明码标价", "商品明码标价率100%，每发现一户未标价扣1分", 8, 1, 8, SeverityMinor, false},
	"scale":      {"B030101", "公平秤", "设置公平秤并在检定有效期内，未设置或失准扣5分", 5, 5, 5, SeveritySerious, false},
	"kitchen":    {"B030201", "明厨亮灶", "餐饮单位“明厨亮灶”全覆盖，每发现一户未落实扣2分", 8, 2, 8, SeveritySerious, true},
	"sorting":    {"B060101", "垃圾分类", "分类投放点设置规范、标识清晰、无混投混运，每发现一处扣2分", 10, 2, 10, SeverityNormal, false},
	"hoarding":   {"B060201", "围挡规范", "施工围挡连续封闭、高度不低于2.5米并设置公益广告，每发现一处不达标扣2分", 10, 2, 10, SeveritySerious, false},
	"dust":       {"B060201", "扬尘治理", "土方覆盖、路面硬化、车辆冲洗等“六个百分百”落实，每发现一处扣3分", 12, 3, 12, SeveritySerious, false},
	"station":    {"B040201", "实践阵地", "有固定场所、标识标牌、活动制度和工作台账，缺一项扣2分", 8, 2, 8, SeverityNormal, false},
	"volunteer":  {"B040201", "志愿服务", "公示志愿服务项目并按月开展活动，每缺一个月扣1分", 4, 1, 4, SeverityMinor, false},
	"window":     {"B040301", "文明服务", "服务用语规范、便民设施齐全、公示服务承诺，每发现一处不符合扣2分", 8, 2, 8, SeverityNormal, false},
	"access":     {"B040301", "无障碍设施", "无障碍通道、坡道、扶手完好畅通无占用，每发现一处扣2分", 6, 2, 6, SeverityNormal, true},
	"security":   {"B020201", "安全防控", "视频监控、消防器材配备完好且在有效期内，每发现一处缺失扣2分", 6, 2, 6, SeveritySerious, false},
	"hall":       {"B010101", "一窗受理", "实行“一窗受理”、首问负责、限时办结并公示上墙，每缺一项扣2分", 6, 2, 6, SeverityNormal, false},
	"law":        {"B020101", "法律服务", "设置公共法律服务窗口或公示法律援助联系方式，未设置扣3分", 3, 3, 3, SeverityNormal, true},
	"courtesy":   {"B040302", "礼让斑马线", "机动车礼让行人，每发现一起不礼让扣2分", 6, 2, 6, SeverityNormal, false},
	"culture":    {"F010101", "文化展示", "设置地方特色文化展示内容并保持完好，未设置扣4分", 4, 4, 4, SeverityMinor, true},
	"school":     {"B050102", "校园周边秩序", "学校周边200米内无流动摊贩、无经营性网吧和歌舞娱乐场所，每发现一处扣3分", 9, 3, 9, SeveritySerious, false},
	"shelter":    {"B050302", "候车亭站牌", "候车亭、站牌完好整洁、线路信息准确，每发现一处扣1分", 6, 1, 6, SeverityMinor, false},
}

type demoType struct {
	code, name, en string
	items          []string
}

var demoTypes = []demoType{
	{"MAIN_ROAD", "主次干道", "Main road", []string{"clean", "adverts", "lights", "stalls", "posters", "parking", "facilities", "courtesy"}},
	{"BACK_STREET", "背街小巷", "Back street", []string{"clean", "posters", "stalls", "lights", "parking", "sorting"}},
	{"COMMERCIAL", "商业大街", "Commercial street", []string{"clean", "adverts", "stalls", "price", "parking", "posters", "access"}},
	{"CROSSING", "交通路口", "Crossing", []string{"signals", "courtesy", "parking", "facilities", "adverts"}},
	{"MARKET", "农贸市场", "Farmers' market", []string{"clean", "price", "scale", "kitchen", "sorting", "stalls", "adverts2"}},
	{"RESIDENTIAL", "居民小区", "Residential compound", []string{"clean", "sorting", "parking", "adverts2", "security", "posters"}},
	{"COMMUNITY", "社区办公场所（新时代文明实践站）", "Community office / practice station", []string{"station", "volunteer", "adverts2", "law", "access", "clean"}},
	{"PARK", "公园", "Park", []string{"clean", "adverts2", "facilities", "toilet", "culture"}},
	{"SQUARE", "广场", "Square", []string{"clean", "adverts2", "facilities", "stalls", "culture"}},
	{"SCHOOL", "学校周边", "School surroundings", []string{"school", "clean", "signals", "adverts2", "parking"}},
	{"HOSPITAL", "医院", "Hospital", []string{"window", "clean", "parking", "adverts2", "access", "toilet"}},
	{"BUS_STOP", "公交站点", "Bus stop", []string{"shelter", "clean", "adverts2", "posters"}},
	{"COACH", "客运站", "Coach station", []string{"window", "clean", "toilet", "adverts2", "security", "access"}},
	{"SERVICE_HALL", "政务服务大厅", "Service hall", []string{"hall", "window", "adverts2", "access", "law"}},
	{"BANK", "银行营业厅", "Bank hall", []string{"window", "adverts2", "access", "security"}},
	{"MALL", "商场、宾馆", "Mall / hotel", []string{"window", "adverts2", "security", "toilet", "kitchen"}},
	{"TOILET", "公共厕所", "Public toilet", []string{"toilet", "adverts2", "access"}},
	{"HOARDING", "建筑工地围挡", "Building-site hoarding", []string{"hoarding", "dust", "clean", "security"}},
	{"SCENIC", "旅游景区", "Scenic spot", []string{"clean", "toilet", "adverts2", "culture", "window", "facilities"}},
	{"FOOD_STREET", "餐饮街区", "Food street", []string{"kitchen", "clean", "stalls", "sorting", "price"}},
}

// DemoIndexCode is the code of the demo index.
const DemoIndexCode = "WMCS"

var compoundNames = []string{"锦绣花园", "滨江名苑", "阳光小区", "桂花园", "翠竹苑", "金色家园", "和谐家园", "枫林雅居", "书香苑", "嘉州新城"}

// compoundEN are compoundNames in English.
var compoundEN = []string{"Jinxiu Garden", "Binjiang Court", "Sunshine", "Osmanthus Garden", "Green Bamboo Court", "Golden Home", "Harmony Home", "Maple Grove", "Shuxiang Court", "Jiazhou New Town"}

// SeedDemo loads the demo index (active), the site types with their
// checklists and several hundred sites spread over the demo city's
// streets. It is idempotent: it does nothing when an index exists.
func (s *Service) SeedDemo(ctx context.Context) error {
	now := s.now()
	ms := now.UnixMilli()
	seeded := false
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_indexes"); err != nil || n > 0 {
			return err
		}
		seeded = true
		id, err := tx.InsertID(ctx, `INSERT INTO inspection_indexes (code, name, version, state, note, created_at, updated_at)
			VALUES (?, ?, 1, 'active', ?, ?, ?) RETURNING id`, DemoIndexCode, "乐山市全国文明城市创建测评体系（2026年版）",
			"按全国文明城市测评体系结构编制：基本指标100分、特色指标20分。", ms, ms)
		if err == nil {
			_, err = tx.Exec(ctx, "UPDATE inspection_indexes SET name_en = ? WHERE id = ?", "Leshan civilised-city evaluation index (2026 edition)", id)
		}
		if err != nil {
			return err
		}
		if err := insertNodes(ctx, tx, id, demoIndexNodes()); err != nil {
			return err
		}
		typeIDs := map[string]int64{}
		for ti, t := range demoTypes {
			tid, err := tx.InsertID(ctx, `INSERT INTO inspection_site_types (code, name, name_en, active, sort, created_at, updated_at)
				VALUES (?, ?, ?, TRUE, ?, ?, ?) RETURNING id`, t.code, t.name, t.en, ti+1, ms, ms)
			if err != nil {
				return err
			}
			typeIDs[t.code] = tid
			for ii, key := range t.items {
				it := demoItems[key]
				en := demoItemEN[key]
				if _, err := tx.Exec(ctx, `INSERT INTO inspection_check_items (site_type_id, indicator_code, title, rule, points, deduct, cap, severity, allow_na, sort, created_at, updated_at, title_en, rule_en)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tid, it.indicator, it.title, it.rule, int64(it.points*100), int64(it.deduct*100),
					int64(it.cap*100), string(it.severity), it.na, ii+1, ms, ms, en[0], en[1]); err != nil {
					return err
				}
			}
		}
		if err := seedDemoSites(ctx, tx, typeIDs, ms); err != nil {
			return err
		}
		if err := s.seedDemoSeason(ctx, tx); err != nil {
			return err
		}
		return s.seedDemoHistory(ctx, tx)
	})
	if err != nil || !seeded {
		return err
	}
	return s.seedDemoEvaluations(ctx)
}

type demoStreet struct {
	id, unit           int64
	name, district     string
	nameEN, districtEN string
	lat, lng           float64
	communities        []demoCommunity
}

type demoCommunity struct {
	id       int64
	name, en string
	lat, lng float64
}

func seedDemoSites(ctx context.Context, tx *db.Tx, types map[string]int64, ms int64) error {
	rows, err := tx.Query(ctx, `SELECT r.id, r.name, d.name, r.name_en, d.name_en, COALESCE(r.lat, 29.55), COALESCE(r.lng, 103.76), u.id
		FROM regions r JOIN regions d ON d.id = r.parent_id JOIN units u ON u.region_id = r.id AND u.kind = 'street_office'
		WHERE r.level = 'street' ORDER BY r.path`)
	if err != nil {
		return err
	}
	var streets []demoStreet
	byID := map[int64]int{}
	for rows.Next() {
		var st demoStreet
		if err := rows.Scan(&st.id, &st.name, &st.district, &st.nameEN, &st.districtEN, &st.lat, &st.lng, &st.unit); err != nil {
			rows.Close()
			return err
		}
		byID[st.id] = len(streets)
		streets = append(streets, st)
	}
	rows.Close()
	rows, err = tx.Query(ctx, `SELECT id, parent_id, name, name_en, COALESCE(lat, 0), COALESCE(lng, 0) FROM regions WHERE level = 'community' ORDER BY path`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c demoCommunity
		var parent int64
		if err := rows.Scan(&c.id, &parent, &c.name, &c.en, &c.lat, &c.lng); err != nil {
			rows.Close()
			return err
		}
		if i, ok := byID[parent]; ok {
			if c.lat == 0 {
				c.lat, c.lng = streets[i].lat, streets[i].lng
			}
			streets[i].communities = append(streets[i].communities, c)
		}
	}
	rows.Close()
	depts := map[string]int64{}
	rows, err = tx.Query(ctx, "SELECT code, id FROM units WHERE kind = 'department'")
	if err != nil {
		return err
	}
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			rows.Close()
			return err
		}
		depts[code] = id
	}
	rows.Close()
	dept := func(code string, fallback int64) int64 {
		if id := depts[code]; id != 0 {
			return id
		}
		return fallback
	}
	n := 0
	add := func(typ, name, address string, en [2]string, region, unit int64, lat, lng float64, line string) error {
		n++
		shape := ShapePoint
		if line != "" {
			shape = ShapeLine
		}
		_, err := tx.Exec(ctx, `INSERT INTO inspection_sites (code, name, site_type_id, shape, lat, lng, line, address, region_id, unit_id, active, created_at, updated_at, name_en, address_en)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)`, fmt.Sprintf("S%04d", n), name, types[typ], string(shape),
			round6(lat), round6(lng), line, address, region, unit, ms, ms, en[0], en[1])
		return err
	}
	// Extra site types go round the streets, so every type has sites.
	extras := []struct{ typ, suffix, en, dept string }{
		{"PARK", "公园", "Park", "DEPT-CG"}, {"SQUARE", "文化广场", "Culture Square", "DEPT-CG"}, {"HOSPITAL", "人民医院", "People's Hospital", "DEPT-WJ"},
		{"COACH", "客运站", "Coach Station", "DEPT-JT"}, {"SERVICE_HALL", "便民服务中心", "Service Centre", ""}, {"BANK", "农商银行营业厅", "Rural Commercial Bank Hall", ""},
		{"MALL", "购物中心", "Shopping Centre", "DEPT-SW"}, {"TOILET", "公共厕所", "Public Toilet", "DEPT-CG"}, {"HOARDING", "建设项目工地围挡", "Building-Site Hoarding", "DEPT-ZJ"},
		{"SCENIC", "景区", "Scenic Area", "DEPT-WL"}, {"FOOD_STREET", "美食街", "Food Street", "DEPT-SJ"}, {"COMMERCIAL", "商业步行街", "Pedestrian Shopping Street", ""},
	}
	for si, st := range streets {
		base := strings.TrimSuffix(strings.TrimSuffix(st.name, "街道"), "镇")
		baseEN := strings.TrimSuffix(strings.TrimSuffix(st.nameEN, " Subdistrict"), " Town")
		addrEN := st.nameEN + ", " + st.districtEN
		en := func(name string) [2]string { return [2]string{baseEN + " " + name, addrEN} }
		at := func(k int, m float64) (float64, float64) { return offset(st.lat, st.lng, k, m) }
		lat, lng := at(si, 300)
		lat2, lng2 := at(si+3, 900)
		line := fmt.Sprintf("%.6f,%.6f;%.6f,%.6f;%.6f,%.6f", lat, lng, (lat+lat2)/2, (lng+lng2)/2+0.002, lat2, lng2)
		if err := add("MAIN_ROAD", base+"大道", st.district+st.name, en("Avenue"), st.id, dept("DEPT-CG", st.unit), lat, lng, line); err != nil {
			return err
		}
		for k, suffix := range []string{"老街", "后巷"} {
			la, ln := at(si*7+k, 450)
			if err := add("BACK_STREET", base+suffix, st.district+st.name, en([]string{"Old Street", "Back Lane"}[k]), st.id, st.unit, la, ln, ""); err != nil {
				return err
			}
		}
		la, ln := at(si+1, 250)
		if err := add("CROSSING", base+"大道与"+base+"路交叉口", st.district+st.name, [2]string{baseEN + " Avenue and " + baseEN + " Road crossing", addrEN}, st.id, dept("DEPT-JJ", st.unit), la, ln, ""); err != nil {
			return err
		}
		la, ln = at(si+2, 600)
		if err := add("MARKET", base+"农贸市场", st.district+st.name, en("Farmers' Market"), st.id, st.unit, la, ln, ""); err != nil {
			return err
		}
		la, ln = at(si+4, 700)
		if err := add("SCHOOL", base+"小学周边", st.district+st.name, en("Primary School surroundings"), st.id, dept("DEPT-JY", st.unit), la, ln, ""); err != nil {
			return err
		}
		la, ln = at(si+5, 350)
		if err := add("BUS_STOP", base+"站公交站台", st.district+st.name, en("bus stop"), st.id, dept("DEPT-JT", st.unit), la, ln, ""); err != nil {
			return err
		}
		for ci, c := range st.communities {
			if ci >= 3 {
				break
			}
			la, ln := offset(c.lat, c.lng, ci, 120)
			if err := add("RESIDENTIAL", c.name+compoundNames[(si+ci)%len(compoundNames)]+"小区", st.district+st.name+c.name,
				[2]string{compoundEN[(si+ci)%len(compoundEN)] + " compound, " + c.en, c.en + ", " + addrEN}, c.id, st.unit, la, ln, ""); err != nil {
				return err
			}
			la, ln = offset(c.lat, c.lng, ci+2, 40)
			if err := add("COMMUNITY", c.name+"新时代文明实践站", st.district+st.name+c.name,
				[2]string{c.en + " civilisation practice station", c.en + ", " + addrEN}, c.id, st.unit, la, ln, ""); err != nil {
				return err
			}
		}
		for k := range 2 {
			e := extras[(si*2+k)%len(extras)]
			unit := st.unit
			if e.dept != "" {
				unit = dept(e.dept, st.unit)
			}
			la, ln := at(si*5+k+6, 800)
			if err := add(e.typ, base+e.suffix, st.district+st.name, en(e.en), st.id, unit, la, ln, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// offset is a point m metres from (lat, lng) in the direction k·47°.
func offset(lat, lng float64, k int, m float64) (float64, float64) {
	a := float64(k) * 47 * math.Pi / 180
	dlat := m * math.Cos(a) / 111320
	dlng := m * math.Sin(a) / (111320 * math.Cos(lat*math.Pi/180))
	return lat + dlat, lng + dlng
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// demoItemEN is each demo check item's title and rule in English.
var demoItemEN = map[string][2]string{
	"clean":      {"Street cleanliness", "No exposed rubbish, neglected corners or standing sewage on roads and pavements; 1 point off for each found"},
	"adverts":    {"Public-service adverts", "Public-service adverts properly placed, at least 5 every 300 metres; 2 points off for each missing"},
	"adverts2":   {"Adverts on the premises", "At least 3 \"be civil, set new trends\" adverts in prominent places; 1 point off for each damaged, faded or missing"},
	"lights":     {"Street lighting", "100% of lights installed and 95% lit; 1 point off for each light out (may be not applicable in daytime checks)"},
	"stalls":     {"Road-side trading", "No trading on the road, outside shops or by street hawkers; 2 points off for each found"},
	"posters":    {"Fly-posting and graffiti", "No graffiti, fly-posting, hanging banners or small-ad stickers; 1 point off for each found"},
	"parking":    {"Parking", "Cars and bicycles parked in order within the markings; 1 point off for each badly parked"},
	"signals":    {"Traffic order", "Pedestrians and cyclists obey the signals; 2 points off for each red light run"},
	"facilities": {"Public facilities", "Railings, benches, litter bins and other facilities intact and clean; 1 point off for each damaged"},
	"toilet":     {"Toilet cleaning", "Floor clean, no odour, no flies, hand-washing fittings intact; 2 points off for each shortfall"},
	"price":      {"Price marking", "Every product's price clearly marked; 1 point off for each stall without prices"},
	"scale":      {"Fair scale", "A fair scale in place and within its calibration date; 5 points off when missing or inaccurate"},
	"kitchen":    {"Open kitchens", "Every catering business has an open, visible kitchen; 2 points off for each that has not"},
	"sorting":    {"Waste sorting", "Sorting points properly set up and labelled, no mixed dumping or collection; 2 points off for each found"},
	"hoarding":   {"Site hoardings", "Building-site hoardings continuous, at least 2.5 m high and carrying public-service adverts; 2 points off for each shortfall"},
	"dust":       {"Dust control", "The six hundred-percent measures (covered earth, hard roads, washed vehicles…) in place; 3 points off for each lapse"},
	"station":    {"Practice venue", "A fixed venue, signs, activity rules and records; 2 points off for each missing"},
	"volunteer":  {"Volunteer service", "Volunteer projects posted and activities held every month; 1 point off for each month missed"},
	"window":     {"Civil service", "Proper service language, convenience facilities and a posted service pledge; 2 points off for each shortfall"},
	"access":     {"Accessible facilities", "Accessible paths, ramps and handrails intact and unobstructed; 2 points off for each found"},
	"security":   {"Safety and security", "Video surveillance and fire equipment in place and in date; 2 points off for each missing"},
	"hall":       {"One-window service", "One-window acceptance, first-contact responsibility and time limits practised and posted; 2 points off for each missing"},
	"law":        {"Legal services", "A public legal service window or legal-aid contacts posted; 3 points off when missing"},
	"courtesy":   {"Yielding at zebra crossings", "Drivers yield to pedestrians; 2 points off for each that does not"},
	"culture":    {"Cultural display", "Local culture displayed and kept in good order; 4 points off when missing"},
	"school":     {"Order around schools", "No hawkers, commercial internet cafés or karaoke venues within 200 m of the school; 3 points off for each found"},
	"shelter":    {"Bus shelters and signs", "Shelters and stop signs intact and clean, route information correct; 1 point off for each shortfall"},
}
