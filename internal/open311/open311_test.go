package open311

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

func TestStatusMapsEveryStateToOpenOrClosed(t *testing.T) {
	want := map[workorder.State]string{
		workorder.StateSubmitted: "open", workorder.StateAccepted: "open", workorder.StateDispatched: "open",
		workorder.StateAcknowledged: "open", workorder.StateReturned: "open", workorder.StateExtensionRequested: "open",
		workorder.StateReopened: "open",
		workorder.StateResolved: "closed", workorder.StateVerified: "closed", workorder.StateCallbackDone: "closed",
		workorder.StateClosed: "closed", workorder.StateAnsweredAtIntake: "closed", workorder.StateRejected: "closed",
		workorder.StateMerged: "closed",
	}
	for _, st := range workorder.States {
		w, ok := want[st]
		if !ok {
			t.Fatalf("state %s has no Open311 status in this test", st)
		}
		if got := Status(st); got != w {
			t.Errorf("%s → %s, want %s", st, got, w)
		}
	}
	if n := len(StatesOf("open")) + len(StatesOf("closed")); n != len(workorder.States) {
		t.Fatalf("StatesOf covers %d of %d states", n, len(workorder.States))
	}
}

func TestEncodeGivesTheSameDocumentInXMLAndJSON(t *testing.T) {
	lat := 29.5
	doc := List{Item: "request", Items: []any{
		Obj{{"id", "A<&>\"'"}, {"n", Int(3)}, {"ok", true}, {"lat", Float(&lat)}, {"none", nil}, {"long", Float(nil)},
			{"values", List{Item: "value", Items: []any{Obj{{"key", "k"}}}}}, {"empty", List{Item: "x"}}},
	}}
	x, err := Encode(XML, "service_requests", doc)
	if err != nil {
		t.Fatal(err)
	}
	wantXML := `<?xml version="1.0" encoding="UTF-8"?>
<service_requests>
  <request>
    <id>A&lt;&amp;&gt;&#34;&#39;</id>
    <n>3</n>
    <ok>true</ok>
    <lat>29.5</lat>
    <none></none>
    <long></long>
    <values>
      <value>
        <key>k</key>
      </value>
    </values>
    <empty></empty>
  </request>
</service_requests>
`
	if string(x) != wantXML {
		t.Errorf("XML:\n%s\nwant\n%s", x, wantXML)
	}
	j, err := Encode(JSON, "service_requests", doc)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `[{"id":"A<&>\"'","n":3,"ok":true,"lat":29.5,"none":null,"long":null,"values":[{"key":"k"}],"empty":[]}]` + "\n"
	if string(j) != wantJSON {
		t.Errorf("JSON:\n%s\nwant\n%s", j, wantJSON)
	}
	if XML.ContentType() != "text/xml" || JSON.ContentType() != "application/json" {
		t.Fatal("content types")
	}
}

func TestSplitFormat(t *testing.T) {
	cases := []struct {
		in, name string
		f        Format
		ok       bool
	}{
		{"MANHOLE.xml", "MANHOLE", XML, true},
		{"MANHOLE.json", "MANHOLE", JSON, true},
		{"A.B.json", "A.B", JSON, true},
		{"MANHOLE.csv", "MANHOLE", XML, false},
		{"MANHOLE", "MANHOLE", XML, false},
	}
	for _, c := range cases {
		name, f, ok := SplitFormat(c.in)
		if name != c.name || f != c.f || ok != c.ok {
			t.Errorf("%s → %s %s %v", c.in, name, f, ok)
		}
	}
}

func TestAttributesReadsSingleAndMultiValueParameters(t *testing.T) {
	got := Attributes(url.Values{"attribute[a]": {"1"}, "attribute[b][]": {"x", "y"}, "attribute[b]": {"z"},
		"attributes[c]": {"no"}, "attribute[d": {"no"}, "description": {"no"}})
	want := workorder.Answers{"a": {"1"}, "b": {"x", "y", "z"}}
	if len(got["b"]) != 3 || !reflect.DeepEqual(got["a"], want["a"]) || len(got) != 2 {
		t.Fatalf("%v", got)
	}
}

func TestPersonNamePutsAChineseFamilyNameFirst(t *testing.T) {
	for _, c := range [][3]string{{"建华", "张", "张建华"}, {"Mei", "Li", "Mei Li"}, {"", "王", "王"}, {" Ann ", "", "Ann"}, {"", "", ""}} {
		if got := personName(c[0], c[1]); got != c[2] {
			t.Errorf("%q %q → %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func TestParseQuery(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, workorder.Zone)
	q, err := ParseQuery(url.Values{}, now)
	if err != nil || !q.End.Equal(now) || !q.Start.Equal(now.AddDate(0, 0, -90)) || q.PageSize != 1000 || q.Page != 1 || q.Extensions {
		t.Fatalf("defaults: %+v %v", q, err)
	}
	q, err = ParseQuery(url.Values{"start_date": {"2026-10-01T00:00:00+08:00"}}, now)
	if err != nil || !q.End.Equal(q.Start.AddDate(0, 0, 90)) {
		t.Fatalf("start only: %+v %v", q, err)
	}
	q, err = ParseQuery(url.Values{"service_code": {"X,Y", "Y"}, "status": {"open,closed"},
		"extensions": {"true"}, "page": {"3"}, "page_size": {"50"}}, now)
	if err != nil || !reflect.DeepEqual(q.Services, []string{"X", "Y"}) || len(q.Status) != 2 ||
		!q.Extensions || q.Page != 3 || q.PageSize != 50 {
		t.Fatalf("lists: %+v %v", q, err)
	}
	q, err = ParseQuery(url.Values{"service_request_id": {"A, B", "C,A"}}, now)
	if err != nil || !reflect.DeepEqual(q.IDs, []string{"A", "B", "C"}) {
		t.Fatalf("ids: %+v %v", q, err)
	}
	bad := []struct {
		vals  url.Values
		field string
	}{
		{url.Values{"start_date": {"2026-11-01"}}, "start_date"},
		{url.Values{"end_date": {"2026-11-01T00:00:00"}}, "end_date"},
		{url.Values{"updated_after": {"yesterday"}}, "updated_after"},
		{url.Values{"updated_before": {"1"}}, "updated_before"},
		{url.Values{"start_date": {"2026-01-01T00:00:00Z"}, "end_date": {"2026-04-02T00:00:00Z"}}, "end_date"},
		{url.Values{"start_date": {"2026-02-01T00:00:00Z"}, "end_date": {"2026-01-01T00:00:00Z"}}, "end_date"},
		{url.Values{"status": {"open,pending"}}, "status"},
		{url.Values{"page": {"0"}}, "page"},
		{url.Values{"page_size": {"1001"}}, "page_size"},
		{url.Values{"page_size": {"ten"}}, "page_size"},
		{url.Values{"extensions": {"yes"}}, "extensions"},
		{url.Values{"service_request_id": {manyIDs(1001)}}, "service_request_id"},
	}
	for _, c := range bad {
		_, err := ParseQuery(c.vals, now)
		if e := errs.As(err); e == nil || e.Fields[c.field].Key == "" {
			t.Errorf("%v: %v, want a message on %s", c.vals, err, c.field)
		}
	}
	// The ids override every other argument, even a bad one.
	q, err = ParseQuery(url.Values{"service_request_id": {"A"}, "status": {"pending"}, "start_date": {"x"}, "extensions": {"true"}}, now)
	if err != nil || len(q.IDs) != 1 || len(q.Status) != 0 || !q.Start.IsZero() || !q.Extensions {
		t.Fatalf("ids override: %+v %v", q, err)
	}
	// Exactly 90 days is allowed.
	if _, err := ParseQuery(url.Values{"start_date": {"2026-01-01T00:00:00Z"}, "end_date": {"2026-04-01T00:00:00Z"}}, now); err != nil {
		t.Fatalf("90 days: %v", err)
	}
}

func TestProblemOfGivesTheStandardsStatusesAndOneItemPerField(t *testing.T) {
	var f errs.Fields
	f.Add("lat", "field.bad_number")
	f.Add("attribute[kind]", "field.required")
	cases := []struct {
		err    error
		status int
		items  int
	}{
		{errs.E(errs.NotFound, "open311.err.service", "X"), 404, 1},
		{errBadKey, 403, 1},
		{f.Err(), 400, 2},
		{errs.E(errs.TooMany, "pub.err.too_many_reports", 20, 60), 400, 1},
		{errs.E(errs.Conflict, "err.duplicate"), 400, 1},
		{errs.E(errs.Internal, "err.internal"), 500, 1},
		{errFake{}, 500, 1},
	}
	for _, c := range cases {
		p := ProblemOf(c.err, i18n.ZH)
		if p.Status != c.status || len(p.Items) != c.items || p.Items[0].Code != c.status || p.Items[0].Description == "" {
			t.Errorf("%v → %+v", c.err, p)
		}
	}
	p := ProblemOf(f.Err(), i18n.EN)
	if p.Items[0].Description != "attribute[kind]: Required." || !strings.HasPrefix(p.Items[1].Description, "lat: ") {
		t.Fatalf("fields: %+v", p.Items)
	}
}

func manyIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "ID" + strconv.Itoa(i)
	}
	return strings.Join(ids, ",")
}

type errFake struct{}

func (errFake) Error() string { return "disk on fire" }
