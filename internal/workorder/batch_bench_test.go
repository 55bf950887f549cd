package workorder_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// BenchmarkSubmitPublic compares citizens' reports written one transaction
// each with the same reports through the Batcher, 64 goroutines, SQLite.
func BenchmarkSubmitPublic(b *testing.B) {
	for _, batched := range []bool{false, true} {
		name := "one_per_tx"
		if batched {
			name = "batched"
		}
		b.Run(name, func(b *testing.B) {
			t := &testing.T{}
			d := dbtest.Open(b, db.SQLite)
			f := newFixture(t, d)
			f.svc.ReportLimit = wo.ReportLimit{Reports: -1}
			if batched {
				f.svc.Batch = wo.NewBatcher(f.svc, time.Millisecond, 256)
				f.svc.Batch.Start()
				defer f.svc.Batch.Stop()
			}
			var i atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := f.svc.SubmitPublic(f.ctx, wo.PublicReport{SubmitInput: f.citizenReport(int(i.Add(1)))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if batched {
				batches, reports := f.svc.Batch.Stats()
				b.ReportMetric(float64(reports)/float64(batches), "reports/batch")
			}
		})
	}
}
