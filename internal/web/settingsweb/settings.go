package settingsweb

import (
	"encoding/json"
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
)

// settingsRoutes registers the settings page (security policy and map tile
// server) and its API.
func (s *Server) settingsRoutes() {
	s.Page("GET /settings", s.settingsPage)
	s.Page("POST /settings", s.settingsSubmit)

	props := map[string]any{}
	for _, ps := range account.PolicySettings {
		props[ps.Key] = map[string]any{"type": "integer", "minimum": ps.Min, "maximum": ps.Max}
	}
	settings := web.Obj(props)
	s.API("GET /api/v1/settings", web.APIDoc{
		Summary: "The security policy: password rules, login protection, session and token lifetimes (needs settings.manage)", Tag: "settings",
		Response: settings, Extra: map[int]string{403: "the role lacks settings.manage"},
	}, s.apiSettings)
	s.API("PUT /api/v1/settings", web.APIDoc{
		Summary: "Change some or all security settings; bad values are refused field by field and nothing is stored (needs settings.manage)", Tag: "settings",
		Body: settings, Response: settings,
		Extra: map[int]string{400: "a value is out of range or not an integer", 403: "the role lacks settings.manage"},
	}, s.apiSettingsPut)
}

// mapRoutes registers the tile server setting's form and API (the form is
// on the settings page).
func (s *Server) mapRoutes() {
	s.Page("POST /settings/map", s.tileSettingSubmit)
	body := web.Obj(map[string]any{"tile_url": map[string]any{"type": "string",
		"description": `"" for no tiles, or an http(s) URL template with {z}, {x} and {y}, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png`}})
	s.API("GET /api/v1/settings/map", web.APIDoc{
		Summary: "The optional map tile server (needs settings.manage)", Tag: "settings",
		Response: body, Extra: map[int]string{403: "the role lacks settings.manage"},
	}, s.apiTileSetting)
	s.API("PUT /api/v1/settings/map", web.APIDoc{
		Summary: "Set or (with \"\") remove the map tile server; a bad template is refused and nothing is stored (needs settings.manage)", Tag: "settings",
		Body: body, Response: body,
		Extra: map[int]string{400: "not an http(s) URL template with {z}, {x} and {y}", 403: "the role lacks settings.manage"},
	}, s.apiTileSettingPut)
}

func (s *Server) tileSettingSubmit(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.accounts.SaveTileURL(r.Context(), p, r.PostForm.Get(account.TileURLKey), s.TilesChanged); err != nil {
		return s.settingsFailed(w, r, err)
	}
	return s.Redirect(w, r, "/settings", "flash.saved")
}

type tileSettingJSON struct {
	TileURL *string `json:"tile_url"`
}

func (s *Server) apiTileSetting(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	tmpl, err := s.accounts.CurrentTileURL(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, tileSettingJSON{TileURL: &tmpl})
	return nil
}

func (s *Server) apiTileSettingPut(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	var in tileSettingJSON
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if in.TileURL == nil {
		var f errs.Fields
		f.Add(account.TileURLKey, "field.required")
		return f.Err()
	}
	tmpl, err := s.accounts.SaveTileURL(r.Context(), p, *in.TileURL, s.TilesChanged)
	if err != nil {
		if e := errs.As(err); e != nil {
			if fe, ok := e.Fields[account.TileURLKey]; ok { // the body's name for it
				e.Fields["tile_url"] = fe
				delete(e.Fields, account.TileURLKey)
			}
		}
		return err
	}
	web.WriteJSON(w, http.StatusOK, tileSettingJSON{TileURL: &tmpl})
	return nil
}

// settingRow is one setting on the settings page.
type settingRow struct {
	Key, Label, Hint, Group string
	Min, Max                int
}

// settingGroup is a fieldset of the settings page (password, login …).
type settingGroup struct {
	Legend string
	Rows   []settingRow
}

func (s *Server) settingsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "settings.title")
	pol, err := s.accounts.CurrentPolicy(r.Context())
	if err != nil {
		return nil, err
	}
	var groups []settingGroup
	for _, ps := range account.PolicySettings {
		g, _, _ := strings.Cut(ps.Key, ".")
		if len(groups) == 0 || groups[len(groups)-1].Rows[0].Group != g {
			groups = append(groups, settingGroup{Legend: v.T("settings.group." + g)})
		}
		last := &groups[len(groups)-1]
		last.Rows = append(last.Rows, settingRow{Key: ps.Key, Group: g, Label: v.T("setting." + ps.Key),
			Hint: v.T("settings.range", ps.Min, ps.Max), Min: ps.Min, Max: ps.Max})
		v.Form.Set(ps.Key, strconv.Itoa(ps.Value(pol)))
	}
	v.Data = groups
	tiles, err := s.accounts.CurrentTileURL(r.Context())
	v.Form.Set(account.TileURLKey, tiles)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	return s.Show(w, r, "settings", func() (*web.View, error) { return s.settingsView(w, r) })
}

func (s *Server) settingsSubmit(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := map[string]string{}
	for _, ps := range account.PolicySettings {
		if vals, ok := r.PostForm[ps.Key]; ok && len(vals) > 0 {
			in[ps.Key] = strings.TrimSpace(vals[0])
		}
	}
	if _, err := s.accounts.SavePolicy(r.Context(), p, in); err != nil {
		return s.settingsFailed(w, r, err)
	}
	return s.Redirect(w, r, "/settings", "flash.saved")
}

// settingsFailed shows the settings page again with the refused form's
// errors; the page's other forms keep their current values.
func (s *Server) settingsFailed(w http.ResponseWriter, r *http.Request, err error) error {
	v, verr := s.settingsView(w, r)
	if verr != nil {
		return verr
	}
	web.KeepOthers(r, v)
	return s.FormFailed(w, r, "settings", v, err)
}

func (s *Server) apiSettings(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermSettingsManage); err != nil {
		return err
	}
	pol, err := s.accounts.CurrentPolicy(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, account.PolicyValues(pol))
	return nil
}

func (s *Server) apiSettingsPut(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	var f errs.Fields
	in := map[string]string{}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(account.PolicySettings, func(ps account.PolicySetting) bool { return ps.Key == k }) {
			f.Add(k, "settings.unknown")
			continue
		}
		var n int64
		if err := json.Unmarshal(body[k], &n); err != nil {
			f.Add(k, "field.bad_number")
			continue
		}
		in[k] = strconv.FormatInt(n, 10)
	}
	if err := f.Err(); err != nil {
		return err
	}
	pol, err := s.accounts.SavePolicy(r.Context(), p, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, account.PolicyValues(pol))
	return nil
}
