package grassroots

// DispatchRule is a campaign's coverage rule, stored in the campaign's
// row: each village needs at least MinCounty county-level cadres and
// between MinSection and MaxSection section-level cadres.
type DispatchRule struct {
	MinCounty  int `json:"min_county"`
	MinSection int `json:"min_section"`
	MaxSection int `json:"max_section"`
}

// Ranks of cadres, as data.
var Ranks = []string{"county", "section", "staff"}

// VillageCount is how many cadres of each rank a village has.
type VillageCount struct {
	RegionID int64  `json:"region_id"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	County   int    `json:"county"`
	Section  int    `json:"section"`
	Staff    int    `json:"staff"`
}

// Breach is a village that breaks the rule, with the reasons (message
// keys: too_few_county, too_few_section, too_many_section).
type Breach struct {
	VillageCount
	Reasons []string `json:"reasons"`
}

// Check lists exactly the villages that break the rule, in their order.
func (r DispatchRule) Check(vs []VillageCount) []Breach {
	var out []Breach
	for _, v := range vs {
		var why []string
		if v.County < r.MinCounty {
			why = append(why, "too_few_county")
		}
		if v.Section < r.MinSection {
			why = append(why, "too_few_section")
		}
		if r.MaxSection > 0 && v.Section > r.MaxSection {
			why = append(why, "too_many_section")
		}
		if len(why) > 0 {
			out = append(out, Breach{v, why})
		}
	}
	return out
}

func (r DispatchRule) valid() bool {
	return r.MinCounty >= 0 && r.MinSection >= 0 && r.MaxSection >= r.MinSection && r.MaxSection <= 50 && r.MinCounty <= 50
}
