package grassroots

import (
	"reflect"
	"testing"
)

func TestDispatchRuleListsExactlyTheVillagesThatBreakIt(t *testing.T) {
	rule := DispatchRule{MinCounty: 1, MinSection: 2, MaxSection: 3}
	vs := []VillageCount{
		{RegionID: 1, County: 1, Section: 2},             // ok
		{RegionID: 2, County: 1, Section: 3},             // ok
		{RegionID: 3, County: 0, Section: 2},             // no county-level cadre
		{RegionID: 4, County: 2, Section: 1},             // one section-level
		{RegionID: 5, County: 1, Section: 4},             // four section-level
		{RegionID: 6, County: 0, Section: 0, Staff: 9},   // nobody who counts
		{RegionID: 7, County: 3, Section: 3, Staff: 100}, // staff do not count against the maximum
	}
	got := map[int64][]string{}
	for _, b := range rule.Check(vs) {
		got[b.RegionID] = b.Reasons
	}
	want := map[int64][]string{3: {"too_few_county"}, 4: {"too_few_section"}, 5: {"too_many_section"}, 6: {"too_few_county", "too_few_section"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if (DispatchRule{MinCounty: 1, MinSection: 3, MaxSection: 2}).valid() {
		t.Error("a maximum below the minimum is not a rule")
	}
}
