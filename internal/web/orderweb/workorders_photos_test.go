package orderweb_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// woAcknowledged enters an order in 张公桥街道, dispatches it to ST-ZGQ and
// has handler_zgq acknowledge it.
func woAcknowledged(t *testing.T, e *apptest.Env, desc string) int64 {
	t.Helper()
	id := woIntake(t, e, e.Login(t, "operator"), "RUBBISH", desc, nil)
	if res := woStep(e.Login(t, "dispatcher"), id, "dispatch", url.Values{"unit_id": {idStr(e.ID(t, "units", "code", "ST-ZGQ"))}}); res.Status != http.StatusSeeOther {
		t.Fatalf("dispatch: %d %s", res.Status, res.Body)
	}
	if res := woStep(e.Login(t, "handler_zgq"), id, "acknowledge", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %s", res.Status, res.Body)
	}
	return id
}

// resolvePhotos counts the photos on an order's resolve steps.
func resolvePhotos(t *testing.T, e *apptest.Env, id int64) int64 {
	t.Helper()
	return e.Count(t, `SELECT COUNT(*) FROM workorder_attachments a JOIN workorder_events ev ON ev.id = a.event_id
		WHERE a.order_id = ? AND ev.action = 'resolve'`, id)
}

func TestOrderResolveWithAPhotoShowsItOnTheTimelineAndOnlyThePublicCopyOnTrack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woAcknowledged(t, e, "张公桥菜市场门口垃圾成堆")
		zgq := e.Login(t, "handler_zgq")
		page := zgq.Get("/orders/" + idStr(id))
		if !page.Contains(`id="step-resolve" enctype="multipart/form-data"`, `name="photos" type="file" accept="image/*" multiple`, "现场照片") {
			t.Fatalf("the resolve form takes no photos: %s", page.Body)
		}
		res := e.PostMultipart(t, zgq, fmt.Sprintf("/orders/%d/actions/resolve", id),
			url.Values{"csrf": {zgq.CSRF()}, "note": {"垃圾已清运，已安排每日保洁"}}, apptest.Upload{Name: "after.jpg", Data: apptest.SmallJPEG(t)})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		if e.OrderState(t, id) != "resolved" || resolvePhotos(t, e, id) != 1 {
			t.Fatal("the resolution and its photo are not stored together")
		}
		pid := e.Count(t, `SELECT MAX(a.photo_id) FROM workorder_attachments a WHERE a.order_id = ?`, id)
		if e.Count(t, "SELECT COUNT(*) FROM photos WHERE id = ? AND uploaded_by = ?", pid, e.ID(t, "users", "username", "handler_zgq")) != 1 {
			t.Fatal("the photo row does not name who uploaded it")
		}
		base := fmt.Sprintf("/orders/%d/photos/%d/", id, pid)
		page = zgq.Get("/orders/" + idStr(id))
		if !page.Contains(`<a href="`+base+`public" data-viewer><img src="`+base+`thumb"`, `href="`+base+`original"`) {
			t.Fatalf("the timeline does not show the photo: %s", page.Body)
		}
		for _, v := range []string{"thumb", "public", "original"} {
			res := zgq.Get(base + v)
			if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/jpeg") || len(res.Raw) < 100 {
				t.Fatalf("%s: %d %s", v, res.Status, res.Header.Get("Content-Type"))
			}
		}
		if res := zgq.Get(base + "huge"); res.Status != http.StatusNotFound {
			t.Fatalf("unknown variant: %d", res.Status)
		}
		if res := zgq.Get(fmt.Sprintf("/orders/%d/photos/%d/public", id, pid+1000)); res.Status != http.StatusNotFound {
			t.Fatalf("a photo not on the order: %d", res.Status)
		}
		// The citizen's tracking page links the public copy only.
		code := woCode(t, e, id)
		track := e.Anonymous(t).Get("/track/" + code)
		if track.Status != http.StatusOK || !track.Contains(fmt.Sprintf("/track/%s/photos/%d", code, pid)) ||
			track.Contains("/orders/") || track.Contains("/original") {
			t.Fatalf("track page: %d %s", track.Status, track.Body)
		}
		if res := e.Anonymous(t).Get(base + "original"); res.Status == http.StatusOK {
			t.Fatal("an anonymous visitor opened the original")
		}

		// The API takes the same multipart form.
		id2 := woAcknowledged(t, e, "张公桥小区门口垃圾桶满溢")
		api := e.API(t, "handler_zgq")
		res = e.PostMultipart(t, api, fmt.Sprintf("/api/v1/workorders/%d/actions/resolve", id2),
			url.Values{"note": {"已清运"}}, apptest.Upload{Name: "a.jpg", Data: apptest.SmallJPEG(t)}, apptest.Upload{Name: "b.jpg", Data: apptest.SmallJPEG(t)})
		var out struct {
			State  string `json:"state"`
			Events []struct {
				Action   string  `json:"action"`
				PhotoIDs []int64 `json:"photo_ids"`
			} `json:"events"`
		}
		if res.Status != http.StatusOK {
			t.Fatalf("api resolve: %d %s", res.Status, res.Body)
		}
		res.Decode(&out)
		last := out.Events[len(out.Events)-1]
		if out.State != "resolved" || last.Action != "resolve" || len(last.PhotoIDs) != 2 || resolvePhotos(t, e, id2) != 2 {
			t.Fatalf("api resolve: %s", res.Body)
		}
	})
}

func TestOrderResolveWithABadPhotoIsRefusedInZhAndEnAndChangesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woAcknowledged(t, e, "张公桥菜市场门口垃圾成堆")
		photos, events := e.Count(t, "SELECT COUNT(*) FROM photos"), woEvents(t, e, id)
		text := apptest.Upload{Name: "note.jpg", Data: []byte("这不是照片，只是一段文字。\n")}
		zgq := e.Login(t, "handler_zgq")
		path := fmt.Sprintf("/orders/%d/actions/resolve", id)
		res := e.PostMultipart(t, zgq, path, url.Values{"csrf": {zgq.CSRF()}, "note": {"已清运"}}, apptest.Upload{Name: "ok.jpg", Data: apptest.SmallJPEG(t)}, text)
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-resolve-photos"`, "第 2 张照片：只能上传 JPEG、PNG、WebP 或 HEIC 格式的照片。", "已清运") {
			t.Fatalf("zh: %d %s", res.Status, res.Body)
		}
		zgq.Lang = "en"
		res = e.PostMultipart(t, zgq, path, url.Values{"csrf": {zgq.CSRF()}, "note": {"cleared"}}, text)
		if res.Status != http.StatusBadRequest || !res.Contains("Photo 1: Only JPEG, PNG, WebP or HEIC photos can be uploaded.") {
			t.Fatalf("en: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "handler_zgq")
		apiPath := fmt.Sprintf("/api/v1/workorders/%d/actions/resolve", id)
		res = e.PostMultipart(t, api, apiPath, url.Values{"note": {"已清运"}}, text)
		if res.Status != http.StatusBadRequest || !res.Contains(`"photos":"第 1 张照片：只能上传`) {
			t.Fatalf("api zh: %d %s", res.Status, res.Body)
		}
		api.Lang = "en"
		res = e.PostMultipart(t, api, apiPath, url.Values{"note": {"cleared"}}, text)
		if res.Status != http.StatusBadRequest || !res.Contains(`"photos":"Photo 1: Only JPEG`) {
			t.Fatalf("api en: %d %s", res.Status, res.Body)
		}
		seven := make([]apptest.Upload, 7)
		for i := range seven {
			seven[i] = apptest.Upload{Name: "p.jpg", Data: apptest.SmallJPEG(t)}
		}
		res = e.PostMultipart(t, api, apiPath, url.Values{"note": {"cleared"}}, seven...)
		if res.Status != http.StatusBadRequest || !res.Contains(`"photos":"At most 6 photos."`) {
			t.Fatalf("api seven photos: %d %s", res.Status, res.Body)
		}
		if e.OrderState(t, id) != "acknowledged" || woEvents(t, e, id) != events || woAudits(t, e, id, "workorder.resolve") != 0 ||
			e.Count(t, "SELECT COUNT(*) FROM photos") != photos || resolvePhotos(t, e, id) != 0 {
			t.Fatal("a refused step with photos changed something")
		}
	})
}

func TestOrderPhotoRouteIsNotFoundOutsideTheHandlersScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woAcknowledged(t, e, "张公桥菜市场门口垃圾成堆")
		zgq := e.Login(t, "handler_zgq")
		res := e.PostMultipart(t, zgq, fmt.Sprintf("/orders/%d/actions/resolve", id),
			url.Values{"csrf": {zgq.CSRF()}, "note": {"垃圾已清运"}}, apptest.Upload{Name: "after.jpg", Data: apptest.SmallJPEG(t)})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		pid := e.Count(t, `SELECT MAX(photo_id) FROM workorder_attachments WHERE order_id = ?`, id)
		swq := e.Login(t, "handler_swq")
		for _, v := range []string{"original", "public", "thumb"} {
			if res := swq.Get(fmt.Sprintf("/orders/%d/photos/%d/%s", id, pid, v)); res.Status != http.StatusNotFound {
				t.Fatalf("handler_swq %s: %d", v, res.Status)
			}
		}
		if res := e.Login(t, "leader").Get(fmt.Sprintf("/orders/%d/photos/%d/original", id, pid)); res.Status != http.StatusOK {
			t.Fatalf("leader (whole city) original: %d", res.Status)
		}
		// A step with photos on an order outside the scope is 404 before any photo is read.
		photos := e.Count(t, "SELECT COUNT(*) FROM photos")
		res = e.PostMultipart(t, swq, fmt.Sprintf("/orders/%d/actions/verify", id),
			url.Values{"csrf": {swq.CSRF()}}, apptest.Upload{Name: "x.jpg", Data: apptest.SmallJPEG(t)})
		if res.Status != http.StatusNotFound || e.Count(t, "SELECT COUNT(*) FROM photos") != photos {
			t.Fatalf("out of scope step with photo: %d", res.Status)
		}
	})
}

// A staff step refused inside its transaction (here: resolving an order a
// second time) removes the photo files it wrote before the transaction, so
// no file stays without its row; the first resolution's photo stays.
func TestARefusedStepWithAPhotoLeavesNoFileBehind(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		id := woAcknowledged(t, e, "白燕路路口垃圾桶满溢")
		zgq := e.Login(t, "handler_zgq")
		resolve := func(jpg []byte) *apptest.Response {
			return e.PostMultipart(t, zgq, fmt.Sprintf("/orders/%d/actions/resolve", id),
				url.Values{"csrf": {zgq.CSRF()}, "note": {"已清运并消毒"}}, apptest.Upload{Name: "after.jpg", Data: jpg})
		}
		if res := resolve(apptest.SmallJPEG(t)); res.Status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		root := filepath.Join(e.App.Config.DataDir, "photos")
		before := photoFiles(t, root)
		if res := resolve(otherJPEG(t)); res.Status == http.StatusSeeOther || e.OrderState(t, id) != "resolved" {
			t.Fatalf("a second resolution went through: %d", res.Status)
		}
		if after := photoFiles(t, root); !slices.Equal(after, before) {
			t.Fatalf("the refused step left files: before %v, after %v", before, after)
		}
		if resolvePhotos(t, e, id) != 1 {
			t.Fatal("the first resolution lost its photo")
		}
	})
}

// photoFiles lists the files of the local photo store, sorted.
func photoFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// otherJPEG is a real photo unlike apptest.SmallJPEG.
func otherJPEG(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 80, 60))
	for y := range 60 {
		for x := range 80 {
			m.Set(x, y, color.RGBA{200, uint8(x * 3), uint8(y * 4), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestACategoryThatRequiresEvidenceRefusesAResolutionWithoutAPhoto: the
// administrator ticks "resolution needs a photo" on a category; the
// resolve form then says so and requires the file, and a resolution
// without one is refused on the form and the API in both languages,
// changing nothing, while one with a photo resolves. A group cannot
// require it.
func TestACategoryThatRequiresEvidenceRefusesAResolutionWithoutAPhoto(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.API(t, "admin")
		rubbish := e.CategoryID(t, "RUBBISH")
		res := admin.JSON("PATCH", "/api/v1/workorder-categories/"+rubbish, map[string]any{"evidence_required": true})
		if res.Status != http.StatusOK || !res.Contains(`"evidence_required":true`) {
			t.Fatalf("turning evidence on: %d %s", res.Status, res.Body)
		}
		group := e.Count(t, "SELECT parent_id FROM workorder_categories WHERE code = 'RUBBISH'")
		res = admin.JSON("PATCH", "/api/v1/workorder-categories/"+idStr(group), map[string]any{"evidence_required": true})
		if res.Status != http.StatusBadRequest || !res.Contains(`"evidence_required"`, "分组不能设置办结照片要求") {
			t.Fatalf("a group requiring evidence: %d %s", res.Status, res.Body)
		}
		if list := e.Login(t, "admin").Get("/categories"); !list.Contains("办结须照片") {
			t.Error("the category list does not show the setting")
		}

		id := woAcknowledged(t, e, "张公桥菜市场门口垃圾成堆")
		zgq := e.Login(t, "handler_zgq")
		if page := zgq.Get("/orders/" + idStr(id)); !page.Contains("此类工单办结时须至少上传一张整改后的现场照片", `multiple aria-describedby="h-resolve-photos" required>`) {
			t.Fatalf("the resolve form does not require a photo: %s", page.Body)
		}
		events := woEvents(t, e, id)
		path := fmt.Sprintf("/orders/%d/actions/resolve", id)
		res = e.PostMultipart(t, zgq, path, url.Values{"csrf": {zgq.CSRF()}, "note": {"垃圾已清运"}})
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-resolve-photos"`, "此类工单办结时须至少上传一张整改后的现场照片", "垃圾已清运") {
			t.Fatalf("zh without a photo: %d %s", res.Status, res.Body)
		}
		api := e.API(t, "handler_zgq")
		api.Lang = "en"
		res = api.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/resolve", id), map[string]any{"note": "cleared"})
		if res.Status != http.StatusBadRequest || !res.Contains(`"photos":"Orders of this category need at least one photo of the result`) {
			t.Fatalf("en API without a photo: %d %s", res.Status, res.Body)
		}
		if e.OrderState(t, id) != "acknowledged" || woEvents(t, e, id) != events || woAudits(t, e, id, "workorder.resolve") != 0 {
			t.Fatal("a refused resolution changed the order")
		}
		res = e.PostMultipart(t, zgq, path, url.Values{"csrf": {zgq.CSRF()}, "note": {"垃圾已清运"}}, apptest.Upload{Name: "after.jpg", Data: apptest.SmallJPEG(t)})
		if res.Status != http.StatusSeeOther || e.OrderState(t, id) != "resolved" || resolvePhotos(t, e, id) != 1 {
			t.Fatalf("with a photo: %d %s", res.Status, res.Body)
		}
	})
}
