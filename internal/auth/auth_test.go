package auth

import (
	"testing"

	"github.com/wenming-city/wenming/internal/errs"
)

func TestScopeWhereAndContainsAgree(t *testing.T) {
	cases := []struct {
		name              string
		s                 Scope
		region, unit      string
		owner             int64
		want              bool
		wantSQLHasNoMatch bool
	}{
		{"all sees everything", Scope{All: true}, "/9/", "/9/", 0, true, false},
		{"region subtree sees below", Scope{RegionPaths: []string{"/1/2/"}}, "/1/2/5/", "", 0, true, false},
		{"region subtree does not see sibling", Scope{RegionPaths: []string{"/1/2/"}}, "/1/3/", "", 0, false, false},
		{"region subtree does not see a prefix-number sibling", Scope{RegionPaths: []string{"/1/2/"}}, "/1/22/", "", 0, false, false},
		{"unit subtree sees child unit", Scope{UnitPaths: []string{"/4/"}}, "", "/4/8/", 0, true, false},
		{"unit only sees itself", Scope{UnitExact: []string{"/4/"}}, "", "/4/", 0, true, false},
		{"unit only does not see child", Scope{UnitExact: []string{"/4/"}}, "", "/4/8/", 0, false, false},
		{"self sees own row", Scope{UserID: 7}, "", "", 7, true, false},
		{"self does not see another's row", Scope{UserID: 7}, "", "", 8, false, false},
		{"empty scope sees nothing", Scope{}, "/1/", "/1/", 1, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Contains(c.region, c.unit, c.owner); got != c.want {
				t.Fatalf("Contains = %v, want %v", got, c.want)
			}
			sql, _ := c.s.Where("r", "u", "o")
			if c.wantSQLHasNoMatch && sql != "1=0" {
				t.Fatalf("Where = %q, want 1=0", sql)
			}
		})
	}
}

func TestRequireRefusesAnonymousAndMissingPermission(t *testing.T) {
	if err := Require(nil, PermOrgView); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("anonymous: %v", err)
	}
	p := &Principal{Perms: map[Perm]bool{PermOrgView: true}}
	if err := Require(p, PermOrgManage); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("missing perm: %v", err)
	}
	if err := Require(p, PermOrgView); err != nil {
		t.Fatalf("held perm: %v", err)
	}
}
