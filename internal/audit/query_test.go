package audit

import (
	"reflect"
	"testing"
)

func TestChangesListsTheFieldsThatDiffer(t *testing.T) {
	cases := []struct {
		name          string
		before, after string
		want          []Change
	}{
		{"nothing recorded", "", "", nil},
		{"creation lists every field", "", `{"code":"A1","name":"城东区","sort":3}`,
			[]Change{{"code", "", "A1"}, {"name", "", "城东区"}, {"sort", "", "3"}}},
		{"deletion lists every field", `{"code":"A1","active":true}`, "",
			[]Change{{"code", "A1", ""}, {"active", "true", ""}}},
		{"update lists only changed fields in document order", `{"name":"旧","sort":1,"active":true}`, `{"name":"新","sort":1,"active":false}`,
			[]Change{{"name", "旧", "新"}, {"active", "true", "false"}}},
		{"same values give no changes", `{"a":1,"b":"x"}`, `{"b":"x","a":1}`, nil},
		{"field added and field removed", `{"a":1,"gone":"x"}`, `{"a":1,"new":"y"}`,
			[]Change{{"new", "", "y"}, {"gone", "x", ""}}},
		{"nested objects are compared by field", `{"password":{"min_length":8,"min_classes":3}}`, `{"password":{"min_length":12,"min_classes":3}}`,
			[]Change{{"password.min_length", "8", "12"}}},
		{"arrays compare as a whole", `{"roles":["a","b"]}`, `{"roles":["a","c"]}`,
			[]Change{{"roles", `["a","b"]`, `["a","c"]`}}},
		{"null and absent are the same", `{"lat":null}`, `{}`, nil},
		{"null to a value", `{"lat":null}`, `{"lat":29.5}`, []Change{{"lat", "", "29.5"}}},
		{"a value that is not an object", `"on"`, `"off"`, []Change{{"value", "on", "off"}}},
		{"whitespace does not count", `{"a": [1, 2]}`, `{"a":[1,2]}`, nil},
		{"text that is not JSON is shown as it is", `not json`, `{"a":1}`, []Change{{"a", "", "1"}, {"value", "not json", ""}}},
		{"empty nested object", `{"x":{}}`, `{"x":{"y":1}}`, []Change{{"x.y", "", "1"}, {"x", "{}", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Entry{Before: c.before, After: c.after}.Changes()
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestFilterPagingDefaultsAndLimits(t *testing.T) {
	cases := []struct {
		in                      Filter
		limit, offset, page, sz int
	}{
		{Filter{}, 50, 0, 1, 50},
		{Filter{Page: 3, Size: 20}, 20, 40, 3, 20},
		{Filter{Page: -1, Size: 10000}, 500, 0, 1, 500},
		{Filter{Page: 7, Size: AllRows}, 100000, 0, 1, AllRows},
	}
	for _, c := range cases {
		f := c.in
		limit, offset := f.normalise()
		if limit != c.limit || offset != c.offset || f.Page != c.page || f.Size != c.sz {
			t.Errorf("%+v: limit %d offset %d page %d size %d", c.in, limit, offset, f.Page, f.Size)
		}
	}
}
