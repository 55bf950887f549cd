package refcache

import (
	"errors"
	"testing"
)

func TestValueLoadsOnceUntilInvalidatedAndNeverKeepsAnOverlappingLoad(t *testing.T) {
	var c Value[int]
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	if v, _ := c.Get(load); v != 1 {
		t.Fatalf("first get: %d", v)
	}
	if v, _ := c.Get(load); v != 1 || loads != 1 {
		t.Fatalf("cached get: %d after %d loads", v, loads)
	}
	c.Invalidate()
	if v, _ := c.Get(load); v != 2 {
		t.Fatalf("after invalidate: %d", v)
	}
	// A load during which the data changed is used once, not kept.
	c.Invalidate()
	v, _ := c.Get(func() (int, error) { c.Invalidate(); return 99, nil })
	if v != 99 {
		t.Fatalf("overlapping load returned %d", v)
	}
	if v, _ := c.Get(load); v != 3 {
		t.Fatalf("the overlapping load was kept: %d", v)
	}
	if _, err := c.Get(func() (int, error) { return 0, errors.New("down") }); err != nil {
		t.Fatalf("a kept copy must not be reloaded: %v", err)
	}
}

func TestKeyedKeepsACopyPerKeyAndDropsAllTogether(t *testing.T) {
	var c Keyed[string]
	loads := map[string]int{}
	get := func(k string) string {
		v, err := c.Get(k, func() (string, error) { loads[k]++; return k + "!", nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get("a") != "a!" || get("b") != "b!" || get("a") != "a!" || loads["a"] != 1 || loads["b"] != 1 {
		t.Fatalf("loads %v", loads)
	}
	c.Invalidate()
	get("a")
	get("b")
	if loads["a"] != 2 || loads["b"] != 2 {
		t.Fatalf("after invalidate, loads %v", loads)
	}
	if _, err := c.Get("c", func() (string, error) { return "", errors.New("down") }); err == nil {
		t.Fatal("a failed load gave no error")
	}
	if get("c") != "c!" {
		t.Fatal("a failed load was kept")
	}
}
