package store

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
)

// The notification cases join the conformance suite, so both dialects run them.
func init() { conformance = append(conformance, outboxConformance...) }

func subscribe(t *testing.T, s *DB, org string, f notify.Filter) *Subscription {
	t.Helper()
	sub := &Subscription{OrgID: org, URL: "https://hooks.example/" + org, Secret: notify.NewSecret(), Filter: f}
	must(t, s.CreateSubscription(context.Background(), sys, sub))
	return sub
}

func events(t *testing.T, s *DB, org string) []notify.Event {
	t.Helper()
	list, _, err := s.ListEvents(context.Background(), org, Page{Limit: 500})
	must(t, err)
	return list
}

func deliveries(t *testing.T, s *DB, ev string) []Delivery {
	t.Helper()
	list, err := s.ListDeliveries(context.Background(), "", ev)
	must(t, err)
	return list
}

func labelled(t *testing.T, s *DB, f *fixture, id string) *Label {
	t.Helper()
	l := &Label{ID: id, VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.a.ID, ProductDigest: "pd", Bundle: []byte("b")}
	must(t, s.AddLabel(context.Background(), sys, l))
	return l
}

var outboxConformance = []struct {
	name string
	run  func(t *testing.T, s *DB)
}{
	{"outbox: a revocation writes its event and the matching deliveries in its transaction", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		all := subscribe(t, s, f.a.ID, notify.Filter{})
		subscribe(t, s, f.a.ID, notify.Filter{Kinds: []string{notify.KindFindingKEV}}) // not for label events
		subscribe(t, s, f.a.ID, notify.Filter{ProductID: "another product"})
		subscribe(t, s, f.b.ID, notify.Filter{}) // another organisation
		labelled(t, s, f, "l1")
		if n := len(events(t, s, "")); n != 0 {
			t.Fatalf("%d events after a first label (nothing superseded)", n)
		}
		wantErr(t, s.RevokeLabel(ctx, sys, f.b.ID, "l1", "not yours", time.Now()), ErrNotFound)
		if n := len(events(t, s, "")); n != 0 {
			t.Fatalf("a refused revocation wrote %d events", n)
		}
		must(t, s.RevokeLabel(ctx, sys, f.a.ID, "l1", "CVE-2026-0001 unpatched", time.Now()))
		evs := events(t, s, f.a.ID)
		if len(evs) != 1 {
			t.Fatalf("%d events, want 1", len(evs))
		}
		ev := evs[0]
		if ev.Kind != notify.KindLabelRevoked || ev.LabelID != "l1" || ev.ProductID != f.pa.ID || ev.VersionID != f.va.ID || string(ev.Payload) != `{"reason":"CVE-2026-0001 unpatched","status":"revoked"}` {
			t.Fatalf("event %+v %s", ev, ev.Payload)
		}
		if n := len(events(t, s, f.b.ID)); n != 0 {
			t.Fatalf("organisation b sees %d of a's events", n)
		}
		ds := deliveries(t, s, ev.ID)
		if len(ds) != 1 || ds[0].SubscriptionID != all.ID || ds[0].Status != DeliveryPending || ds[0].URL != all.URL {
			t.Fatalf("deliveries %+v", ds)
		}
	}},
	{"outbox: an event that cannot be stored rolls the change back", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		labelled(t, s, f, "l1")
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := s.exec(ctx, tx, `UPDATE labels SET status = ? WHERE id = ?`, StatusRevoked, "l1"); err != nil {
				return err
			}
			_, err := s.enqueueEvents(ctx, tx, &notify.Event{OrgID: f.a.ID, Kind: "label.lost"})
			return err
		})
		if err == nil {
			t.Fatal("an event of an unknown kind was stored")
		}
		l, err := s.Label(ctx, "l1")
		must(t, err)
		if l.Status != StatusValid {
			t.Fatalf("the change whose event failed was committed: status %s", l.Status)
		}
	}},
	{"outbox: supersession writes label.superseded for the old label", func(t *testing.T, s *DB) {
		f := seed(t, s)
		subscribe(t, s, f.a.ID, notify.Filter{Kinds: []string{notify.KindLabelSuperseded}})
		labelled(t, s, f, "l1")
		labelled(t, s, f, "l2")
		evs := events(t, s, f.a.ID)
		if len(evs) != 1 || evs[0].Kind != notify.KindLabelSuperseded || evs[0].LabelID != "l1" || string(evs[0].Payload) != `{"newVersionId":"`+f.va.ID+`","status":"superseded","supersededBy":"l2"}` {
			t.Fatalf("events %+v", evs)
		}
		if n := len(deliveries(t, s, evs[0].ID)); n != 1 {
			t.Fatalf("%d deliveries, want 1", n)
		}
	}},
	{"outbox: a dedupe key stores a scheduled event once", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		mk := func() *notify.Event {
			return &notify.Event{OrgID: f.a.ID, Kind: notify.KindSupportEnding, ProductID: f.pa.ID, Dedupe: "support.ending/90/" + f.va.ID}
		}
		for i, want := range []int{1, 0} {
			n, err := s.AppendEvents(ctx, mk())
			must(t, err)
			if n != want {
				t.Fatalf("append %d: %d new, want %d", i, n, want)
			}
		}
		if _, err := s.AppendEvents(ctx, &notify.Event{OrgID: f.a.ID, Kind: notify.KindFindingNew, EPSS: 2}); err == nil {
			t.Fatal("an EPSS of 2 was stored")
		}
	}},
	{"deliveries: lease, retry with backoff, dead letter, lease expiry", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		sub := subscribe(t, s, f.a.ID, notify.Filter{})
		_, err := s.AppendEvents(ctx, &notify.Event{OrgID: f.a.ID, Kind: notify.KindFindingKEV, Vulnerability: "CVE-2024-1086", Severity: "high", KEV: true, EPSS: 0.8})
		must(t, err)
		t0 := time.Now()
		got, err := s.Claim(ctx, "A", 10, t0, t0.Add(time.Minute))
		must(t, err)
		if len(got) != 1 || got[0].Secret != sub.Secret || got[0].URL != sub.URL || got[0].Event.Vulnerability != "CVE-2024-1086" || !got[0].Event.KEV || got[0].Attempts != 0 {
			t.Fatalf("claimed %+v", got)
		}
		id := got[0].DeliveryID
		if again, _ := s.Claim(ctx, "B", 10, t0, t0.Add(time.Minute)); len(again) != 0 {
			t.Fatalf("a leased delivery was claimed again: %+v", again)
		}
		if err := s.Done(ctx, "B", id, 200, t0); err == nil {
			t.Fatal("B recorded a delivery A leases")
		}
		next := t0.Add(30 * time.Second)
		must(t, s.Retry(ctx, "A", id, 500, "the receiver answered 500", next, false, t0))
		if early, _ := s.Claim(ctx, "A", 10, t0.Add(time.Second), t0.Add(time.Minute)); len(early) != 0 {
			t.Fatal("a delivery was claimed before its retry time")
		}
		got, err = s.Claim(ctx, "A", 10, next, next.Add(time.Minute))
		must(t, err)
		if len(got) != 1 || got[0].Attempts != 1 {
			t.Fatalf("retry claimed %+v", got)
		}
		// A dies mid-attempt: after the lease B takes the delivery, A's late record is refused
		late := next.Add(2 * time.Minute)
		got, err = s.Claim(ctx, "B", 10, late, late.Add(time.Minute))
		must(t, err)
		if len(got) != 1 || got[0].DeliveryID != id {
			t.Fatalf("after the lease ran out: %+v", got)
		}
		if err := s.Retry(ctx, "A", id, 0, "late", late, false, late); err == nil {
			t.Fatal("the owner whose lease ran out recorded an attempt")
		}
		must(t, s.Retry(ctx, "B", id, 0, "no answer within 10s", late, true, late))
		dead, _, err := s.ListDeadLetters(ctx, Page{})
		must(t, err)
		if len(dead) != 1 || dead[0].ID != id || dead[0].Attempts != 2 || dead[0].LastError != "no answer within 10s" || dead[0].Finished == nil || dead[0].EventKind != notify.KindFindingKEV {
			t.Fatalf("dead letters %+v", dead)
		}
		if more, _ := s.Claim(ctx, "A", 10, late.Add(time.Hour), late.Add(2*time.Hour)); len(more) != 0 {
			t.Fatal("a dead delivery was claimed")
		}
	}},
	{"deliveries: two dispatchers claiming at once never take the same delivery", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		subscribe(t, s, f.a.ID, notify.Filter{})
		for i := 0; i < 20; i++ {
			_, err := s.AppendEvents(ctx, &notify.Event{OrgID: f.a.ID, Kind: notify.KindLabelRevoked})
			must(t, err)
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for _, owner := range []string{"A", "B", "C", "D"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					at := time.Now()
					got, err := s.Claim(ctx, owner, 3, at, at.Add(time.Minute))
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, c := range got {
						if o, dup := seen[c.DeliveryID]; dup {
							t.Errorf("delivery %s claimed by %s and %s", c.DeliveryID, o, owner)
						}
						seen[c.DeliveryID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 20 {
			t.Fatalf("%d of 20 deliveries claimed", len(seen))
		}
	}},
	{"two dispatchers on one database send every delivery exactly once", twoDispatchers},
	{"subscriptions are scoped to their organisation", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		sub := subscribe(t, s, f.a.ID, notify.Filter{MinSeverity: "high", KEVOnly: true, MinEPSS: 0.1, Kinds: []string{notify.KindFindingNew, notify.KindFindingKEV}})
		got, err := s.Subscription(ctx, f.a.ID, sub.ID)
		must(t, err)
		if got.Secret != sub.Secret || got.MinSeverity != "high" || !got.KEVOnly || got.MinEPSS != 0.1 || len(got.Kinds) != 2 {
			t.Fatalf("got %+v", got)
		}
		_, err = s.Subscription(ctx, f.b.ID, sub.ID)
		wantErr(t, err, ErrNotFound)
		other := *got
		other.OrgID = f.b.ID
		wantErr(t, s.UpdateSubscription(ctx, sys, &other), ErrNotFound)
		wantErr(t, s.DeleteSubscription(ctx, sys, f.b.ID, sub.ID), ErrNotFound)
		got.URL, got.Kinds = "https://hooks.example/new", nil
		must(t, s.UpdateSubscription(ctx, sys, got))
		list, err := s.ListSubscriptions(ctx, f.a.ID)
		must(t, err)
		if len(list) != 1 || list[0].URL != "https://hooks.example/new" || list[0].Kinds != nil || list[0].Secret != sub.Secret {
			t.Fatalf("after update %+v", list)
		}
		var fe *notify.FieldError
		if err := s.CreateSubscription(ctx, sys, &Subscription{OrgID: f.a.ID, URL: "https://x.example", Secret: notify.NewSecret(), Filter: notify.Filter{MinSeverity: "dire"}}); !errors.As(err, &fe) || fe.Field != "minSeverity" {
			t.Fatalf("a bad filter: %v", err)
		}
		must(t, s.DeleteSubscription(ctx, sys, f.a.ID, sub.ID))
		if list, _ := s.ListSubscriptions(ctx, f.a.ID); len(list) != 0 {
			t.Fatalf("after delete %+v", list)
		}
	}},
	{"portfolio counts are append-only, one set per day", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		labelled(t, s, f, "l1")
		labelled(t, s, f, "l2")
		must(t, s.RevokeLabel(ctx, sys, f.a.ID, "l2", "x", time.Now()))
		must(t, s.CreateVersion(ctx, sys, version(f.pa, "2.4.0"), nil))
		c, err := s.CountPortfolio(ctx)
		must(t, err)
		a := c[f.a.ID]
		if a[MetricProducts] != 1 || a[MetricVersions] != 2 || a[MetricLabelsSuperseded] != 1 || a[MetricLabelsRevoked] != 1 || a[MetricLabelsValid] != 0 || c[f.b.ID][MetricProducts] != 1 {
			t.Fatalf("counts %+v", c)
		}
		recs, next, err := s.LatestRecords(ctx, Page{Limit: 1})
		must(t, err)
		if len(recs) != 1 || next == "" || recs[0].ProductID != f.pa.ID || recs[0].Version != "2.4.0" || string(recs[0].Public) != `{"x":1}` {
			t.Fatalf("latest records %+v next %q", recs, next)
		}
		recs, next, _ = s.LatestRecords(ctx, Page{After: next, Limit: 1})
		if len(recs) != 1 || next != "" || recs[0].ProductID != f.pb.ID {
			t.Fatalf("page 2 %+v next %q", recs, next)
		}
		n, err := s.AppendPortfolio(ctx, "2026-12-03", []PortfolioCount{{OrgID: f.a.ID, Metric: MetricProducts, Value: 1}, {OrgID: "", Metric: MetricProducts, Value: 2}})
		must(t, err)
		if n != 2 {
			t.Fatalf("%d rows, want 2", n)
		}
		n, err = s.AppendPortfolio(ctx, "2026-12-03", []PortfolioCount{{OrgID: f.a.ID, Metric: MetricProducts, Value: 9}})
		must(t, err)
		if n != 0 {
			t.Fatalf("a second computation of the day stored %d rows", n)
		}
		_, err = s.AppendPortfolio(ctx, "2026-12-04", []PortfolioCount{{OrgID: f.a.ID, Metric: MetricProducts, Value: 3}})
		must(t, err)
		for _, q := range []string{"UPDATE portfolio_counts SET value = 0", "DELETE FROM portfolio_counts"} {
			if _, err := s.db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		got, err := s.Portfolio(ctx, f.a.ID, "2026-12-01")
		must(t, err)
		if len(got) != 2 || got[0].Value != 1 || got[1].Day != "2026-12-04" || got[1].Value != 3 {
			t.Fatalf("series %+v", got)
		}
	}},
}

// twoDispatchers runs two notify.Dispatchers (two replicas) on one store
// against one receiver: every event arrives once.
func twoDispatchers(t *testing.T, s *DB) {
	ctx := context.Background()
	f := seed(t, s)
	var mu sync.Mutex
	got := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get(notify.HeaderID)]++
		mu.Unlock()
	}))
	defer recv.Close()
	sub := &Subscription{OrgID: f.a.ID, URL: recv.URL, Secret: notify.NewSecret()}
	must(t, s.CreateSubscription(ctx, sys, sub))
	const n = 60
	for i := 0; i < n; i++ {
		_, err := s.AppendEvents(ctx, &notify.Event{OrgID: f.a.ID, Kind: notify.KindLabelRevoked})
		must(t, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		d, err := notify.NewDispatcher(notify.Config{Queue: s, Workers: 4, Poll: 10 * time.Millisecond, Timeout: 5 * time.Second, AllowPrivate: true})
		must(t, err)
		wg.Add(1)
		go func() { defer wg.Done(); d.Run(rctx) }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var pending int
		must(t, s.db.QueryRow(s.q(`SELECT COUNT(*) FROM deliveries WHERE status <> ?`), DeliveryDelivered).Scan(&pending))
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Fatalf("%d of %d events arrived", len(got), n)
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("event %s arrived %d times", id, k)
		}
	}
}
