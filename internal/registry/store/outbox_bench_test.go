package store

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
)

// BenchmarkDeliveries measures end-to-end webhook throughput: b.N events
// written to the outbox (in batches of 100 per transaction), then one
// dispatcher with 8 workers delivers them to a loopback receiver that
// answers 204 at once. It reports deliveries/s (claim, sign, POST, record)
// and events written/s, per dialect.
func BenchmarkDeliveries(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			ctx := context.Background()
			dsn := filepath.Join(b.TempDir(), "registry.db")
			if dialect == "postgres" {
				dsn = regtest.PostgresSchema(b)
			}
			s, err := Open(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			o := &Org{Name: "Voltic Home Devices GmbH", Kind: KindManufacturer}
			if err := s.CreateOrg(ctx, sys, o); err != nil {
				b.Fatal(err)
			}
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
			defer recv.Close()
			if err := s.CreateSubscription(ctx, sys, &Subscription{OrgID: o.ID, URL: recv.URL, Secret: notify.NewSecret()}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i += 100 {
				var evs []*notify.Event
				for j := i; j < min(i+100, b.N); j++ {
					evs = append(evs, &notify.Event{OrgID: o.ID, Kind: notify.KindFindingNew, Vulnerability: "CVE-2024-1086", Severity: "high"})
				}
				if _, err := s.AppendEvents(ctx, evs...); err != nil {
					b.Fatal(err)
				}
			}
			written := time.Since(start)
			disp, err := notify.NewDispatcher(notify.Config{Queue: s, Workers: 8, Poll: 5 * time.Millisecond, AllowPrivate: true})
			if err != nil {
				b.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { disp.Run(rctx); close(done) }()
			sent := time.Now()
			for {
				var left int
				if err := s.db.QueryRow(s.q(`SELECT COUNT(*) FROM deliveries WHERE status <> ?`), DeliveryDelivered).Scan(&left); err != nil {
					b.Fatal(err)
				}
				if left == 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			delivering := time.Since(sent)
			cancel()
			<-done
			b.StopTimer()
			b.ReportMetric(float64(b.N)/delivering.Seconds(), "deliveries/s")
			b.ReportMetric(float64(b.N)/written.Seconds(), "events-written/s")
		})
	}
}
