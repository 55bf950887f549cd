package figures_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/figures"
)

// TestMemoComputesOncePerNamePrincipalAndScope: within one memo a shared
// read runs once per name, principal and scope (its error kept too);
// without a memo every call computes.
func TestMemoComputesOncePerNamePrincipalAndScope(t *testing.T) {
	calls := 0
	fn := func() (int, error) { calls++; return calls, nil }
	p, q := &auth.Principal{UserID: 1}, &auth.Principal{UserID: 2}
	a, b := figures.Scope{From: "2026-01-01", To: "2026-03-31"}, figures.Scope{From: "2026-04-01", To: "2026-06-30"}
	ctx := figures.WithMemo(context.Background())
	for _, c := range []struct {
		name string
		p    *auth.Principal
		sc   figures.Scope
		want int
	}{{"v", p, a, 1}, {"v", p, a, 1}, {"v", p, b, 2}, {"v", q, a, 3}, {"w", p, a, 4}, {"v", p, b, 2}} {
		if got, err := figures.Memo(ctx, c.name, c.p, c.sc, fn); err != nil || got != c.want {
			t.Errorf("%s %d %v: %d, %v; want %d", c.name, c.p.UserID, c.sc, got, err, c.want)
		}
	}
	failing := func() (int, error) { calls++; return 0, errors.New("read failed") }
	for range 2 {
		if _, err := figures.Memo(ctx, "x", p, a, failing); err == nil {
			t.Error("the failed read's error is not returned")
		}
	}
	if calls != 5 {
		t.Errorf("%d computations, want 5", calls)
	}
	for i := range 2 {
		if got, _ := figures.Memo(context.Background(), "v", p, a, fn); got != 6+i {
			t.Errorf("without a memo: %d, want %d", got, 6+i)
		}
	}
}
