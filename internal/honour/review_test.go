package honour

import (
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
)

func TestReviewDue(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, clock.CST)
	for _, c := range []struct {
		name              string
		awarded, expires  string
		yearly            bool
		wantKind, wantDue string
	}{
		{"for good: never", "2020-01-01", "", true, "", ""},
		{"term ends in 90 days", "2024-02-27", "2027-02-27", true, ReviewTerm, "2027-02-27"},
		{"term ends in 91 days, no anniversary near", "2024-02-28", "2027-02-28", true, "", ""},
		{"term already over: still asks", "2023-06-30", "2026-06-30", true, ReviewTerm, "2026-06-30"},
		{"anniversary in 30 days", "2025-12-29", "2028-12-29", true, ReviewYearly, "2026-12-29"},
		{"anniversary today", "2024-11-29", "2027-11-29", true, ReviewYearly, "2026-11-29"},
		{"anniversary in 31 days", "2025-12-30", "2028-12-30", true, "", ""},
		{"anniversary yesterday: next one a year off", "2025-11-28", "2028-11-28", true, "", ""},
		{"no yearly check", "2025-12-29", "2028-12-29", false, "", ""},
	} {
		kind, due, ok := ReviewDue(c.awarded, c.expires, c.yearly, now)
		if kind != c.wantKind || due != c.wantDue || ok != (c.wantKind != "") {
			t.Errorf("%s: %q %q %v, want %q %q", c.name, kind, due, ok, c.wantKind, c.wantDue)
		}
	}
}

func TestPublicName(t *testing.T) {
	for _, c := range []struct{ kind, name, publish, want string }{
		{"good_people", "王秀英", "full", "王秀英"},
		{"good_people", "王秀英", "surname", "王**"},
		{"model_individual", "李立", "surname", "李*"},
		{"civilised_family", "刘洋家庭", "surname", "刘洋家庭"}, // a family or unit keeps its name
		{"civilised_unit", "乐山供电公司", "surname", "乐山供电公司"},
	} {
		n := Nomination{Kind: c.kind, Nominee: c.name, PublishName: c.publish}
		if got := n.PublicName(); got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.kind, c.name, c.publish, got, c.want)
		}
	}
}
