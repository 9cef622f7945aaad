package registry

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// TestEventsPageBrowser opens the events page in Chromium after a label was
// superseded and revoked, with two weeks of portfolio counts: the chart is
// drawn (an SVG with a polyline of non-zero size) and the deliveries are
// listed. With -screenshots DIR it writes registry-events.png there.
func TestEventsPageBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	e := newEnv(t, fastNotify)
	orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	rc := newReceiver(t, always(204))
	e.subscribe(tokA, SubscriptionRequest{URL: rc.URL + "/dualmark", Description: "PSIRT on-call", Filter: notify.Filter{Kinds: []string{notify.KindLabelRevoked, notify.KindLabelSuperseded, notify.KindFindingKEV}}})
	e.subscribe(tokA, SubscriptionRequest{URL: rc.URL + "/kev", Description: "KEV only", Filter: notify.Filter{KEVOnly: true, MinSeverity: "high", Kinds: []string{notify.KindFindingKEV}}})
	c := e.register(tokA, example(t, "smart-plug"))
	var l1, l2 IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &l1), 201)
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &l2), 201)
	wantStatus(t, e.json("POST", "/api/v1/labels/"+l2.Label.ID+"/revoke", tokA, RevokeRequest{Reason: "CVE-2026-0001 unpatched"}, nil), 200)
	rc.wait(t, 2, 10*time.Second)
	// two weeks of counts: a portfolio that grows, one label revoked on the last day
	today := time.Now().UTC()
	for i := 13; i >= 0; i-- {
		d := today.AddDate(0, 0, -i).Format(time.DateOnly)
		n := int64(20 - i)
		revoked := int64(0)
		if i == 0 {
			revoked = 1
		}
		if _, err := e.srv.outbox.AppendPortfolio(context.Background(), d, []store.PortfolioCount{
			{OrgID: orgA, Metric: store.MetricProducts, Value: n},
			{OrgID: orgA, Metric: store.MetricLabelsValid, Value: n - 3 - revoked},
			{OrgID: orgA, Metric: store.MetricLabelsRevoked, Value: revoked},
			{OrgID: orgA, Metric: store.MetricSupportEnded, Value: int64(i / 7)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the deliveries are recorded just after the receiver answers

	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(browserProfile(t)), chromedp.WindowSize(1100, 1400))
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	var lineWidth float64
	var firstType string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys("#email", "anna@voltic.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Click("#login", chromedp.ByQuery),
		chromedp.WaitVisible("#upload", chromedp.ByQuery),
		chromedp.Navigate(e.ts.URL+"/dashboard/events"),
		chromedp.WaitVisible("svg.chart", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("svg.chart polyline").getBoundingClientRect().width`, &lineWidth),
		chromedp.Text("main table:nth-of-type(2) tbody tr td:nth-child(2)", &firstType, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if lineWidth < 100 {
		t.Fatalf("the chart's line is %.0f px wide", lineWidth)
	}
	if firstType != notify.KindLabelSuperseded {
		t.Fatalf("the first event listed is %q", firstType)
	}
	shot(t, ctx, "registry-events.png")
}
