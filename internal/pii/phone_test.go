package pii_test

import (
	"testing"

	"github.com/wenming-city/wenming/internal/pii"
)

func TestNormalisePhoneGivesOneCanonicalFormForEveryWrittenForm(t *testing.T) {
	for in, want := range map[string]string{
		"13800138000":       "13800138000",
		" 13800138000 ":     "13800138000",
		"138 0013 8000":     "13800138000",
		"138-0013-8000":     "13800138000",
		"+86 138 0013 8000": "13800138000",
		"+8613800138000":    "13800138000",
		"8613800138000":     "13800138000",
		"0086 13800138000":  "13800138000",
		"１３８００１３８０００":       "13800138000",
		"＋８６ １３８ ００１３ ８０００": "13800138000",
		"19912345678":        "19912345678",
		"0833-2123456":       "08332123456",
		"08332123456":        "08332123456",
		"083-32123456":       "08332123456", // an old form with the dash misplaced is the same number
		"(0833) 2123456":     "08332123456",
		"（0833）2123456":      "08332123456",
		"010-12345678":       "01012345678",
		"020 8765 4321":      "02087654321",
		"0755-86013388":      "075586013388",
		"+86 833 2123456":    "08332123456", // international form: the area code without its 0
		"+86 10 12345678":    "01012345678",
		"+86 (0)833 2123456": "08332123456",
	} {
		got, ok := pii.NormalisePhone(in)
		if !ok || got != want {
			t.Errorf("NormalisePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if !pii.ValidPhone(in) {
			t.Errorf("ValidPhone(%q) = false", in)
		}
	}
}

func TestNormalisePhoneRefusesWhatIsNotAChinesePhoneNumber(t *testing.T) {
	for _, in := range []string{
		"", "   ", "12345", "1380013800", "138001380001", // too short, too long
		"12800138000", "10086123456", // 12x and 10x are not mobile prefixes
		"2123456", "12345678", // a local number without its area code
		"010-1234567",       // Beijing numbers have eight digits
		"0833-212345",       // six-digit local number
		"0833-21234567890",  // too long
		"0833-0123456",      // local numbers do not start with 0 or 1
		"0113-2123456",      // 010 is the only area code beginning 01
		"0033-2123456",      // 00 is the international prefix
		"+1 650 253 0000",   // another country
		"+852 2123 4567",    // Hong Kong is another numbering plan
		"138****8000",       // a masked number
		"138-0013-8000 转 8", // text around it
		"1380013800O",       // letter O
		"0833-2123456-801",  // an extension
		"+",
	} {
		if got, ok := pii.NormalisePhone(in); ok {
			t.Errorf("NormalisePhone(%q) = %q, accepted", in, got)
		}
	}
}

func TestMaskPhoneKeepsFirstThreeAndLastFourDigits(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"138 1234 5678", "138****5678"},
		{"+8613812345678", "138****5678"},
		{"0833-2123456", "083****3456"},
		{"075586013388", "075*****3388"},
		{"2123456", "***3456"}, // an old local number without area code: only the tail
		{"21234567", "****4567"},
		{"138****5678", "138****5678"},
		{"12345", "*****"},
		{"", ""},
		{"一二三四五六七八九十〇", "一二三****八九十〇"},
	}
	for _, c := range cases {
		if got := pii.MaskPhone(c.in); got != c.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
