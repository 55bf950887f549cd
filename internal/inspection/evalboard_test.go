package inspection

import (
	"reflect"
	"testing"

	"github.com/wenming-city/wenming/internal/scoring"
)

func evalRow(id, parent int64, t EvalType, total scoring.Cents, rank int) EvalRow {
	return EvalRow{UnitID: id, ParentID: parent, UnitName: "u", Type: t, Total: total, Rank: rank, Complete: rank > 0}
}

func TestDistrictRollupAveragesRankedStreetsHalfUpAndRanksDistrictsWithSharedTies(t *testing.T) {
	rows := []EvalRow{
		evalRow(1, 0, EvalDistrict, 9000, 2),
		evalRow(2, 0, EvalDistrict, 9500, 1),
		evalRow(3, 0, EvalDistrict, 8000, 3),
		evalRow(4, 0, EvalDistrict, 0, 0),
		// District 1: 8001 and 8000 → mean 8000.5 → 8001 (half up); one unranked street left out.
		evalRow(11, 1, EvalStreet, 8001, 3),
		evalRow(12, 1, EvalStreet, 8000, 4),
		evalRow(13, 1, EvalStreet, 0, 0),
		// District 2: one street 8001 → ties with district 1.
		evalRow(21, 2, EvalStreet, 8001, 2),
		// District 3: 9000 and 7000 → 8000, ranked third.
		evalRow(31, 3, EvalStreet, 9000, 1),
		evalRow(32, 3, EvalStreet, 7000, 5),
		// A street whose parent is not a district, and a department, count nowhere.
		evalRow(41, 99, EvalStreet, 10000, 1),
		evalRow(51, 1, EvalDepartment, 10000, 1),
	}
	got := DistrictRollup(rows)
	want := []DistrictRow{
		{UnitID: 1, UnitName: "u", Streets: 2, Unranked: 1, Sum: 16001, Average: 8001, Best: 8001, Worst: 8000, Rank: 1, Own: 9000, OwnRank: 2},
		{UnitID: 2, UnitName: "u", Streets: 1, Sum: 8001, Average: 8001, Best: 8001, Worst: 8001, Rank: 1, Own: 9500, OwnRank: 1},
		{UnitID: 3, UnitName: "u", Streets: 2, Sum: 16000, Average: 8000, Best: 9000, Worst: 7000, Rank: 3, Own: 8000, OwnRank: 3},
		{UnitID: 4, UnitName: "u"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rollup\n got %+v\nwant %+v", got, want)
	}
}

func TestBoardNamesTheTopAndBottomWithoutSplittingTiesOrNamingAUnitTwice(t *testing.T) {
	ids := func(rows []EvalRow) []int64 {
		out := []int64{}
		for _, r := range rows {
			out = append(out, r.UnitID)
		}
		return out
	}
	// ranks of the street list, in order; unranked ones never appear.
	cases := []struct {
		name       string
		ranks      []int
		n          int
		red, black []int64
	}{
		{"plain", []int{1, 2, 3, 4, 5, 6, 7, 8}, 3, []int64{1, 2, 3}, []int64{8, 7, 6}},
		{"tie at the red edge", []int{1, 2, 3, 3, 5, 6, 7, 8}, 3, []int64{1, 2, 3, 4}, []int64{8, 7, 6}},
		{"tie at the black edge", []int{1, 2, 3, 4, 5, 6, 6, 8}, 3, []int64{1, 2, 3}, []int64{8, 7, 6}},
		{"tie across the black edge", []int{1, 2, 3, 4, 5, 5, 7, 8}, 3, []int64{1, 2, 3}, []int64{8, 7, 6, 5}},
		{"too few for both", []int{1, 2, 3, 4}, 3, []int64{1, 2, 3}, []int64{4}},
		{"all tied", []int{1, 1, 1}, 1, []int64{1, 2, 3}, []int64{}},
		{"unranked left out", []int{1, 0, 2, 0}, 1, []int64{1}, []int64{3}},
		{"none", []int{}, 3, []int64{}, []int64{}},
		{"size below one counts as one", []int{1, 2, 3}, 0, []int64{1}, []int64{3}},
	}
	for _, c := range cases {
		var rows []EvalRow
		for i, r := range c.ranks {
			rows = append(rows, evalRow(int64(i+1), 0, EvalStreet, scoring.Cents(10000-100*r), r))
		}
		rows = append(rows, evalRow(100, 0, EvalDepartment, 9000, 1))
		b := BoardOf(rows, c.n)
		if len(b) != len(EvalTypes) || b[1].Type != EvalStreet {
			t.Fatalf("%s: lists %+v", c.name, b)
		}
		if got := ids(b[1].Red); !reflect.DeepEqual(got, c.red) {
			t.Errorf("%s: red %v, want %v", c.name, got, c.red)
		}
		if got := ids(b[1].Black); !reflect.DeepEqual(got, c.black) {
			t.Errorf("%s: black %v, want %v", c.name, got, c.black)
		}
		if got := ids(b[2].Red); !reflect.DeepEqual(got, []int64{100}) || len(b[2].Black) != 0 || len(b[0].Red) != 0 {
			t.Errorf("%s: other lists %+v", c.name, b)
		}
	}
}
