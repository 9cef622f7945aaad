package registry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// fastNotify makes the dispatcher quick enough for tests.
func fastNotify(c *Config) {
	c.Notify = NotifyConfig{AllowPrivate: true, Poll: 20 * time.Millisecond, Timeout: 2 * time.Second, Lease: 5 * time.Second, MaxAttempts: 3,
		Backoff: notify.Backoff{Base: 40 * time.Millisecond, Max: 200 * time.Millisecond}}
}

// received is one webhook request a receiver saw.
type received struct {
	id, ts, sig string
	body        []byte
	at          time.Time
}

// receiver is an httptest webhook receiver whose answer the test chooses.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, r *http.Request) int // status for the nth request (0-based)
	seen   chan struct{}
}

func newReceiver(t *testing.T, answer func(n int, r *http.Request) int) *receiver {
	rc := &receiver{answer: answer, seen: make(chan struct{}, 100)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, received{r.Header.Get(notify.HeaderID), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body, time.Now()})
		rc.mu.Unlock()
		rc.seen <- struct{}{}
		if status := rc.answer(n, r); status > 0 {
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// wait waits until the receiver has seen n requests.
func (rc *receiver) wait(t *testing.T, n int, within time.Duration) []received {
	t.Helper()
	deadline := time.After(within)
	for len(rc.requests()) < n {
		select {
		case <-rc.seen:
		case <-deadline:
			t.Fatalf("%s saw %d requests within %s, want %d", rc.URL, len(rc.requests()), within, n)
		}
	}
	return rc.requests()
}

// waitFor waits until the receiver has seen a request that ok accepts and
// returns it. Unlike wait it does not count: a delivery may land before the
// caller looks, and webhooks are at-least-once, so a count can be off by a
// redelivery while the request the test is after has arrived.
func (rc *receiver) waitFor(t *testing.T, within time.Duration, ok func(received) bool) received {
	t.Helper()
	deadline := time.After(within)
	for {
		for _, r := range rc.requests() {
			if ok(r) {
				return r
			}
		}
		select {
		case <-rc.seen:
		case <-deadline:
			t.Fatalf("%s saw %d requests within %s, none of them the one wanted", rc.URL, len(rc.requests()), within)
		}
	}
}

func always(status int) func(int, *http.Request) int {
	return func(int, *http.Request) int { return status }
}

// hang answers only when the client gives up.
func hang(_ int, r *http.Request) int {
	<-r.Context().Done()
	return 0
}

func (e *env) subscribe(token string, req SubscriptionRequest) NewSubscription {
	e.t.Helper()
	var ns NewSubscription
	wantStatus(e.t, e.json("POST", "/api/v1/subscriptions", token, req, &ns), 201)
	if !strings.HasPrefix(ns.Secret, notify.SecretPrefix) {
		e.t.Fatalf("secret %q", ns.Secret)
	}
	return ns
}

// verified checks a received delivery's signature with the subscription's
// secret and returns its event.
func verified(t *testing.T, secret string, r received) notify.Event {
	t.Helper()
	h := http.Header{}
	h.Set(notify.HeaderID, r.id)
	h.Set(notify.HeaderTimestamp, r.ts)
	h.Set(notify.HeaderSignature, r.sig)
	id, err := notify.Verify(secret, h, r.body, time.Now(), 0)
	if err != nil {
		t.Fatalf("delivery %s does not verify: %v", r.id, err)
	}
	var ev notify.Event
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != id {
		t.Fatalf("body id %s, webhook-id %s", ev.ID, id)
	}
	return ev
}

// TestWebhookOnRevoke: supersede and revoke labels through the API; each
// manufacturer's webhook fires once per event it asked for, signed, and
// the other manufacturer hears nothing.
func TestWebhookOnRevoke(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { webhookOnRevoke(t, newEnv(t, fastNotify)) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		webhookOnRevoke(t, newEnv(t, fastNotify, func(c *Config) { c.Database = dsn }))
	})
}

func webhookOnRevoke(t *testing.T, e *env) {
	_, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	_, tokB := e.manufacturer("Other Corp", "bob@other.example")
	recvA := newReceiver(t, always(204))
	recvAll := newReceiver(t, always(200))
	recvB := newReceiver(t, always(200))
	subA := e.subscribe(tokA, SubscriptionRequest{URL: recvA.URL + "/hook", Filter: notify.Filter{Kinds: []string{notify.KindLabelRevoked}}})
	subAll := e.subscribe(tokA, SubscriptionRequest{URL: recvAll.URL, Description: "everything"})
	e.subscribe(tokB, SubscriptionRequest{URL: recvB.URL})

	c := e.register(tokA, example(t, "smart-plug"))
	var l1, l2 IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &l1), 201)
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &l2), 201) // supersedes l1
	wantStatus(t, e.json("POST", "/api/v1/labels/"+l2.Label.ID+"/revoke", tokA, RevokeRequest{Reason: "CVE-2026-0001 unpatched"}, nil), 200)

	got := recvA.wait(t, 1, 10*time.Second)
	all := recvAll.wait(t, 2, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show
	if got = recvA.requests(); len(got) != 1 {
		t.Fatalf("the revoked-only webhook fired %d times, want once", len(got))
	}
	ev := verified(t, subA.Secret, got[0])
	if ev.Kind != notify.KindLabelRevoked || ev.LabelID != l2.Label.ID || ev.ProductID != c.Product.ID || ev.VersionID != c.Version.ID {
		t.Fatalf("event %+v", ev)
	}
	var data struct{ Reason string }
	if json.Unmarshal(ev.Payload, &data); data.Reason != "CVE-2026-0001 unpatched" {
		t.Fatalf("data %s", ev.Payload)
	}
	if all = recvAll.requests(); len(all) != 2 {
		t.Fatalf("the catch-all webhook fired %d times, want 2", len(all))
	}
	first := verified(t, subAll.Secret, all[0])
	if first.Kind != notify.KindLabelSuperseded || first.LabelID != l1.Label.ID {
		t.Fatalf("first event %+v", first)
	}
	if second := verified(t, subAll.Secret, all[1]); second.ID != ev.ID {
		t.Fatalf("the two subscriptions got different IDs for one event: %s, %s", second.ID, ev.ID)
	}
	if _, err := notify.Verify(subAll.Secret, headersOf(got[0]), got[0].body, time.Now(), 0); err == nil {
		t.Fatal("one subscription's delivery verifies with another's secret")
	}
	if n := len(recvB.requests()); n != 0 {
		t.Fatalf("the other manufacturer's webhook fired %d times", n)
	}
	// the events API lists both events to A, none to B
	var evs EventList
	wantStatus(t, e.json("GET", "/api/v1/events", tokA, nil, &evs), 200)
	if len(evs.Items) != 2 || evs.Items[1].ID != ev.ID {
		t.Fatalf("A's events %+v", evs.Items)
	}
	wantStatus(t, e.json("GET", "/api/v1/events", tokB, nil, &evs), 200)
	if len(evs.Items) != 0 {
		t.Fatalf("B sees %d of A's events", len(evs.Items))
	}
	ds, err := e.srv.outbox.ListDeliveries(context.Background(), "", ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryDelivered || d.Attempts != 1 {
			t.Fatalf("delivery %+v", d)
		}
	}
}

func headersOf(r received) http.Header {
	h := http.Header{}
	h.Set(notify.HeaderID, r.id)
	h.Set(notify.HeaderTimestamp, r.ts)
	h.Set(notify.HeaderSignature, r.sig)
	return h
}

// TestFailingReceivers: a receiver that hangs and one that answers 500 do
// not delay a healthy one; the failing ones are retried with the same
// idempotency key (webhook-id) and end in the dead-letter list.
func TestFailingReceivers(t *testing.T) {
	e := newEnv(t, fastNotify, func(c *Config) { c.Notify.Timeout = time.Second; c.Notify.Lease = 3 * time.Second })
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	hanging := newReceiver(t, hang)
	failing := newReceiver(t, always(500))
	healthy := newReceiver(t, always(200))
	// three subscriptions to the hanging receiver and one to the failing one, all claimed before the healthy
	// one: one worker after another, the healthy delivery would wait three timeouts (3 s)
	for _, u := range []string{hanging.URL + "/1", hanging.URL + "/2", hanging.URL + "/3", failing.URL} {
		e.subscribe(tokA, SubscriptionRequest{URL: u})
	}
	ok := e.subscribe(tokA, SubscriptionRequest{URL: healthy.URL})

	ev := &notify.Event{OrgID: orgA, Kind: notify.KindFindingKEV, Vulnerability: "CVE-2024-1086", Severity: "high", KEV: true, EPSS: 0.5}
	start := time.Now()
	if _, err := e.srv.outbox.AppendEvents(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	e.srv.kickNotify()
	got := healthy.wait(t, 1, 5*time.Second)
	if d := got[0].at.Sub(start); d > 800*time.Millisecond {
		t.Fatalf("the healthy receiver got its delivery after %s, behind the hanging and failing ones", d)
	}
	if verified(t, ok.Secret, got[0]).ID != ev.ID {
		t.Fatal("another event")
	}
	for name, c := range map[string]struct {
		rc *receiver
		n  int
	}{"failing": {failing, 3}, "hanging": {hanging, 9}} {
		reqs := c.rc.wait(t, c.n, 15*time.Second)
		for _, r := range reqs {
			if r.id != ev.ID {
				t.Fatalf("%s receiver: a retry carried webhook-id %s, want the event's %s", name, r.id, ev.ID)
			}
		}
		if name == "failing" {
			for i := 1; i < len(reqs); i++ {
				if gap := reqs[i].at.Sub(reqs[i-1].at); gap < 20*time.Millisecond {
					t.Errorf("%s receiver: retry %d came %s after the previous attempt: no backoff", name, i, gap)
				}
			}
		}
	}
	var dead List[store.Delivery]
	deadline := time.Now().Add(15 * time.Second)
	for {
		wantStatus(t, e.json("GET", "/api/v1/admin/dead-letters", e.admin, nil, &dead), 200)
		if len(dead.Items) == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(dead.Items) != 4 {
		t.Fatalf("dead letters %+v, want the hanging and the failing receiver's", dead.Items)
	}
	for _, d := range dead.Items {
		if d.Attempts != 3 || d.EventID != ev.ID || d.LastError == "" || (!strings.HasPrefix(d.URL, hanging.URL+"/") && d.URL != failing.URL) {
			t.Errorf("dead letter %+v", d)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(failing.requests()); n != 3 {
		t.Fatalf("the failing receiver got %d attempts, want MaxAttempts = 3", n)
	}
	if n := len(healthy.requests()); n != 1 {
		t.Fatalf("the healthy receiver got %d deliveries, want 1", n)
	}
	// the dead-letter list is the operator's
	wantStatus(t, e.json("GET", "/api/v1/admin/dead-letters", tokA, nil, nil), 403)
}
