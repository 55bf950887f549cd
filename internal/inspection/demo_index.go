package inspection

// The demo city's evaluation index, in the shape of the national system
// (全国文明城市测评体系): 基本指标 100 points in seven sections and 特色指标
// 20 points, each indicator with its contents and how they are collected.

type demoNode struct {
	code, name string
	points     Points // in whole points here; stored ×100
	method     Method
	kids       []demoNode
}

func dn(code, name string, points Points, kids ...demoNode) demoNode {
	return demoNode{code: code, name: name, points: points, kids: kids}
}

func dc(code, name string, points Points, m Method) demoNode {
	return demoNode{code: code, name: name, points: points, method: m}
}

const (
	fld = MethodField
	qst = MethodQuestionnaire
	doc = MethodDocument
	rpt = MethodReport
)

var demoIndex = []demoNode{
	dn("B", "基本指标", 100,
		dn("B01", "政务环境", 12,
			dn("B0101", "廉洁高效的政务服务", 6,
				dc("B010101", "政务服务大厅实行“一窗受理”“最多跑一次”，首问负责、限时办结制度公示上墙", 3, fld),
				dc("B010102", "12345政务服务便民热线接通率、按时办结率、群众满意率", 3, doc)),
			dn("B0102", "公开透明的政务信息", 6,
				dc("B010201", "政府信息主动公开、依申请公开办理及时规范", 3, doc),
				dc("B010202", "群众对政务服务的满意度", 3, qst))),
		dn("B02", "法治环境", 12,
			dn("B0201", "公正文明的执法司法", 6,
				dc("B020101", "公共法律服务中心（站、室）建设运行，法律援助便捷可及", 3, fld),
				dc("B020102", "群众对执法公正文明的满意度", 3, qst)),
			dn("B0202", "安全稳定的社会治安", 6,
				dc("B020201", "社会治安防控体系建设，重点区域视频监控、消防设施完好", 3, fld),
				dc("B020202", "群众安全感", 3, qst))),
		dn("B03", "市场环境", 12,
			dn("B0301", "诚信经营", 6,
				dc("B030101", "农贸市场、商户明码标价，设置公平秤并定期校验", 3, fld),
				dc("B030102", "市场主体信用信息公示，失信经营“红黑榜”定期发布", 3, doc)),
			dn("B0302", "放心消费", 6,
				dc("B030201", "餐饮服务单位“明厨亮灶”覆盖，食品安全责任公示", 3, fld),
				dc("B030202", "消费者投诉举报处理及时率", 3, doc))),
		dn("B04", "人文环境", 16,
			dn("B0401", "公益广告宣传", 6,
				dc("B040101", "主次干道、商业大街公益广告规范设置，每300米不少于5处", 3, fld),
				dc("B040102", "社区（村）、公共场所显著位置设置“讲文明树新风”公益广告", 3, fld)),
			dn("B0402", "新时代文明实践", 5,
				dc("B040201", "新时代文明实践所（站）阵地、制度、队伍、活动“四有”落实", 3, fld),
				dc("B040202", "注册志愿者占城区常住人口比例、志愿服务活跃度", 2, doc)),
			dn("B0403", "文明礼仪", 5,
				dc("B040301", "窗口单位文明服务规范，无障碍设施完好畅通", 3, fld),
				dc("B040302", "机动车礼让斑马线，市民文明出行", 2, fld))),
		dn("B05", "生活环境", 20,
			dn("B0501", "整洁有序的市容市貌", 8,
				dc("B050101", "主次干道、背街小巷路面整洁，无暴露垃圾、无卫生死角", 3, fld),
				dc("B050102", "无乱搭乱建、乱贴乱画、占道经营、店外经营", 3, fld),
				dc("B050103", "城市照明装灯率100%、亮灯率95%以上", 2, fld)),
			dn("B0502", "安全畅通的交通秩序", 6,
				dc("B050201", "机动车、非机动车按标线有序停放", 3, fld),
				dc("B050202", "交叉路口行人、非机动车遵守交通信号", 3, fld)),
			dn("B0503", "完好便民的公共设施", 6,
				dc("B050301", "公共厕所达到标准，干净无异味，设施完好", 3, fld),
				dc("B050302", "公交站台、候车亭及护栏、座椅、果皮箱完好整洁", 3, fld))),
		dn("B06", "生态环境", 14,
			dn("B0601", "生活垃圾分类", 7,
				dc("B060101", "居民小区、公共机构生活垃圾分类设施配备规范、标识清晰", 4, fld),
				dc("B060102", "居民生活垃圾分类知晓率、参与率", 3, qst)),
			dn("B0602", "环境污染治理", 7,
				dc("B060201", "建筑工地围挡规范，扬尘治理“六个百分百”落实", 4, fld),
				dc("B060202", "城市空气质量优良天数比例、黑臭水体消除", 3, doc))),
		dn("B07", "创建活动", 14,
			dn("B0701", "组织领导", 6,
				dc("B070101", "创建工作领导机制、责任分工、督查问责健全有效", 3, rpt),
				dc("B070102", "创建工作经费保障，台账资料完整规范", 3, doc)),
			dn("B0702", "群众参与", 8,
				dc("B070201", "市民对创建全国文明城市的知晓率、支持率", 4, qst),
				dc("B070202", "市民对创建工作成效的满意度", 4, qst)))),
	dn("F", "特色指标", 20,
		dn("F01", "特色文化", 10,
			dn("F0101", "城市文化品牌", 10,
				dc("F010101", "嘉州文化、大佛文化等地方特色文化传承展示", 5, fld),
				dc("F010102", "文化惠民活动常态开展", 5, doc))),
		dn("F02", "创新举措", 10,
			dn("F0201", "创建工作机制创新", 10,
				dc("F020101", "“每周一督查、一月一调度、一季度一测评”机制运行成效", 5, rpt),
				dc("F020102", "“一书一函”问题整改闭环率", 5, doc)))),
}

// demoIndexNodes flattens the demo index in tree order with levels.
func demoIndexNodes() []Node {
	var out []Node
	var walk func(ns []demoNode, parent string, depth int)
	walk = func(ns []demoNode, parent string, depth int) {
		for i, n := range ns {
			out = append(out, Node{Code: n.code, ParentCode: parent, Level: Levels[depth], Name: n.name, NameEN: demoIndexEN[n.code], Points: n.points * 100, Method: n.method, Sort: i + 1})
			walk(n.kids, n.code, depth+1)
		}
	}
	walk(demoIndex, "", 0)
	// Indicators take their contents' method when all agree, else the first's.
	for i := range out {
		if out[i].Level == LevelIndicator {
			for _, c := range out {
				if c.ParentCode == out[i].Code {
					out[i].Method = c.Method
					break
				}
			}
		}
	}
	return out
}

// demoIndexEN is the English name of each demo node, by code.
var demoIndexEN = map[string]string{
	"B":       "Basic indicators",
	"B01":     "Government environment",
	"B0101":   "Clean and efficient government services",
	"B010101": "Service halls practise one-window acceptance and at-most-one-visit, with first-contact responsibility and time limits posted on the wall",
	"B010102": "12345 hotline connection rate, on-time completion rate and public satisfaction",
	"B0102":   "Open and transparent government information",
	"B010201": "Government information disclosed proactively and on request, promptly and properly",
	"B010202": "Public satisfaction with government services",
	"B02":     "Rule-of-law environment",
	"B0201":   "Fair and civil law enforcement and justice",
	"B020101": "Public legal service centres (stations, rooms) built and running, legal aid easy to reach",
	"B020102": "Public satisfaction with fair and civil law enforcement",
	"B0202":   "Safe and stable public order",
	"B020201": "Public-security prevention system, video surveillance and fire equipment in key areas in good order",
	"B020202": "Residents' sense of safety",
	"B03":     "Market environment",
	"B0301":   "Honest trading",
	"B030101": "Farmers' markets and shops mark prices clearly and keep a fair scale checked regularly",
	"B030102": "Credit information of market players published, red and black lists of dishonest traders issued regularly",
	"B0302":   "Safe consumption",
	"B030201": "Open kitchens at catering businesses, food-safety responsibilities posted",
	"B030202": "Consumer complaints handled on time",
	"B04":     "Cultural environment",
	"B0401":   "Public-service advertising",
	"B040101": "Public-service adverts properly placed on main roads and commercial streets, at least 5 every 300 metres",
	"B040102": "\"Be civil, set new trends\" adverts in prominent places of communities, villages and public places",
	"B0402":   "New-era civilisation practice",
	"B040201": "Practice centres (stations) with a venue, rules, a team and activities",
	"B040202": "Registered volunteers as a share of urban residents, and volunteer activity",
	"B0403":   "Civility and manners",
	"B040301": "Civil service at service windows, accessible facilities in good order and unobstructed",
	"B040302": "Drivers yield at zebra crossings, residents travel civilly",
	"B05":     "Living environment",
	"B0501":   "Clean and orderly townscape",
	"B050101": "Main roads and back streets clean, no exposed rubbish, no neglected corners",
	"B050102": "No illegal structures, graffiti, fly-posting, road-side or outside-shop trading",
	"B050103": "Street lights: 100% installed, at least 95% lit",
	"B0502":   "Safe and smooth traffic",
	"B050201": "Cars and bicycles parked in order within the markings",
	"B050202": "Pedestrians and cyclists obey the signals at crossings",
	"B0503":   "Public facilities in good repair",
	"B050301": "Public toilets up to standard, clean, odour-free, fittings intact",
	"B050302": "Bus stops, shelters, railings, benches and litter bins intact and clean",
	"B06":     "Ecological environment",
	"B0601":   "Household waste sorting",
	"B060101": "Waste-sorting points in compounds and public bodies properly equipped and clearly labelled",
	"B060102": "Residents' awareness of and participation in waste sorting",
	"B0602":   "Pollution control",
	"B060201": "Building-site hoardings up to standard, the six hundred-percent dust controls in place",
	"B060202": "Share of good-air days, black and smelly water bodies removed",
	"B07":     "Campaign work",
	"B0701":   "Leadership",
	"B070101": "Leadership, division of duties, inspection and accountability of the campaign sound and effective",
	"B070102": "Campaign funding secured, records complete and in order",
	"B0702":   "Public participation",
	"B070201": "Residents' awareness of and support for the civilised-city campaign",
	"B070202": "Residents' satisfaction with the campaign's results",
	"F":       "Local indicators",
	"F01":     "Local culture",
	"F0101":   "City culture brand",
	"F010101": "Jiazhou and Giant Buddha culture handed down and shown",
	"F010102": "Cultural events for residents held regularly",
	"F02":     "Innovation",
	"F0201":   "New ways of running the campaign",
	"F020101": "Results of the weekly inspection, monthly scheduling and quarterly evaluation routine",
	"F020102": "Share of notice-and-letter problems rectified and closed",
}
