package perf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"slices"
	"unicode/utf8"
)

// Realistic citizens' reports (issue 13): the bodies `bench intake` posts.
// A report is a description that starts as the demo
// history's do (place, problem, a wish) and goes on with the details
// people add, its length drawn from a mix that puts the median near 250
// characters (a tenth short, under 80; a tenth long, over 400), an
// address, a point, a name and a phone: about 820 bytes of JSON typically.
// (The server titles the order with the description's first 30
// characters; the API has no title field.)
// A share of the reports (PhotoShare) carries one photo, sent as
// multipart/form-data with the same fields, as the report page does.

// PhotoShare is the share of realistic reports that carry a photo.
const PhotoShare = 0.1

var placeWords = []string{"小区门口", "菜市场旁", "学校附近", "公交站台", "十字路口", "人行道上", "小区院内", "商业街", "河边步道", "广场东侧"}

var regionNames = []string{"嘉定街道", "苏稽镇", "通江街道", "柏杨街道", "肖坝社区", "牟子镇", "张公桥街道", "海棠社区"}

// detailSentences are what people add after the problem.
var detailSentences = []string{
	"这个情况已经持续了差不多一个星期，周围的居民都反映过好几次",
	"早上七八点上班上学的时候人最多，老人和小孩经过特别危险",
	"之前打过一次热线，说会安排人来看，但是到现在还没有处理",
	"晚上十点以后情况更严重，附近好几栋楼的住户都受到影响",
	"我拍了照片，位置就在路口第二个路灯杆旁边，很容易找到",
	"希望有关部门能派人现场看一下，尽快拿出一个解决办法",
	"下雨天情况更糟糕，路面湿滑，已经有电动车在这里摔倒过",
	"物业说这不归他们管，社区说要上报，不知道到底该找谁",
	"旁边就是幼儿园和菜市场，每天经过的人非常多",
	"周末的时候尤其明显，外地来的游客也在议论这件事",
	"我们小区业主群里很多人都在讨论，大家都希望早点解决",
	"如果需要了解情况可以打我电话，白天晚上都可以联系",
}

// descLen draws a description's length in characters: the mix of the
// issue's figure (median near 250).
func descLen(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.1:
		return 30 + r.IntN(50) // a line
	case x < 0.9:
		return 180 + r.IntN(160) // a paragraph: 180–340
	default:
		return 400 + r.IntN(300) // a long complaint
	}
}

// Body is one request body and its content type.
type Body struct {
	Data        []byte
	ContentType string
}

// RealisticBodies returns n report bodies over the category codes, with
// places around Leshan's centre; photoShare of them carry a photo.
func RealisticBodies(categories []string, n int, seed uint64, photoShare float64) []Body {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	photo := samplePhoto()
	out := make([]Body, n)
	for i := range out {
		place := regionNames[r.IntN(len(regionNames))] + placeWords[r.IntN(len(placeWords))]
		problem := reportDescriptions[r.IntN(len(reportDescriptions))]
		want := descLen(r)
		desc := place + problem + "，希望尽快解决。"
		for utf8.RuneCountInString(desc) < want {
			desc += detailSentences[r.IntN(len(detailSentences))] + "。"
		}
		desc = firstRunes(desc, want)
		fields := map[string]any{
			"category": categories[r.IntN(len(categories))], "description": desc,
			"lat": 29.552 + r.Float64()*0.06 - 0.03, "lng": 103.766 + r.Float64()*0.06 - 0.03,
			"address": fmt.Sprintf("乐山市市中区%s%d号", streets[r.IntN(len(streets))], 1+r.IntN(300)),
			"name":    "市民", "phone": fmt.Sprintf("138%08d", r.IntN(100_000_000)),
		}
		if r.Float64() >= photoShare {
			b, _ := json.Marshal(fields)
			out[i] = Body{Data: b, ContentType: "application/json"}
			continue
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, k := range []string{"category", "description", "lat", "lng", "address", "name", "phone"} {
			mw.WriteField(k, fmt.Sprint(fields[k]))
		}
		fw, _ := mw.CreateFormFile("photos", "photo.jpg")
		fw.Write(photo)
		mw.Close()
		out[i] = Body{Data: buf.Bytes(), ContentType: mw.FormDataContentType()}
	}
	return out
}

// samplePhoto is a small JPEG (640×480, a phone photo scaled down for
// upload: about 40 KB).
func samplePhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	r := rand.New(rand.NewPCG(3, 4))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x/3 + r.IntN(40)), uint8(y/2 + r.IntN(40)), uint8(120 + r.IntN(60)), 255})
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 60})
	return buf.Bytes()
}

// BodySizes describes bodies: the JSON ones' median and 10th/90th
// percentile sizes in bytes, and the share with a photo.
func BodySizes(bs []Body) (p10, median, p90 int, photos float64) {
	var sizes []int
	n := 0
	for _, b := range bs {
		if b.ContentType == "application/json" {
			sizes = append(sizes, len(b.Data))
		} else {
			n++
		}
	}
	if len(sizes) == 0 {
		return 0, 0, 0, 1
	}
	slices.Sort(sizes)
	return sizes[len(sizes)/10], sizes[len(sizes)/2], sizes[len(sizes)*9/10], float64(n) / float64(len(bs))
}
