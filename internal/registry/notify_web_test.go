package registry

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/store"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(9 * time.Hour)
}

// TestDailyJob runs the daily job over the smart plug's support period
// (it ends on 2035-03-31): a support.ending event at 90 and at 30 days, each
// once however often the job runs, the product counted past support after
// the end, and one set of portfolio counts per day.
func TestDailyJob(t *testing.T) {
	e := newEnv(t, fastNotify)
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	rc := newReceiver(t, always(200))
	sub := e.subscribe(tokA, SubscriptionRequest{URL: rc.URL, Filter: notify.Filter{Kinds: []string{notify.KindSupportEnding}}})
	c := e.register(tokA, example(t, "smart-plug"))
	ctx := context.Background()
	for _, step := range []struct {
		day             string
		events, counted bool
		threshold       int
	}{
		{"2034-12-30", false, true, 0},  // 91 days left
		{"2034-12-31", true, true, 90},  // 90 days left
		{"2034-12-31", false, false, 0}, // the same day again: nothing new
		{"2035-02-01", false, true, 0},  // 58 days: the 90-day event was written already
		{"2035-03-01", true, true, 30},  // 30 days left
		{"2035-03-31", false, true, 0},  // the last day
		{"2035-04-01", false, true, 0},  // past the end
	} {
		d, err := e.srv.RunDaily(ctx, day(step.day))
		if err != nil {
			t.Fatal(err)
		}
		if (d.SupportEvents == 1) != step.events || d.SupportEvents > 1 {
			t.Fatalf("%s: %d support events, want %v", step.day, d.SupportEvents, step.events)
		}
		if (d.Counts > 0) != step.counted {
			t.Fatalf("%s: %d new counts, want %v", step.day, d.Counts, step.counted)
		}
		if step.events {
			type support struct {
				SupportEnd string `json:"supportEnd"`
				DaysLeft   int    `json:"daysLeft"`
				Threshold  int    `json:"threshold"`
			}
			threshold := func(r received) int {
				var data support
				json.Unmarshal(verified(t, sub.Secret, r).Payload, &data)
				return data.Threshold
			}
			got := rc.waitFor(t, 20*time.Second, func(r received) bool { return threshold(r) == step.threshold })
			ev := verified(t, sub.Secret, got)
			var data support
			json.Unmarshal(ev.Payload, &data)
			if ev.Kind != notify.KindSupportEnding || ev.ProductID != c.Product.ID || data.SupportEnd != "2035-03-31" || data.DaysLeft != step.threshold {
				t.Fatalf("%s: event %+v %s", step.day, ev, ev.Payload)
			}
		}
	}
	ids := map[string]bool{} // redeliveries share their event's id
	for _, r := range rc.requests() {
		ids[verified(t, sub.Secret, r).ID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("%d distinct support.ending events delivered, want 2", len(ids))
	}
	series, err := e.srv.outbox.Portfolio(ctx, orgA, "2034-01-01")
	if err != nil {
		t.Fatal(err)
	}
	value := func(day, metric string) int64 {
		for _, c := range series {
			if c.Day == day && c.Metric == metric {
				return c.Value
			}
		}
		t.Fatalf("no %s on %s", metric, day)
		return 0
	}
	if value("2035-03-31", store.MetricSupportEnded) != 0 || value("2035-04-01", store.MetricSupportEnded) != 1 || value("2035-04-01", store.MetricProducts) != 1 {
		t.Fatalf("series %+v", series)
	}
	whole, _ := e.srv.outbox.Portfolio(ctx, "", "2035-04-01")
	if len(whole) == 0 {
		t.Fatal("no registry-wide counts")
	}
}

// TestPortfolioChart pins the chart's SVG (golden file) and checks that text
// in it is escaped.
func TestPortfolioChart(t *testing.T) {
	var counts []store.PortfolioCount
	for i, d := range []string{"2026-12-01", "2026-12-02", "2026-12-03"} {
		counts = append(counts,
			store.PortfolioCount{Day: d, Metric: store.MetricProducts, Value: int64(10 + i)},
			store.PortfolioCount{Day: d, Metric: store.MetricLabelsValid, Value: int64(8 + i)},
			store.PortfolioCount{Day: d, Metric: store.MetricLabelsRevoked, Value: int64(i)},
			store.PortfolioCount{Day: d, Metric: store.MetricSupportEnded, Value: 1},
			store.PortfolioCount{Day: d, Metric: "findings.<kev>", Value: int64(3 * i)})
	}
	c := drawChart(counts)
	golden(t, "testdata/portfolio-chart.svg", []byte(string(c.SVG)+"\n"))
	if strings.Contains(string(c.SVG), "<kev>") || !strings.Contains(string(c.SVG), "findings.&lt;kev&gt;") {
		t.Fatal("a metric name is not escaped in the SVG")
	}
	if c.Day != "2026-12-03" || len(c.Latest) != 5 || c.Latest[0].Value != 12 {
		t.Fatalf("latest %+v", c.Latest)
	}
	one := drawChart(counts[:5]) // a single day draws points, no lines
	if strings.Contains(string(one.SVG), "<polyline") || !strings.Contains(string(one.SVG), "<circle") {
		t.Fatal("a single day's chart")
	}
}

// TestEventsPage: the members' events page lists the organisation's events
// with their deliveries and its subscriptions, never a secret; the
// dashboard shows the portfolio chart once counts exist.
func TestEventsPage(t *testing.T) {
	e := newEnv(t, fastNotify)
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	rc := newReceiver(t, always(200))
	sub := e.subscribe(tokA, SubscriptionRequest{URL: rc.URL + "/dm", Description: "on-call <pager>", Filter: notify.Filter{KEVOnly: true}})
	ev := &notify.Event{OrgID: orgA, Kind: notify.KindFindingKEV, Vulnerability: "CVE-2024-1086", Severity: "high", KEV: true}
	if _, err := e.srv.outbox.AppendEvents(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 1, 5*time.Second)
	if _, err := e.srv.RunDaily(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(e)
	b.login("anna@voltic.example", "correct horse battery")
	var page string
	for i := 0; i < 250; i++ { // the delivery is recorded just after the receiver answers
		_, page = b.get("/dashboard/events")
		if strings.Contains(page, "delivered") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{ev.ID, "CVE-2024-1086", "finding.kev", rc.URL + "/dm", "on-call &lt;pager&gt;", "KEV only", "delivered", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("the events page lacks %q", want)
		}
	}
	if strings.Contains(page, sub.Secret) || strings.Contains(page, "whsec_") {
		t.Fatal("the events page shows a subscription secret")
	}
	if _, dash := b.get("/dashboard"); !strings.Contains(dash, `class="chart"`) || !strings.Contains(dash, "Portfolio over time") {
		t.Fatal("the dashboard has no portfolio chart")
	}
	// another member's organisation sees none of it
	e.manufacturer("Other Corp", "bob@other.example")
	b2 := newBrowser(e)
	b2.login("bob@other.example", "correct horse battery")
	if _, other := b2.get("/dashboard/events"); strings.Contains(other, ev.ID) || strings.Contains(other, rc.URL) {
		t.Fatal("another organisation's events page shows A's events")
	}
}

// notifyIsolationIDs gives TestTenantIsolation an ID of A for each
// notification route that takes one.
func notifyIsolationIDs(e *env, tokA string) map[string]string {
	ns := e.subscribe(tokA, SubscriptionRequest{URL: "https://hooks.voltic.example/dm"})
	return map[string]string{"/api/v1/subscriptions/{id}": ns.Subscription.ID}
}

// TestNotifyAPI: subscriptions are validated field by field, their secret
// is shown only at creation, lists show only the caller's organisation, and
// an update keeps the secret.
func TestNotifyAPI(t *testing.T) {
	e := newEnv(t, fastNotify)
	_, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	_, tokB := e.manufacturer("Other Corp", "bob@other.example")
	cB := e.register(tokB, example(t, "home-router"))
	for _, c := range []struct {
		body  string
		field string
	}{
		{`{"url":""}`, "url"},
		{`{"url":"ftp://hooks.example/x"}`, "url"},
		{`{"url":"https://user:pw@hooks.example/x"}`, "url"},
		{`{"url":"https:///nohost"}`, "url"},
		{`{"url":"https://hooks.example","minSeverity":"dire"}`, "minSeverity"},
		{`{"url":"https://hooks.example","minEpss":1.5}`, "minEpss"},
		{`{"url":"https://hooks.example","kinds":["label.lost"]}`, "kinds"},
		{`{"url":"https://hooks.example","productId":"` + cB.Product.ID + `"}`, "productId"}, // B's product
		{`{"url":"https://hooks.example","secret":"mine"}`, "body"},                          // unknown field
	} {
		var p Problem
		resp := e.do("POST", "/api/v1/subscriptions", tokA, strings.NewReader(c.body), "application/json", &p)
		if resp.StatusCode != 422 && resp.StatusCode != 400 || p.Field != c.field {
			t.Errorf("%s: %d field %q, want field %q", c.body, resp.StatusCode, p.Field, c.field)
		}
	}
	ns := e.subscribe(tokA, SubscriptionRequest{URL: "https://hooks.voltic.example/dm", Filter: notify.Filter{MinSeverity: "high"}})
	var got store.Subscription
	resp := e.json("GET", "/api/v1/subscriptions/"+ns.Subscription.ID, tokA, nil, &got)
	wantStatus(t, resp, 200)
	raw, _ := json.Marshal(got)
	if got.MinSeverity != "high" || strings.Contains(string(raw), "whsec_") {
		t.Fatalf("GET shows %s", raw)
	}
	got = store.Subscription{}
	wantStatus(t, e.json("PUT", "/api/v1/subscriptions/"+ns.Subscription.ID, tokA, SubscriptionRequest{URL: "https://hooks.voltic.example/v2", Filter: notify.Filter{KEVOnly: true}}, &got), 200)
	if got.URL != "https://hooks.voltic.example/v2" || got.MinSeverity != "" || !got.KEVOnly {
		t.Fatalf("after PUT %+v", got)
	}
	stored, err := e.srv.outbox.Subscription(context.Background(), "", ns.Subscription.ID)
	if err != nil || stored.Secret != ns.Secret {
		t.Fatalf("the update changed the secret: %v", err)
	}
	var list List[store.Subscription]
	wantStatus(t, e.json("GET", "/api/v1/subscriptions", tokB, nil, &list), 200)
	if len(list.Items) != 0 {
		t.Fatalf("B lists A's subscriptions: %+v", list.Items)
	}
	wantStatus(t, e.json("GET", "/api/v1/subscriptions", tokA, nil, &list), 200)
	if len(list.Items) != 1 {
		t.Fatalf("A lists %d subscriptions", len(list.Items))
	}
	wantStatus(t, e.json("DELETE", "/api/v1/subscriptions/"+ns.Subscription.ID, tokB, nil, nil), 404)
	wantStatus(t, e.json("DELETE", "/api/v1/subscriptions/"+ns.Subscription.ID, tokA, nil, nil), 204)
	wantStatus(t, e.json("GET", "/api/v1/subscriptions/"+ns.Subscription.ID, tokA, nil, nil), 404)
	// a read-only token lists but cannot subscribe
	var ro NewToken
	wantStatus(t, e.json("POST", "/api/v1/tokens", tokA, TokenRequest{Name: "ro", Scopes: []string{"read"}}, &ro), 201)
	wantStatus(t, e.json("GET", "/api/v1/subscriptions", ro.Secret, nil, nil), 200)
	wantStatus(t, e.json("POST", "/api/v1/subscriptions", ro.Secret, SubscriptionRequest{URL: "https://x.example"}, nil), 403)
	wantStatus(t, e.json("GET", "/api/v1/events", "", nil, nil), 401)
}
