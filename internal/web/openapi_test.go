package web_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	e := apptest.Start(t, db.SQLite)
	res := e.Anonymous(t).Get("/api/v1/openapi.json")
	if res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(res.Raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			var op struct {
				Summary    string                      `json:"summary"`
				Parameters []struct{ Name, In string } `json:"parameters"`
				Responses  map[string]json.RawMessage  `json:"responses"`
			}
			json.Unmarshal(raw, &op)
			if op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: no summary or responses", method, path)
			}
			for _, m := range regexp.MustCompile(`\{([a-zA-Z_]+)\}`).FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p struct{ Name, In string }) bool { return p.Name == m[1] && p.In == "path" }) {
					t.Errorf("%s %s: path parameter %s undocumented", method, path, m[1])
				}
			}
		}
	}
	slices.Sort(documented)
	if routes := e.App.Web.APIRoutes(); !slices.Equal(routes, documented) {
		t.Fatalf("routes and document differ:\nroutes %v\ndoc    %v", routes, documented)
	}
	for _, want := range []string{"POST /api/v1/auth/login", "GET /api/v1/me"} {
		if !slices.Contains(documented, want) {
			t.Errorf("%s not documented", want)
		}
	}
}
