package store

import (
	"context"
	"testing"

	"github.com/dualmark/dualmark/internal/notify"
)

// TestReassessQueue: only versions whose files were kept are queued, once
// each; completing a re-assessment removes it from the queue and records it,
// with a assessment.changed event only when the verdicts changed; a version of
// another organisation is not found through it.
func TestReassessQueue(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) { // va, vb: files not kept
		ctx := context.Background()
		kept := version(f.pa, "2.4.0")
		kept.Files = []VersionFile{{Name: "evidence/pentest.pdf", Digest: "aa11", Size: 3}, {Name: "cbom.json", Digest: "bb22", Size: 5}}
		kept.FilesKept = true
		must(t, s.CreateVersion(ctx, sys, kept, nil))

		files, ok, err := s.VersionFiles(ctx, kept.ID)
		must(t, err)
		if !ok || len(files) != 2 || files[0].Name != "cbom.json" || files[1].Digest != "aa11" {
			t.Fatalf("files of the kept version: %+v, kept %v", files, ok)
		}
		if _, ok, err := s.VersionFiles(ctx, f.va.ID); err != nil || ok {
			t.Fatalf("files of a version uploaded without them: kept %v, %v", ok, err)
		}

		n, err := s.EnqueueReassess(ctx, "job1", []string{f.va.ID, kept.ID, f.vb.ID})
		must(t, err)
		if n != 1 {
			t.Fatalf("queued %d versions, want only the one with its files", n)
		}
		if n, err := s.EnqueueReassess(ctx, "job2", []string{kept.ID}); err != nil || n != 0 {
			t.Fatalf("queued again: %d, %v", n, err)
		}
		q, err := s.NextReassess(ctx, 10)
		must(t, err)
		if len(q) != 1 || q[0].VersionID != kept.ID || q[0].JobID != "job1" {
			t.Fatalf("queue %+v", q)
		}

		sub := subscribe(t, s, f.a.ID, notify.Filter{Kinds: []string{notify.KindAssessmentChanged}})
		same := &Reassessment{VersionID: kept.ID, JobID: "job1", Before: "cra=conforms", After: "cra=conforms"}
		must(t, s.CompleteReassess(ctx, same, []byte(`{"a":1}`)))
		if q, _ := s.NextReassess(ctx, 10); len(q) != 0 {
			t.Fatalf("still queued after completing: %+v", q)
		}
		if evs := events(t, s, f.a.ID); len(evs) != 0 {
			t.Fatalf("an unchanged re-assessment wrote events: %+v", evs)
		}
		_, err = s.EnqueueReassess(ctx, "job3", []string{kept.ID})
		must(t, err)
		changed := &Reassessment{VersionID: kept.ID, JobID: "job3", Before: "cra=conforms", After: "cra=does-not-conform"}
		must(t, s.CompleteReassess(ctx, changed, []byte(`{"a":2}`)))
		evs := events(t, s, f.a.ID)
		if len(evs) != 1 || evs[0].Kind != notify.KindAssessmentChanged || evs[0].VersionID != kept.ID || evs[0].ProductID != f.pa.ID {
			t.Fatalf("events after a changed re-assessment: %+v", evs)
		}
		if ds := deliveries(t, s, evs[0].ID); len(ds) != 1 || ds[0].SubscriptionID != sub.ID {
			t.Fatalf("deliveries %+v", ds)
		}
		last, err := s.LastReassessment(ctx, kept.ID)
		must(t, err)
		if last == nil || last.After != "cra=does-not-conform" || last.Assessment == "" {
			t.Fatalf("last re-assessment %+v", last)
		}
		all, err := s.Reassessments(ctx, f.a.ID, kept.ID)
		must(t, err)
		if len(all) != 2 || all[0].Changed() || !all[1].Changed() {
			t.Fatalf("re-assessments %+v", all)
		}
		_, err = s.Reassessments(ctx, f.b.ID, kept.ID)
		wantErr(t, err, ErrNotFound)
	})
}
