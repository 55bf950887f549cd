package demo

// The demo city: Leshan (乐山), Sichuan. Districts and counties carry their
// real administrative division codes and approximate coordinates; streets
// and towns are real ones; communities are real or plausible names; grids,
// contact people and phone numbers are made up.

// cityRegion is the root of the tree.
var cityRegion = struct {
	code, name, en string
	lat, lng       float64
}{"511100", "乐山市", "Leshan City", 29.5521, 103.7656}

// streetCentres are 市中区's streets' approximate centres (lat, lng).
var streetCentres = map[string][2]float64{
	"511102-ZGQ": {29.5805, 103.7485}, "511102-BS": {29.5585, 103.7655}, "511102-HT": {29.5702, 103.7560},
	"511102-DF": {29.5462, 103.7745}, "511102-TJ": {29.5905, 103.7702}, "511102-SHJ": {29.5532, 103.7598},
	"511102-BY": {29.5760, 103.7382}, "511102-SJ": {29.5962, 103.6905},
}

type district struct {
	key            string // short ASCII key: unit code DIST-<key>
	code           string // administrative division code
	name, en       string
	lat, lng       float64
	streets        []street
	govName, govEN string
}

type street struct {
	key         string // short ASCII key, unique in the city: unit code ST-<key>
	name, en    string
	communities []community
}

type community struct {
	name, en string
	grids    int // number of grids (市中区 only)
}

func c(name, en string) community             { return community{name: name, en: en} }
func cg(name, en string, grids int) community { return community{name, en, grids} }

var districts = []district{
	{key: "SZ", code: "511102", name: "市中区", en: "Shizhong District", lat: 29.5646, lng: 103.7626,
		govName: "市中区人民政府", govEN: "Shizhong District Government",
		streets: []street{
			{"ZGQ", "张公桥街道", "Zhanggongqiao Subdistrict", []community{
				cg("张公桥社区", "Zhanggongqiao Community", 3), cg("白燕路社区", "Baiyanlu Community", 2),
				cg("铁门坎社区", "Tiemenkan Community", 2), cg("瑞祥社区", "Ruixiang Community", 3)}},
			{"BS", "泊水街道", "Boshui Subdistrict", []community{
				cg("叮咚街社区", "Dingdongjie Community", 3), cg("玉堂街社区", "Yutangjie Community", 2),
				cg("府街社区", "Fujie Community", 2), cg("土桥街社区", "Tuqiaojie Community", 2)}},
			{"HT", "海棠街道", "Haitang Subdistrict", []community{
				cg("海棠社区", "Haitang Community", 3), cg("春华路社区", "Chunhualu Community", 2),
				cg("白塔街社区", "Baitajie Community", 2), cg("嘉定北路社区", "Jiadingbeilu Community", 3)}},
			{"DF", "大佛街道", "Dafo Subdistrict", []community{
				cg("凌云社区", "Lingyun Community", 2), cg("乌尤社区", "Wuyou Community", 2),
				cg("篦子街社区", "Bizijie Community", 3)}},
			{"TJ", "通江街道", "Tongjiang Subdistrict", []community{
				cg("通江社区", "Tongjiang Community", 3), cg("青江社区", "Qingjiang Community", 2),
				cg("龙游路社区", "Longyoulu Community", 2)}},
			{"SHJ", "上河街街道", "Shanghejie Subdistrict", []community{
				cg("上河街社区", "Shanghejie Community", 2), cg("东大街社区", "Dongdajie Community", 3),
				cg("鼓楼街社区", "Guloujie Community", 2), cg("新村街社区", "Xincunjie Community", 2)}},
			{"BY", "柏杨街道", "Baiyang Subdistrict", []community{
				cg("柏杨东路社区", "Baiyangdonglu Community", 3), cg("人民西路社区", "Renminxilu Community", 2),
				cg("王浩儿社区", "Wanghaoer Community", 2), cg("翡翠社区", "Feicui Community", 2)}},
			{"SJ", "苏稽镇", "Suji Town", []community{
				cg("苏稽社区", "Suji Community", 3), cg("新华村", "Xinhua Village", 2),
				cg("马村社区", "Macun Community", 2)}},
		}},
	{key: "SW", code: "511111", name: "沙湾区", en: "Shawan District", lat: 29.4123, lng: 103.5496,
		govName: "沙湾区人民政府", govEN: "Shawan District Government",
		streets: []street{
			{"SWZ", "沙湾镇", "Shawan Town", []community{c("沫若社区", "Moruo Community"), c("铜河社区", "Tonghe Community")}},
			{"JN", "嘉农镇", "Jianong Town", []community{c("嘉农社区", "Jianong Community")}},
			{"TS", "踏水镇", "Tashui Town", []community{c("踏水社区", "Tashui Community")}},
		}},
	{key: "WTQ", code: "511112", name: "五通桥区", en: "Wutongqiao District", lat: 29.4064, lng: 103.8180,
		govName: "五通桥区人民政府", govEN: "Wutongqiao District Government",
		streets: []street{
			{"ZG", "竹根镇", "Zhugen Town", []community{c("竹根社区", "Zhugen Community"), c("菩提社区", "Puti Community")}},
			{"NH", "牛华镇", "Niuhua Town", []community{c("牛华社区", "Niuhua Community")}},
			{"XB", "西坝镇", "Xiba Town", []community{c("西坝社区", "Xiba Community")}},
		}},
	{key: "JKH", code: "511113", name: "金口河区", en: "Jinkouhe District", lat: 29.2446, lng: 103.0784,
		govName: "金口河区人民政府", govEN: "Jinkouhe District Government",
		streets: []street{
			{"YH", "永和镇", "Yonghe Town", []community{c("永和社区", "Yonghe Community"), c("大瓦山社区", "Dawashan Community")}},
			{"JHE", "金河镇", "Jinhe Town", []community{c("金河社区", "Jinhe Community")}},
		}},
	{key: "QW", code: "511123", name: "犍为县", en: "Qianwei County", lat: 29.2087, lng: 103.9493,
		govName: "犍为县人民政府", govEN: "Qianwei County Government",
		streets: []street{
			{"YJ", "玉津镇", "Yujin Town", []community{c("玉津社区", "Yujin Community"), c("文庙社区", "Wenmiao Community")}},
			{"LC", "罗城镇", "Luocheng Town", []community{c("罗城社区", "Luocheng Community")}},
			{"QX", "清溪镇", "Qingxi Town", []community{c("清溪社区", "Qingxi Community")}},
		}},
	{key: "JY", code: "511124", name: "井研县", en: "Jingyan County", lat: 29.6520, lng: 104.0696,
		govName: "井研县人民政府", govEN: "Jingyan County Government",
		streets: []street{
			{"YC", "研城镇", "Yancheng Town", []community{c("研城社区", "Yancheng Community"), c("育英社区", "Yuying Community")}},
			{"QF", "千佛镇", "Qianfo Town", []community{c("千佛社区", "Qianfo Community")}},
		}},
	{key: "JJ", code: "511126", name: "夹江县", en: "Jiajiang County", lat: 29.7379, lng: 103.5717,
		govName: "夹江县人民政府", govEN: "Jiajiang County Government",
		streets: []street{
			{"YCZ", "漹城镇", "Yancheng Town", []community{c("漹城社区", "Yancheng Community"), c("千佛岩社区", "Qianfoyan Community")}},
			{"HTU", "黄土镇", "Huangtu Town", []community{c("黄土社区", "Huangtu Community")}},
			{"MCZ", "木城镇", "Mucheng Town", []community{c("木城社区", "Mucheng Community")}},
		}},
	{key: "MC", code: "511129", name: "沐川县", en: "Muchuan County", lat: 28.9565, lng: 103.9024,
		govName: "沐川县人民政府", govEN: "Muchuan County Government",
		streets: []street{
			{"MX", "沐溪镇", "Muxi Town", []community{c("沐溪社区", "Muxi Community"), c("竹海社区", "Zhuhai Community")}},
			{"YF", "永福镇", "Yongfu Town", []community{c("永福社区", "Yongfu Community")}},
		}},
	{key: "EB", code: "511132", name: "峨边彝族自治县", en: "Ebian Yi Autonomous County", lat: 29.2304, lng: 103.2627,
		govName: "峨边彝族自治县人民政府", govEN: "Ebian Yi Autonomous County Government",
		streets: []street{
			{"SP", "沙坪镇", "Shaping Town", []community{c("沙坪社区", "Shaping Community"), c("大渡河社区", "Daduhe Community")}},
			{"DB", "大堡镇", "Dabao Town", []community{c("大堡社区", "Dabao Community")}},
		}},
	{key: "MB", code: "511133", name: "马边彝族自治县", en: "Mabian Yi Autonomous County", lat: 28.8354, lng: 103.5462,
		govName: "马边彝族自治县人民政府", govEN: "Mabian Yi Autonomous County Government",
		streets: []street{
			{"MJ", "民建镇", "Minjian Town", []community{c("民建社区", "Minjian Community"), c("马边河社区", "Mabianhe Community")}},
			{"RD", "荣丁镇", "Rongding Town", []community{c("荣丁社区", "Rongding Community")}},
		}},
	{key: "EMS", code: "511181", name: "峨眉山市", en: "Emeishan City", lat: 29.6012, lng: 103.4843,
		govName: "峨眉山市人民政府", govEN: "Emeishan City Government",
		streets: []street{
			{"SS", "绥山镇", "Suishan Town", []community{c("绥山社区", "Suishan Community"), c("名山社区", "Mingshan Community")}},
			{"HW", "黄湾镇", "Huangwan Town", []community{c("报国社区", "Baoguo Community")}},
			{"FX", "符溪镇", "Fuxi Town", []community{c("符溪社区", "Fuxi Community")}},
		}},
}

// gridNames are the Chinese names of a community's grids, in order.
var gridNames = []string{"第一网格", "第二网格", "第三网格", "第四网格", "第五网格"}

// hq is the campaign's command centre (the "1" of 1+12+17).
var hq = unitDef{"HQ", "乐山市创建全国文明城市指挥部", "Leshan National Civilised City Campaign HQ"}

type unitDef struct{ code, name, en string }

// workGroups are the 12 lines of work.
var workGroups = []unitDef{
	{"WG01", "市容环境整治组", "City Appearance and Environment Group"},
	{"WG02", "交通秩序整治组", "Traffic Order Group"},
	{"WG03", "公共文明引导组", "Public Civility Guidance Group"},
	{"WG04", "窗口服务提升组", "Service Counter Improvement Group"},
	{"WG05", "农贸市场整治组", "Farmers' Market Group"},
	{"WG06", "背街小巷整治组", "Back Streets and Alleys Group"},
	{"WG07", "老旧小区整治组", "Old Residential Compounds Group"},
	{"WG08", "公益广告宣传组", "Public Service Advertising Group"},
	{"WG09", "志愿服务推进组", "Volunteer Service Group"},
	{"WG10", "未成年人思想道德建设组", "Minors' Moral Development Group"},
	{"WG11", "文明单位创建组", "Civilised Units Group"},
	{"WG12", "材料档案组", "Records and Archives Group"},
}

// numerals are the Chinese ordinals of the 17 supervision groups.
var numerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
	"十一", "十二", "十三", "十四", "十五", "十六", "十七"}

// departments are city agencies; each is paired with communities of 市中区.
var departments = []unitDef{
	{"DEPT-CG", "市城市管理局", "Leshan Urban Management Bureau"},
	{"DEPT-ZJ", "市住房和城乡建设局", "Leshan Housing and Urban-Rural Development Bureau"},
	{"DEPT-JT", "市交通运输局", "Leshan Transport Bureau"},
	{"DEPT-JJ", "市公安局交警支队", "Leshan Traffic Police Detachment"},
	{"DEPT-SJ", "市市场监督管理局", "Leshan Market Regulation Bureau"},
	{"DEPT-HB", "市生态环境局", "Leshan Ecology and Environment Bureau"},
	{"DEPT-JY", "市教育局", "Leshan Education Bureau"},
	{"DEPT-WJ", "市卫生健康委员会", "Leshan Health Commission"},
	{"DEPT-WMB", "市文明办", "Leshan Civilisation Office"},
	{"DEPT-MZ", "市民政局", "Leshan Civil Affairs Bureau"},
	{"DEPT-WL", "市文化广播电视和旅游局", "Leshan Culture, Radio, TV and Tourism Bureau"},
	{"DEPT-SW", "市商务局", "Leshan Commerce Bureau"},
	{"DEPT-TSW", "共青团乐山市委", "Leshan Communist Youth League Committee"},
}

// companies are the utilities that fix pipes, cables and gas lines.
var companies = []unitDef{
	{"CO-POWER", "乐山供电公司", "Leshan Power Supply Company"},
	{"CO-WATER", "乐山市自来水公司", "Leshan Water Supply Company"},
	{"CO-GAS", "乐山燃气公司", "Leshan Gas Company"},
}

// pairingNotes describe what a pairing does.
var pairingNotes = []string{
	"结对共建：背街小巷环境整治、志愿服务进社区",
	"结对共建：老旧小区改造协调、文明劝导",
	"结对共建：交通秩序劝导、文明出行宣传",
	"结对共建：农贸市场周边秩序、食品安全宣传",
	"结对共建：公益广告更新、新时代文明实践活动",
	"结对共建：“一老一小”关爱服务、入户走访",
}

// Fictitious contact people, combined by index.
var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "罗", "何", "郭", "唐", "蒋", "谢", "邓", "彭"}
	given    = []string{"建华", "志强", "丽娟", "秀英", "海燕", "晓东", "明", "静", "伟", "国庆", "红梅", "勇", "婷", "俊杰", "文斌",
		"春燕", "德明", "小琴", "家豪", "玉兰", "立新", "雪梅", "永刚", "佳", "润泽", "思远", "桂芳", "成林", "晓军"}
)
