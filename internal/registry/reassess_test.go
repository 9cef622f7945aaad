package registry

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// mbedtlsCVE is a real vulnrichment record (Mbed TLS 3.x before 3.5.0 has a
// buffer overflow) that the test's first database lacks.
const mbedtlsCVE = "CVE-2023-43615"

// TestReassess: a smart plug with Mbed TLS 3.4.0 is uploaded while the
// database knows nothing about it (it conforms); the router is uploaded
// beside it with CVE-2024-1086 open but not yet KEV-listed (kevEnv: its SSVC
// says none), so its CRA-I.2.a is unknown. A newer KEV catalogue lists the
// CVE: the router's re-assessment — from the dossier, SBOM and evidence
// files the registry kept — records CRA-I.2.a unknown → not-met and fires
// one assessment.changed webhook to the router's manufacturer. Importing the
// real Mbed TLS CVE record then re-matches the plug, and its re-assessment
// records the verdicts before and after and CRA-I.2.a met → unknown, fires
// one webhook to the plug's manufacturer, and shows in the version's
// re-assessments (not to another organisation).
func TestReassess(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { reassess(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		dsn := regtest.PostgresSchema(t)
		reassess(t, func(c *Config) { c.Database = dsn })
	})
}

func reassess(t *testing.T, opt func(*Config)) {
	e := kevEnv(t, func(c *Config) {
		c.NoReassess = true // the test drains the queue itself
		if opt != nil {
			opt(c)
		}
	})
	_, tokA := e.manufacturer("Kestrel Networks", "a@kestrel.example")
	_, tokB := e.manufacturer("Voltic Home Devices GmbH", "b@voltic.example")
	recvA, recvB := newReceiver(t, always(204)), newReceiver(t, always(204))
	changedOnly := notify.Filter{Kinds: []string{notify.KindAssessmentChanged}}
	subA := e.subscribe(tokA, SubscriptionRequest{URL: recvA.URL, Filter: changedOnly})
	subB := e.subscribe(tokB, SubscriptionRequest{URL: recvB.URL, Filter: changedOnly})
	if err := e.srv.StartMonitor(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	router := e.register(tokA, example(t, "home-router"))
	base := example(t, "smart-plug")
	sbom := bytes.ReplaceAll(base.SBOM, []byte("3.6.2"), []byte("3.4.0"))
	plug := e.register(tokB, WithSBOM(base, "sbom.cdx.json", sbom))
	if !strings.HasPrefix(plug.Version.Verdicts, "cra=conforms") {
		t.Fatalf("the plug with Mbed TLS 3.4.0 does not conform before the record is known: %s", plug.Version.Verdicts)
	}
	db := e.srv.store.(*store.DB)

	// the upload kept the plug's evidence files and CBOM, content-addressed
	files, kept, err := db.VersionFiles(t.Context(), plug.Version.ID)
	if err != nil || !kept || len(files) == 0 {
		t.Fatalf("plug's kept files: %+v, kept %v, %v", files, kept, err)
	}
	for _, f := range files {
		if fi, err := os.Stat(e.srv.filePath(f.Digest)); err != nil || fi.Size() != f.Size {
			t.Fatalf("file store lacks %s: %v", f.Name, err)
		}
	}
	drain := func() []store.Reassessment {
		t.Helper()
		rs, err := e.srv.Reassess(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	for _, r := range drain() { // what the uploads' first matches queued
		if r.Changed() || r.Skipped != "" {
			t.Fatalf("a re-assessment right after the upload changed or skipped: %+v", r)
		}
	}

	if imp := e.importKEV(); imp.Rematch == nil || len(imp.Rematch.Changes) == 0 {
		t.Fatalf("re-match after the KEV import: %+v", imp.Rematch)
	}
	rs := drain()
	if len(rs) != 1 || rs[0].VersionID != router.Version.ID || !rs[0].Changed() || rs[0].Assessment == "" {
		t.Fatalf("after the KEV import re-assessed %+v, want the router, changed", rs)
	}
	if c := i2a(rs[0].Changes); c == nil || c.Before != "unknown" || c.After != "not-met" {
		t.Fatalf("router's CRA-I.2.a change %+v in %+v", c, rs[0].Changes)
	}
	if ev := verified(t, subA.Secret, recvA.wait(t, 1, 10*time.Second)[0]); ev.Kind != notify.KindAssessmentChanged || ev.VersionID != router.Version.ID {
		t.Fatalf("router's assessment.changed event %+v", ev)
	}

	rec := cveLines(t, mbedtlsCVE)[mbedtlsCVE]
	var imp ImportResult
	wantStatus(t, e.do("POST", "/api/v1/admin/advisories?name="+mbedtlsCVE+".json", e.admin, bytes.NewReader(rec), "application/octet-stream", &imp), 200)
	if imp.Rematch == nil || len(imp.Rematch.Changes) == 0 {
		t.Fatalf("re-match after the Mbed TLS record: %+v", imp.Rematch)
	}
	rs = drain()
	if len(rs) != 1 || rs[0].VersionID != plug.Version.ID {
		t.Fatalf("after the Mbed TLS record re-assessed %+v, want the plug only", rs)
	}
	r := rs[0]
	if !r.Changed() || r.Before != plug.Version.Verdicts || r.After == r.Before {
		t.Fatalf("plug re-assessment %+v (upload verdicts %s)", r, plug.Version.Verdicts)
	}
	if c := i2a(r.Changes); c == nil || c.Before != "met" || c.After != "unknown" {
		t.Fatalf("plug's CRA-I.2.a change %+v in %+v", c, r.Changes)
	}
	t.Logf("plug verdicts %s -> %s; %d requirement changes", r.Before, r.After, len(r.Changes))

	got := recvB.wait(t, 1, 10*time.Second)
	ev := verified(t, subB.Secret, got[0])
	var data struct {
		Before, After string
		Changes       []store.RequirementChange
	}
	if err := json.Unmarshal(ev.Payload, &data); err != nil || ev.Kind != notify.KindAssessmentChanged || ev.VersionID != plug.Version.ID ||
		data.Before != r.Before || data.After != r.After || len(data.Changes) != len(r.Changes) {
		t.Fatalf("assessment.changed event %+v, data %s", ev, ev.Payload)
	}

	var list struct{ Reassessments []store.Reassessment }
	wantStatus(t, e.do("GET", "/api/v1/versions/"+plug.Version.ID+"/reassessments", tokB, nil, "", &list), 200)
	if n := len(list.Reassessments); n < 1 || list.Reassessments[n-1].After != r.After || list.Reassessments[n-1].Changes == nil {
		t.Fatalf("listed re-assessments %+v", list.Reassessments)
	}
	wantStatus(t, e.do("GET", "/api/v1/versions/"+plug.Version.ID+"/reassessments", tokA, nil, "", nil), 404)
	time.Sleep(200 * time.Millisecond) // room for a duplicate delivery
	if n := len(recvB.requests()); n != 1 {
		t.Fatalf("assessment.changed fired %d times for the plug, want once", n)
	}
	if n := len(recvA.requests()); n != 1 {
		t.Fatalf("assessment.changed fired %d times for the router, want once", n)
	}
}

// i2a finds CRA-I.2.a among a re-assessment's changes.
func i2a(changes []store.RequirementChange) *store.RequirementChange {
	for i, c := range changes {
		if c.Regime == "cra" && c.Requirement == "CRA-I.2.a" {
			return &changes[i]
		}
	}
	return nil
}
