package monitor

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// postgresDSN returns the URL of a fresh schema of the test PostgreSQL
// server ($DUALMARK_TEST_POSTGRES, default the local one), dropped at the
// test's end; it skips when no server answers, except under CI=true.
func postgresDSN(t *testing.T) string {
	t.Helper()
	u := os.Getenv("DUALMARK_TEST_POSTGRES")
	if u == "" {
		u = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", u)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		msg := fmt.Sprintf("no PostgreSQL server answers at %s (set DUALMARK_TEST_POSTGRES): %v", u, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "dmtest_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "search_path=" + schema
}

// uncached is the crisis answer computed without the cache.
func uncached(t *testing.T, m *Monitor, ctx context.Context, id, org string, resolved bool) *Affected {
	t.Helper()
	crisisCacheOff.Store(true)
	defer crisisCacheOff.Store(false)
	a, err := m.Affected(ctx, nil, id, org, resolved)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sameAnswer compares two crisis answers but for when they were generated.
func sameAnswer(t *testing.T, what string, got, want *Affected) {
	t.Helper()
	g, w := *got, *want
	g.Generated, w.Generated = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		t.Fatalf("%s: the cached answer differs from the query's\ncached: %.600s\nquery:  %.600s", what, gj, wj)
	}
}

// TestCrisisCache, on both stores: a cached crisis answer (and its JSON),
// and one computed from the findings and the crisis catalogue, is the
// query's answer for a seeded portfolio, is reused while nothing
// changes, and is recomputed after every kind of write it depends on — a
// re-match commit, a new version (fixedIn), a revoked label — and per
// caller's view.
func TestCrisisCache(t *testing.T) {
	oldPath, newPath := buildDBs(t)
	oldDB, newDB := openDB(t, oldPath), openDB(t, newPath)
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "r.db") }},
		{"postgres", postgresDSN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, ids := seedStore(t, tc.dsn(t), 14)
			m := New(st)
			if _, err := m.Backfill(ctx, oldDB); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Rematch(ctx, newDB, false); err != nil {
				t.Fatal(err)
			}
			const id = "CVE-2024-1086"
			// the answer depends on the database only through the ids it
			// resolves; nil keeps the cache key independent of it here
			want := uncached(t, m, ctx, id, "", false)
			if len(want.Versions) < 3 {
				t.Fatalf("%d affected versions, want the routers and cameras", len(want.Versions))
			}
			a1, err := m.Affected(ctx, nil, id, "", false)
			if err != nil {
				t.Fatal(err)
			}
			sameAnswer(t, "first", a1, want)
			a2, _ := m.Affected(ctx, nil, id, "", false)
			if a2 != a1 {
				t.Error("nothing changed, yet the answer was computed again")
			}
			body, a3, err := m.AffectedJSON(ctx, nil, id, "", false)
			if err != nil {
				t.Fatal(err)
			}
			wantJSON, _ := json.MarshalIndent(a1, "", "  ")
			if a3 != a1 || string(body) != string(wantJSON)+"\n" {
				t.Error("the cached JSON is not the answer's encoding")
			}
			// another view is another answer
			org := want.Versions[0].OrgID
			own, _ := m.Affected(ctx, nil, id, org, false)
			sameAnswer(t, "manufacturer view", own, uncached(t, m, ctx, id, org, false))
			if len(own.Versions) >= len(a1.Versions) {
				t.Errorf("manufacturer view: %d of %d", len(own.Versions), len(a1.Versions))
			}
			// a new version of an affected product: fixedIn may change, and
			// the generation does
			g0, _ := st.CrisisGeneration(ctx)
			router := ids["home-router"][0]
			rv, err := st.Version(ctx, "", router)
			if err != nil {
				t.Fatal(err)
			}
			nv := &store.Version{ProductID: rv.ProductID, OrgID: rv.OrgID, Version: "9.9", SBOMDigest: "y", Dossier: rv.Dossier, SBOM: []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}`),
				Assessment: []byte("{}"), Summary: []byte("{}"), Public: []byte("{}")}
			if err := st.CreateVersion(ctx, store.Actor{OrgID: rv.OrgID}, nv, nil); err != nil {
				t.Fatal(err)
			}
			if g1, _ := st.CrisisGeneration(ctx); g1 == g0 {
				t.Fatal("adding a version left the crisis generation unchanged")
			}
			a4, _ := m.Affected(ctx, nil, id, "", false)
			if a4 == a1 {
				t.Fatal("a version was added, yet the old answer was returned")
			}
			sameAnswer(t, "after a new version", a4, uncached(t, m, ctx, id, "", false))
			// a re-match that resolves the findings (the old database has no
			// CVE-2024-1086 for these kernels)
			if _, err := m.Rematch(ctx, oldDB, false); err != nil {
				t.Fatal(err)
			}
			a5, _ := m.Affected(ctx, nil, id, "", false)
			if a5 == a4 {
				t.Fatal("a re-match committed, yet the old answer was returned")
			}
			sameAnswer(t, "after the re-match", a5, uncached(t, m, ctx, id, "", false))
			// the re-match wrote only findings: the catalogue of versions,
			// components and paths was kept and used
			g, _ := st.CrisisGeneration(ctx)
			catalogs.Lock()
			c := catalogs.m[st]
			catalogs.Unlock()
			if c == nil || c.gen != g.Catalog || len(c.versions) == 0 || len(c.paths) == 0 {
				t.Errorf("after the re-match the catalogue is %+v, want one of generation %d", c, g.Catalog)
			}
			if len(a5.Versions) >= len(a4.Versions) {
				t.Errorf("after the re-match: %d affected, before %d", len(a5.Versions), len(a4.Versions))
			}
			withRes, _ := m.Affected(ctx, nil, id, "", true)
			sameAnswer(t, "resolved included", withRes, uncached(t, m, ctx, id, "", true))
		})
	}
}
