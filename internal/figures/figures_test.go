package figures

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
)

func TestRateWithoutDenominatorHasNoValue(t *testing.T) {
	r := Of(0, 0)
	if _, ok := r.Value(); ok {
		t.Fatal("value with denominator 0")
	}
	if r.Ptr() != nil || r.Cell() != nil {
		t.Fatal("Ptr or Cell not nil")
	}
	if got := r.Percent("—"); got != "—" {
		t.Fatalf("Percent = %q", got)
	}
	b, _ := json.Marshal(r)
	if string(b) != `{"numerator":0,"denominator":0,"value":null}` {
		t.Fatalf("JSON = %s", b)
	}
}

func TestRateFormatsPercentFractionAndJSON(t *testing.T) {
	r := Of(197, 200)
	if got := r.Percent("—"); got != "98.5%" {
		t.Fatalf("Percent = %q", got)
	}
	if got := r.Fraction(); got != "197 ÷ 200" {
		t.Fatalf("Fraction = %q", got)
	}
	if v, ok := r.Cell().(float64); !ok || v != 0.985 {
		t.Fatalf("Cell = %v", r.Cell())
	}
	b, _ := json.Marshal(r)
	if string(b) != `{"numerator":197,"denominator":200,"value":0.985}` {
		t.Fatalf("JSON = %s", b)
	}
	var back Rate
	if err := json.Unmarshal(b, &back); err != nil || back != r {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
	if got := Of(1, 3).Add(Of(2, 3)); got != Of(3, 6) {
		t.Fatalf("Add = %+v", got)
	}
}

func TestRegistryListsFiguresAndRefusesDuplicates(t *testing.T) {
	before := len(All())
	f := Figure{ID: "test.count", LabelKey: "l", DefKey: "d",
		Compute: func(context.Context, *auth.Principal, Scope) (Value, error) { return Value{Count: 7}, nil }}
	Register(f)
	got, ok := Get("test.count")
	if !ok || len(All()) != before+1 {
		t.Fatal("figure not registered")
	}
	if v, err := got.Compute(context.Background(), nil, Scope{From: "2026-01-01", To: "2026-03-31"}); err != nil || v.Count != 7 {
		t.Fatalf("Compute = %+v, %v", v, err)
	}
	mustPanic := func(name string, fn func()) {
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		fn()
	}
	mustPanic("id taken", func() { Register(f) })
	mustPanic("no compute", func() { Register(Figure{ID: "test.x", LabelKey: "l", DefKey: "d"}) })
	if _, ok := Get("missing"); ok {
		t.Fatal("Get found a missing figure")
	}
}
