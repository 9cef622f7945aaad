package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/testdata"
)

// kevAddedCVE affects the router's and the camera's kernels (the smart plug
// has none); the test's old KEV catalogue is the one of 2025-03-03 without
// it, the staged current one (2025-08-25) lists it.
const kevAddedCVE = "CVE-2024-1086"

// kevWithout returns a KEV catalogue without one CVE's entry.
func kevWithout(t *testing.T, path, cve string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]json.RawMessage
	var vulns []map[string]any
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(cat["vulnerabilities"], &vulns); err != nil {
		t.Fatal(err)
	}
	kept := vulns[:0]
	for _, v := range vulns {
		if v["cveID"] != cve {
			kept = append(kept, v)
		}
	}
	if len(kept) == len(vulns) {
		t.Fatalf("%s does not list %s", path, cve)
	}
	cat["vulnerabilities"], _ = json.Marshal(kept)
	cat["count"], _ = json.Marshal(len(kept))
	out, _ := json.Marshal(cat)
	return out
}

// TestWebhookOnKEV is issue 13's done-when for notifications: a seeded
// portfolio (the router, the camera and the smart plug of three
// manufacturers) matched against a database whose KEV catalogue is of
// 2025-03-03; the operator imports the newer KEV catalogue through the API;
// the delta re-match writes finding.kev in its own transaction and each
// affected manufacturer's webhook fires exactly once, signed, the
// unaffected one's not at all. The uploads' first matches wrote
// finding.new, which a catch-all subscription received.
func TestWebhookOnKEV(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { webhookOnKEV(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		webhookOnKEV(t, func(c *Config) { c.Database = dsn })
	})
}

// kevEnv is a registry matching against a database of the CVE-2024-1086
// record and the 2025-03-03 KEV catalogue without it: a later import of the
// current catalogue makes it KEV-listed.
func kevEnv(t *testing.T, opt func(*Config)) *env {
	recs := cveLines(t, kevAddedCVE)
	// the record's CISA ADP SSVC decision says Exploitation "active", which
	// opens an Art. 14 case on its own (issue 14 item 1); these tests are
	// about the KEV listing, so it says "none" here
	rec := bytes.Replace(recs[kevAddedCVE], []byte(`"Exploitation":"active"`), []byte(`"Exploitation":"none"`), 1)
	if bytes.Equal(rec, recs[kevAddedCVE]) {
		t.Fatalf("the %s record has no SSVC Exploitation active", kevAddedCVE)
	}
	oldKEV := tempFile(t, "known_exploited_vulnerabilities.json", kevWithout(t, testdata.Path(t, "kev/history/known_exploited_vulnerabilities.2025.03.03.json"), kevAddedCVE))
	dbDir := advisoryDB(t, [][]byte{rec}, oldKEV)
	opts := []func(*Config){fastNotify, func(c *Config) { c.AdvisoryDB = dbDir }}
	if opt != nil {
		opts = append(opts, opt)
	}
	return newEnv(t, opts...)
}

// importKEV imports the staged current KEV catalogue through the API.
func (e *env) importKEV() *ImportResult {
	e.t.Helper()
	kev, err := os.ReadFile(testdata.Path(e.t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var imp ImportResult
	wantStatus(e.t, e.do("POST", "/api/v1/admin/advisories?name=known_exploited_vulnerabilities.json", e.admin, bytes.NewReader(kev), "application/octet-stream", &imp), 200)
	return &imp
}

func webhookOnKEV(t *testing.T, opt func(*Config)) {
	e := kevEnv(t, opt)
	orgA, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	_, tokB := e.manufacturer("Lumora", "b@lumora.example")
	orgC, tokC := e.manufacturer("Voltic Home Devices GmbH", "c@voltic.example")
	kevOnly := notify.Filter{Kinds: []string{notify.KindFindingKEV}}
	recvA, recvB, recvC := newReceiver(t, always(204)), newReceiver(t, always(204)), newReceiver(t, always(204))
	recvNew := newReceiver(t, always(204))
	subA := e.subscribe(tokA, SubscriptionRequest{URL: recvA.URL, Filter: kevOnly})
	subB := e.subscribe(tokB, SubscriptionRequest{URL: recvB.URL, Filter: kevOnly})
	e.subscribe(tokC, SubscriptionRequest{URL: recvC.URL, Filter: kevOnly})
	subNew := e.subscribe(tokA, SubscriptionRequest{URL: recvNew.URL, Filter: notify.Filter{Kinds: []string{notify.KindFindingNew}}})
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	router := e.register(tokA, example(t, "home-router"))
	camera := e.register(tokB, example(t, "security-camera"))
	e.register(tokC, example(t, "smart-plug"))

	// the upload's first match: finding.new, not KEV-listed yet
	got := recvNew.wait(t, 1, 10*time.Second)
	ev := verified(t, subNew.Secret, got[0])
	if ev.Kind != notify.KindFindingNew || ev.Vulnerability != kevAddedCVE || ev.VersionID != router.Version.ID || ev.ProductID != router.Product.ID || ev.KEV {
		t.Fatalf("finding.new event %+v", ev)
	}

	imp := e.importKEV()
	if imp.Rematch == nil || len(imp.Rematch.Changes) != 2 {
		t.Fatalf("re-match after the KEV import: %+v", imp.Rematch)
	}
	for _, c := range []struct {
		rc      *receiver
		secret  string
		version string
	}{{recvA, subA.Secret, router.Version.ID}, {recvB, subB.Secret, camera.Version.ID}} {
		c.rc.wait(t, 1, 10*time.Second)
	}
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show
	for _, c := range []struct {
		name    string
		rc      *receiver
		secret  string
		version string
	}{{"Kestrel", recvA, subA.Secret, router.Version.ID}, {"Lumora", recvB, subB.Secret, camera.Version.ID}} {
		got := c.rc.requests()
		if len(got) != 1 {
			t.Fatalf("%s's finding.kev webhook fired %d times, want once", c.name, len(got))
		}
		ev := verified(t, c.secret, got[0])
		if ev.Kind != notify.KindFindingKEV || ev.Vulnerability != kevAddedCVE || !ev.KEV || ev.VersionID != c.version {
			t.Errorf("%s: event %+v", c.name, ev)
		}
		var data struct {
			ComponentIDs []int64 `json:"componentIds"`
		}
		if json.Unmarshal(ev.Payload, &data); len(data.ComponentIDs) == 0 {
			t.Errorf("%s: data %s names no component", c.name, ev.Payload)
		}
	}
	if n := len(recvC.requests()); n != 0 {
		t.Errorf("the unaffected manufacturer's webhook fired %d times", n)
	}
	if n := len(recvNew.requests()); n != 1 {
		t.Errorf("the finding.new webhook fired %d times, want once", n)
	}
	// the daily counts carry the open findings by severity and KEV
	if _, err := e.srv.RunDaily(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		org      string
		kev, any bool
	}{{orgA, true, true}, {orgC, false, false}} {
		counts, err := e.srv.outbox.Portfolio(t.Context(), c.org, "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, pc := range counts {
			m[pc.Metric] = pc.Value
		}
		var open int64
		for _, metric := range store.FindingMetrics {
			v, ok := m[metric]
			if !ok {
				t.Errorf("%s: no %s count in %v", c.org, metric, m)
			}
			if metric != store.MetricFindingsKEV {
				open += v
			}
		}
		if (m[store.MetricFindingsKEV] == 1) != c.kev || (open > 0) != c.any || m[store.MetricFindingsKEV] > open {
			t.Errorf("%s: finding counts %v", c.org, m)
		}
	}
	ds, err := e.srv.outbox.ListDeliveries(context.Background(), "", ev.ID)
	if err != nil || len(ds) != 1 || ds[0].Status != store.DeliveryDelivered {
		t.Fatalf("deliveries of the finding.new event: %+v, %v", ds, err)
	}
}
