package account

import (
	"testing"

	"github.com/wenming-city/wenming/internal/errs"
)

func TestPasswordHashRoundTripAndRejectsWrongPassword(t *testing.T) {
	h := HashPassword("wenming-demo")
	if !CheckPassword(h, "wenming-demo") {
		t.Fatal("right password refused")
	}
	if CheckPassword(h, "wenming-dem0") {
		t.Fatal("wrong password accepted")
	}
	if CheckPassword("garbage", "x") {
		t.Fatal("garbage hash accepted")
	}
	if HashPassword("a") == HashPassword("a") {
		t.Fatal("hashes must be salted")
	}
}

func TestPasswordPolicyRules(t *testing.T) {
	pp := PasswordPolicy{MinLength: 8, MinClasses: 2}
	cases := []struct {
		pw, user, wantKey string
	}{
		{"", "", "field.required"},
		{"short1", "", "password.too_short"},
		{"abcdefghij", "", "password.too_simple"},
		{"wenming-demo", "", ""},
		{"Zhang2026san", "zhang", "password.contains_username"},
		{"正确的马电池钉书钉9", "", ""},
	}
	for _, c := range cases {
		var f errs.Fields
		pp.Check(&f, "pw", c.pw, c.user)
		e := errs.As(f.Err())
		got := ""
		if e != nil {
			got = e.Fields["pw"].Key
		}
		if got != c.wantKey {
			t.Errorf("%q: got %q want %q", c.pw, got, c.wantKey)
		}
	}
}
