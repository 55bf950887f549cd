package pii_test

import (
	"reflect"
	"testing"

	"github.com/wenming-city/wenming/internal/pii"
)

type found struct {
	Kind  pii.Kind
	Text  string // the written form found
	Value string
}

func find(s string) []found {
	var out []found
	for _, m := range pii.Find(s) {
		out = append(out, found{m.Kind, s[m.Start:m.End], m.Value})
	}
	return out
}

func TestFindReadsPhonesAndIDNumbersInChineseText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []found
	}{
		{"市民王女士（电话13800138000）反映", []found{{pii.KindMobile, "13800138000", "13800138000"}}},
		{"联系电话：138 0013 8000，谢谢", []found{{pii.KindMobile, "138 0013 8000", "13800138000"}}},
		{"请拨+86 138-0013-8000。", []found{{pii.KindMobile, "+86 138-0013-8000", "13800138000"}}},
		{"电话１３８００１３８０００", []found{{pii.KindMobile, "１３８００１３８０００", "13800138000"}}},
		{"电话＋８６　１３８　００１３　８０００！", []found{{pii.KindMobile, "＋８６　１３８　００１３　８０００", "13800138000"}}},
		{"座机0833-2123456或（0833）2123457", []found{
			{pii.KindLandline, "0833-2123456", "08332123456"}, {pii.KindLandline, "0833）2123457", "08332123457"}}},
		{"身份证号511102199003071526，住三楼", []found{{pii.KindID, "511102199003071526", "511102199003071526"}}},
		{"身份证 11010519491231002x 已核", []found{{pii.KindID, "11010519491231002x", "11010519491231002X"}}},
		{"证件号 511102 19900307 1526", []found{{pii.KindID, "511102 19900307 1526", "511102199003071526"}}},
		{"证件号５１１１０２１９９００３０７１５２６", []found{{pii.KindID, "５１１１０２１９９００３０７１５２６", "511102199003071526"}}},
		{"号码 511102199003071527 有误", []found{{pii.KindNumber, "511102199003071527", "511102199003071527"}}}, // wrong check: still a long number
		{"来电号码138****8000", []found{{pii.KindMaskedPhone, "138****8000", "138****8000"}}},
		{"来电号码１３８＊＊＊＊８０００", []found{{pii.KindMaskedPhone, "１３８＊＊＊＊８０００", "138****8000"}}},
		{"local 2123456", []found{{pii.KindNumber, "2123456", "2123456"}}},
		{"2026-11-29 13800138000 来电", []found{{pii.KindMobile, "13800138000", "13800138000"}}},
		{"一个13800138000另一个13900139000", []found{
			{pii.KindMobile, "13800138000", "13800138000"}, {pii.KindMobile, "13900139000", "13900139000"}}},
		// Not personal numbers.
		{"2026-11-29 处理", nil},
		{"拨打 12345 热线", nil},
		{"罚款 5000 元", nil},
		{"3栋2单元 501 室", nil},
		{"时间 2026 年 11 月 29 日 10:30", nil},
		{"", nil},
	} {
		if got := find(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Find(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if pii.Contains(c.in) != (c.want != nil) {
			t.Errorf("Contains(%q) = %v", c.in, !(c.want != nil))
		}
	}
}

func TestScrubMasksEveryPersonalNumberAndKeepsTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"王女士（138 0013 8000，身份证511102199003071526）反映3栋门口占道": "王女士（***，身份证***）反映3栋门口占道",
		"电话＋８６　１３８　００１３　８０００！":                             "电话***！",
		"2026-11-29 上午来电 0833-2123456":                     "2026-11-29 上午来电 ***",
		"没有号码的描述":                                          "没有号码的描述",
	} {
		if got := pii.Scrub(in, "***"); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScrubPhoneRemovesOnePersonsNumberInAnyForm(t *testing.T) {
	for _, c := range []struct{ in, phone, want string }{
		{"电话 138-0013-8000", "13800138000", "电话 ***"},
		{"电话 +86 138 0013 8000。", "13800138000", "电话 ***。"},
		{"电话１３８００１３８０００", "13800138000", "电话***"},
		{"138****8000 来电", "13800138000", "*** 来电"},
		{"138****8000 来电", "138 0013 8000", "*** 来电"},
		{"另有 13900139000", "13800138000", "另有 13900139000"}, // someone else's number stays (and is refused by the board)
		{"座机 0833-2123456", "08332123456", "座机 ***"},
		{"座机 2123456", "2123456", "座机 ***"}, // an old bare local number, matched by its digits
		{"电话 13800138000", "", "电话 13800138000"},
		{"电话 13800138000", "12345", "电话 13800138000"},
	} {
		if got := pii.ScrubPhone(c.in, c.phone, "***"); got != c.want {
			t.Errorf("ScrubPhone(%q, %q) = %q, want %q", c.in, c.phone, got, c.want)
		}
	}
}

func TestFindOnALongRunOfShortGroupsIsQuick(t *testing.T) {
	s := ""
	for range 20000 {
		s += "1 "
	}
	if got := pii.Find(s); len(got) != 0 {
		t.Fatalf("found %d numbers in a run of ones", len(got))
	}
}
