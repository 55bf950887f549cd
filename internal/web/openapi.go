package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The OpenAPI 3 document is generated from the registered API routes, so it
// cannot drift from them; a test checks every route is documented with a
// summary and that path parameters match the pattern.

func Str() map[string]any      { return map[string]any{"type": "string"} }
func Integer() map[string]any  { return map[string]any{"type": "integer", "format": "int64"} }
func Boolean() map[string]any  { return map[string]any{"type": "boolean"} }
func Number() map[string]any   { return map[string]any{"type": "number"} }
func DateTime() map[string]any { return map[string]any{"type": "string", "format": "date-time"} }
func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
func Arr(items map[string]any) map[string]any { return map[string]any{"type": "array", "items": items} }

// obj is an object schema with properties and required names.
func Obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// listOf is the schema of a paged list of items.
func ListOf(item map[string]any) map[string]any {
	return Obj(map[string]any{"items": Arr(item), "total": Integer(), "page": Integer(), "size": Integer()})
}

// pagingParams are the query parameters every list accepts.
var PagingParams = []Param{
	{Name: "page", In: "query", Type: "integer", Description: "page number, from 1"},
	{Name: "size", In: "query", Type: "integer", Description: "rows per page (default 50, at most 500)"},
	{Name: "q", In: "query", Type: "string", Description: "keyword"},
}

var pathParamRe = regexp.MustCompile(`\{([a-zA-Z_]+)\.*\}`)

// schemas are the shared components.
var schemas = map[string]any{
	"Error": Obj(map[string]any{"error": Obj(map[string]any{
		"code":    map[string]any{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "too_many", "too_large", "internal"}},
		"message": Str(), "fields": map[string]any{"type": "object", "additionalProperties": Str()},
	}, "code", "message")}),
	"Me": Obj(map[string]any{"id": Integer(), "username": Str(), "display_name": Str(), "unit_id": Integer(), "unit_name": Str(),
		"region_id": Integer(), "region_name": Str(), "roles": Arr(Str()), "permissions": Arr(Str()), "lang": Str(),
		"scope": Obj(map[string]any{"kind": Str(), "all": Boolean(), "region_paths": Arr(Str()), "unit_paths": Arr(Str()), "unit_only_paths": Arr(Str())})}),
}

// OpenAPI builds the document.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		if !rt.API {
			continue
		}
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{"summary": rt.Doc.Summary, "operationId": opID(rt.Method, rt.Path)}
		if rt.Doc.Tag != "" {
			op["tags"] = []string{rt.Doc.Tag}
		}
		var params []any
		for _, m := range pathParamRe.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": Str()})
		}
		for _, p := range rt.Doc.Params {
			t := p.Type
			if t == "" {
				t = "string"
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required, "description": p.Description, "schema": map[string]any{"type": t}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Doc.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": rt.Doc.Body}}}
		}
		status := rt.Doc.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Doc.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": rt.Doc.Response}}
		}
		errResp := func(desc string) map[string]any {
			return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		responses := map[string]any{strconv.Itoa(status): ok, "default": errResp("error")}
		if rt.Access == staff {
			responses["401"] = errResp("not authenticated")
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		if rt.Doc.Body != nil || rt.Method == http.MethodPost || rt.Method == http.MethodPut {
			responses["413"] = errResp("the body is over its limit (1 MiB of JSON; uploads as documented)")
		}
		for code, desc := range rt.Doc.Extra {
			responses[strconv.Itoa(code)] = errResp(desc)
		}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "wenming API", "version": s.Config.Version,
			"description": "JSON API of wenming. Errors always have the shape {\"error\":{\"code\",\"message\"}}; messages follow Accept-Language (zh-CN default, en)."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func opID(method, path string) string {
	p := strings.NewReplacer("/api/v1/", "", "/", "_", "{", "", "}", "", ".", "_").Replace(path)
	return strings.ToLower(method) + "_" + p
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	WriteJSON(w, http.StatusOK, s.OpenAPI())
	return nil
}
