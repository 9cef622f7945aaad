package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCSAFDocuments, on SQLite and PostgreSQL: a document is stored as
// revision 1, revised only from the revision it revises (a stale revision
// is a conflict, as is publishing a tracking ID twice), found by source
// and TLP, listed by organisation and TLP, read by tracking ID across
// organisations only when unambiguous; an unknown source is refused.
func TestCSAFDocuments(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *DB, f *fixture) {
		ctx := context.Background()
		at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
		doc := func(org *Org, id, tlp, src string, rev int) *CSAFDocument {
			return &CSAFDocument{OrgID: org.ID, TrackingID: id, TLP: tlp, Source: CSAFFromVersion, SourceID: src, Title: "VEX " + id,
				Initial: at, Current: at.Add(time.Duration(rev) * time.Hour), Revision: rev, Content: []byte(`{"rev":` + string(rune('0'+rev)) + `}`)}
		}
		a := Actor{OrgID: f.a.ID, UserID: "t"}
		must(t, s.PutCSAFDocument(ctx, a, doc(f.a, "DMR-VEX-A-WHITE", "WHITE", f.va.ID, 1)))
		must(t, s.PutCSAFDocument(ctx, a, doc(f.a, "DMR-VEX-A-AMBER", "AMBER", f.va.ID, 1)))
		must(t, s.PutCSAFDocument(ctx, Actor{OrgID: f.b.ID}, doc(f.b, "DMR-VEX-B-GREEN", "GREEN", f.vb.ID, 1)))
		if err := s.PutCSAFDocument(ctx, a, doc(f.a, "DMR-VEX-A-WHITE", "WHITE", f.va.ID, 1)); !errors.Is(err, ErrConflict) {
			t.Fatalf("published twice: %v", err)
		}
		must(t, s.PutCSAFDocument(ctx, a, doc(f.a, "DMR-VEX-A-WHITE", "WHITE", f.va.ID, 2)))
		if err := s.PutCSAFDocument(ctx, a, doc(f.a, "DMR-VEX-A-WHITE", "WHITE", f.va.ID, 2)); !errors.Is(err, ErrConflict) {
			t.Fatalf("a stale revision: %v", err)
		}
		bad := doc(f.a, "X", "WHITE", f.va.ID, 1)
		bad.Source = "upload"
		if err := s.PutCSAFDocument(ctx, a, bad); err == nil {
			t.Fatal("an unknown source is stored")
		}
		got, err := s.CSAFDocumentFor(ctx, f.a.ID, CSAFFromVersion, f.va.ID, "WHITE")
		must(t, err)
		if got.Revision != 2 || string(got.Content) != `{"rev":2}` || !got.Initial.Equal(at) || !got.Current.Equal(at.Add(2*time.Hour)) || len(got.SHA256) != 64 {
			t.Fatalf("revised document %+v", got)
		}
		if _, err := s.CSAFDocumentFor(ctx, f.b.ID, CSAFFromVersion, f.va.ID, "WHITE"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another organisation's source: %v", err)
		}
		pub, err := s.CSAFDocuments(ctx, f.a.ID, "WHITE", "GREEN")
		must(t, err)
		if len(pub) != 1 || pub[0].TrackingID != "DMR-VEX-A-WHITE" {
			t.Fatalf("A's public documents: %+v", pub)
		}
		all, err := s.CSAFDocuments(ctx, "")
		must(t, err)
		heads, err := s.CSAFDocumentHeads(ctx, "")
		must(t, err)
		if len(all) != 3 || len(heads) != 3 {
			t.Fatalf("every document: %d, heads %d", len(all), len(heads))
		}
		for i := range heads {
			if len(heads[i].Content) != 0 || heads[i].SHA256 != all[i].SHA256 || heads[i].TrackingID != all[i].TrackingID || len(all[i].Content) == 0 {
				t.Fatalf("head %+v, document %+v", heads[i], all[i])
			}
		}
		if _, err := s.CSAFDocument(ctx, f.b.ID, "DMR-VEX-A-AMBER"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("B reads A's document: %v", err)
		}
		if d, err := s.CSAFDocument(ctx, "", "DMR-VEX-A-AMBER"); err != nil || d.OrgID != f.a.ID {
			t.Fatalf("any organisation's: %+v %v", d, err)
		}
		// the same tracking ID in two organisations is ambiguous without one
		must(t, s.PutCSAFDocument(ctx, Actor{OrgID: f.b.ID}, doc(f.b, "DMR-VEX-A-AMBER", "AMBER", f.vb.ID, 1)))
		if _, err := s.CSAFDocument(ctx, "", "DMR-VEX-A-AMBER"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an ambiguous tracking ID: %v", err)
		}
	})
}
