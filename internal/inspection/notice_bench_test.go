package inspection

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/pdfdoc"
)

// benchNotice is a rectification notice listing n findings (without photos).
func benchNotice(n int) Notice {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, clock.CST)
	x := Notice{ID: 1, Kind: KindRectNotice, Year: 2026, Seq: 12, Number: pdfdoc.DocNumber("乐文创整改", 2026, 12), UnitName: "市城市管理局",
		Title: "关于市城市管理局督查发现问题限期整改的通知", ReplyBy: at.AddDate(0, 0, 7), IssuedAt: at, CC: "市人民政府办公室、市中区人民政府"}
	for i := range n {
		x.Items = append(x.Items, NoticeItem{RectificationID: int64(i + 1), SiteName: fmt.Sprintf("嘉州大道第%d段", i+1), Title: "路面、人行道有暴露垃圾",
			Rule: "路面、人行道无暴露垃圾、无卫生死角、无积存污水，每发现一处扣1分", DueAt: at.AddDate(0, 0, 3)})
	}
	return x
}

// BenchmarkNoticePDF lays out a notice of 20 findings; the ceiling is the
// same document with one paragraph and no table (the layout's fixed cost:
// the font, the masthead, the imprint).
func BenchmarkNoticePDF(b *testing.B) {
	s := &Service{}
	ctx := context.Background()
	b.Run("20_findings", func(b *testing.B) {
		n := benchNotice(20)
		for b.Loop() {
			if _, err := s.NoticePDF(ctx, n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ceiling_one_paragraph", func(b *testing.B) {
		n := benchNotice(0)
		n.Kind = KindReminder
		n.Body = "第四季度测评将于12月中旬开展。"
		for b.Loop() {
			if _, err := s.NoticePDF(ctx, n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
