package inspection

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/photo"
)

// The document of a notice, laid out after GB/T 9704-2012 (pdfdoc.Official):
// the same paragraphs feed the printable page and the PDF (NoticeDoc).

// NoticeDoc is what a notice says, paragraph by paragraph.
type NoticeDoc struct {
	Issuer, Number, Title, Addressee string
	Intro                            []string // paragraphs before the findings
	Rows                             [][]string
	Photos                           []NoticeItem // the findings with a photo, in order
	Outro                            []string     // paragraphs after the findings
	Signer, Date                     string
	CC                               []string
	PrintedBy                        string
	Letter                           bool
}

// FindingCols are the columns of a notice's findings table.
var FindingCols = []pdfdoc.Col{{Title: "序号", Width: 1}, {Title: "点位", Width: 3}, {Title: "问题", Width: 4}, {Title: "标准", Width: 5}, {Title: "整改时限", Width: 2.5}}

// DocOf is the notice's document.
func DocOf(n Notice) NoticeDoc {
	d := NoticeDoc{Issuer: NoticeIssuer, Number: n.Number, Title: n.Title, Addressee: n.UnitName, Signer: NoticeSigner,
		Date: pdfdoc.CNDate(n.IssuedAt), PrintedBy: NoticeIssuer, Letter: n.KindOf().Letter}
	for _, c := range strings.FieldsFunc(n.CC, func(r rune) bool { return r == '、' || r == '，' || r == ',' || r == '；' }) {
		if c = strings.TrimSpace(c); c != "" {
			d.CC = append(d.CC, c)
		}
	}
	var body []string
	for _, ln := range strings.Split(n.Body, "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			body = append(body, ln)
		}
	}
	if d.Letter {
		d.Intro = body
		d.Outro = []string{"请于" + n.ReplyByText() + "前将落实情况通过文明城市创建管理系统回复。"}
		return d
	}
	d.Intro = append([]string{"根据市创建全国文明城市工作指挥部督查安排，督导组对你单位责任点位进行了实地督查，发现以下问题，现通知你单位逐项限期整改："}, body...)
	for i, it := range n.Items {
		d.Rows = append(d.Rows, []string{strconv.Itoa(i + 1), it.SiteName, it.Title, it.Rule, it.DueText()})
		if it.PhotoID != 0 {
			d.Photos = append(d.Photos, it)
		}
	}
	d.Outro = []string{"请于" + n.ReplyByText() + "前整改到位，并通过文明城市创建管理系统逐项报送整改情况（附整改后照片）。逾期未整改或整改不到位的，将予以通报，并纳入季度测评。"}
	return d
}

// PhotoCaption is the caption of the i-th photo (from 1).
func PhotoCaption(i int, it NoticeItem) string {
	return fmt.Sprintf("图%d　%s：%s", i, it.SiteName, it.Title)
}

// NoticePDF lays the notice out as a PDF, with the findings' photos
// (their public renditions, without EXIF).
func (s *Service) NoticePDF(ctx context.Context, n Notice) ([]byte, error) {
	d := DocOf(n)
	var body []pdfdoc.Block
	for _, p := range d.Intro {
		body = append(body, pdfdoc.P(p))
	}
	if len(d.Rows) > 0 {
		body = append(body, pdfdoc.T(FindingCols, d.Rows))
	}
	for i, it := range d.Photos {
		if s.Photos == nil {
			break
		}
		data, err := readPhoto(ctx, s.Photos, it.PhotoID)
		if err != nil {
			return nil, err
		}
		body = append(body, pdfdoc.Img(data, PhotoCaption(i+1, it)))
	}
	for _, p := range d.Outro {
		body = append(body, pdfdoc.P(p))
	}
	return pdfdoc.Official{Issuer: d.Issuer, Number: d.Number, Title: d.Title, Addressee: d.Addressee, Body: body, Signer: d.Signer,
		Date: n.IssuedAt, CC: d.CC, PrintedBy: d.PrintedBy, PrintedOn: n.IssuedAt, Letter: d.Letter}.PDF()
}

func readPhoto(ctx context.Context, ps *photo.Service, id int64) ([]byte, error) {
	b, err := ps.Open(ctx, id, photo.Public)
	if err != nil {
		return nil, err
	}
	defer b.Body.Close()
	return io.ReadAll(b.Body)
}
