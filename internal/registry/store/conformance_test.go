package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
)

// drivers opens a fresh store per driver. PostgreSQL gets its own schema per
// run (regtest.PostgresSchema), skipped when no server answers, except under
// CI=true, where that fails.
var drivers = []struct {
	name string
	open func(t *testing.T) *DB
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t *testing.T) *DB {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t *testing.T) *DB {
	s, err := Open(context.Background(), regtest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the one suite every driver must pass.
func TestConformance(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, d.open(t)) })
			}
		})
	}
}

var sys = Actor{UserID: "test", Remote: "127.0.0.1"}

// fixture is two manufacturers, each with one product and one version.
type fixture struct {
	a, b   *Org
	pa, pb *Product
	va, vb *Version
}

func seed(t *testing.T, s *DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{a: &Org{Name: "Voltic Home Devices GmbH", Kind: KindManufacturer}, b: &Org{Name: "Other Corp", Kind: KindManufacturer}}
	for _, o := range []*Org{f.a, f.b} {
		must(t, s.CreateOrg(ctx, sys, o))
	}
	f.pa = &Product{OrgID: f.a.ID, Name: "Voltic SP-210 Smart Plug", Manufacturer: f.a.Name, Brand: "Voltic", Model: "SP-210"}
	f.pb = &Product{OrgID: f.b.ID, Name: "Camera 9", Manufacturer: f.b.Name, Model: "C9"}
	for _, p := range []*Product{f.pa, f.pb} {
		must(t, s.CreateProduct(ctx, sys, p, nil, nil))
	}
	f.va = version(f.pa, "2.3.1")
	f.vb = version(f.pb, "1.0")
	for _, v := range []*Version{f.va, f.vb} {
		must(t, s.CreateVersion(ctx, sys, v, nil))
	}
	return f
}

// eachSeeded runs fn, as a subtest named after each driver, on a store of
// that driver with the fixture seeded.
func eachSeeded(t *testing.T, fn func(t *testing.T, s *DB, f *fixture)) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			fn(t, s, seed(t, s))
		})
	}
}

func version(p *Product, v string) *Version {
	return &Version{ProductID: p.ID, OrgID: p.OrgID, Version: v, SBOMDigest: "ab12", Dossier: []byte("d"), SBOM: []byte("s"),
		Assessment: []byte("{}"), Summary: []byte("{}"), Public: []byte(`{"x":1}`), Verdicts: "cra=conforms"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// kernelKey is the CPE key the re-match tests index the kernel under.
const kernelKey = "c:linux:linux_kernel"

// kernel is a Linux kernel component under kernelKey, digest as given.
func kernel(digest, name, ref string) IndexedComponent {
	return IndexedComponent{Component: Component{Digest: digest, Name: name, Version: "5.15.150"}, Keys: []string{kernelKey}, Ref: ref}
}

// indexKernels indexes the versions and returns the IDs of the components
// stored under kernelKey.
func indexKernels(t *testing.T, s *DB, versions ...VersionIndex) []int64 {
	t.Helper()
	for i := range versions {
		must(t, s.IndexVersion(context.Background(), &versions[i]))
	}
	ids, err := s.ComponentsByKeys(context.Background(), []string{kernelKey})
	must(t, err)
	return ids
}

func count(t *testing.T, s *DB, table string) int {
	t.Helper()
	var n int
	must(t, s.db.QueryRow("SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

var conformance = []struct {
	name string
	run  func(t *testing.T, s *DB)
}{
	{"migrations are versioned and idempotent", func(t *testing.T, s *DB) {
		v, err := s.SchemaVersion(context.Background())
		must(t, err)
		names, _ := Migrations(s.Dialect())
		var highest int64 // the numbers need not be contiguous: parallel branches take numbers ahead
		for _, n := range names {
			var k int64
			fmt.Sscanf(filepath.Base(n), "%d_", &k)
			highest = max(highest, k)
		}
		if v != highest || v == 0 {
			t.Fatalf("schema version %d, highest migration file %d", v, highest)
		}
		must(t, s.migrate(context.Background()))
		if n := count(t, s, "schema_migrations"); n != len(names) {
			t.Fatalf("%d rows in schema_migrations after re-running, want %d", n, len(names))
		}
	}},
	{"organisations", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		o, err := s.Org(ctx, f.a.ID)
		must(t, err)
		if o.Name != f.a.Name || o.Kind != KindManufacturer || o.Created.IsZero() {
			t.Fatalf("got %+v", o)
		}
		if err := s.CreateOrg(ctx, sys, &Org{Name: "x", Kind: "pirate"}); err == nil {
			t.Fatal("an organisation of kind pirate was stored")
		}
		_, err = s.Org(ctx, "nope")
		wantErr(t, err, ErrNotFound)
		all, err := s.ListOrgs(ctx)
		must(t, err)
		if len(all) != 2 {
			t.Fatalf("%d organisations", len(all))
		}
	}},
	{"users", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		u := &User{OrgID: f.a.ID, Email: " Anna@Voltic.Example ", PasswordHash: "$argon2id$x"}
		must(t, s.CreateUser(ctx, sys, u))
		got, err := s.UserByEmail(ctx, "anna@voltic.EXAMPLE")
		must(t, err)
		if got.ID != u.ID || got.PasswordHash != u.PasswordHash {
			t.Fatalf("got %+v", got)
		}
		wantErr(t, s.CreateUser(ctx, sys, &User{OrgID: f.b.ID, Email: "anna@voltic.example", PasswordHash: "h"}), ErrConflict)
		_, err = s.User(ctx, "nope")
		wantErr(t, err, ErrNotFound)
	}},
	{"tokens", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		tk := &Token{OrgID: f.a.ID, Name: "ci", Hash: "h1", Scopes: []string{ScopeRead, ScopeWrite}}
		must(t, s.CreateToken(ctx, sys, tk))
		got, err := s.TokenByHash(ctx, "h1")
		must(t, err)
		if !got.HasScope(ScopeWrite) || got.HasScope(ScopeLabel) || got.OrgID != f.a.ID {
			t.Fatalf("got %+v", got)
		}
		wantErr(t, s.RevokeToken(ctx, sys, f.b.ID, tk.ID, time.Now()), ErrNotFound)
		must(t, s.RevokeToken(ctx, sys, f.a.ID, tk.ID, time.Now()))
		_, err = s.TokenByHash(ctx, "h1")
		wantErr(t, err, ErrNotFound)
		wantErr(t, s.RevokeToken(ctx, sys, f.a.ID, tk.ID, time.Now()), ErrNotFound)
		list, err := s.ListTokens(ctx, f.a.ID)
		must(t, err)
		if len(list) != 1 || list[0].Revoked == nil {
			t.Fatalf("list %+v", list)
		}
	}},
	{"products are scoped to their organisation", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		_, err := s.Product(ctx, f.b.ID, f.pa.ID)
		wantErr(t, err, ErrNotFound)
		p, err := s.Product(ctx, f.a.ID, f.pa.ID)
		must(t, err)
		if p.Model != "SP-210" {
			t.Fatalf("got %+v", p)
		}
		p, err = s.Product(ctx, "", f.pb.ID)
		must(t, err)
		if p.Name != "Camera 9" {
			t.Fatalf("got %+v", p)
		}
		list, _, err := s.ListProducts(ctx, ProductQuery{OrgID: f.b.ID})
		must(t, err)
		if len(list) != 1 || list[0].ID != f.pb.ID {
			t.Fatalf("org b sees %+v", list)
		}
	}},
	{"product pagination and search", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		for i := 0; i < 5; i++ {
			must(t, s.CreateProduct(ctx, sys, &Product{OrgID: f.a.ID, Name: fmt.Sprintf("Plug %d 100%%", i), Manufacturer: f.a.Name, Model: fmt.Sprintf("P-%d", i)}, nil, nil))
		}
		var ids []string
		after := ""
		for pages := 0; ; pages++ {
			list, next, err := s.ListProducts(ctx, ProductQuery{OrgID: f.a.ID, Page: Page{After: after, Limit: 4}})
			must(t, err)
			for _, p := range list {
				ids = append(ids, p.ID)
			}
			if next == "" {
				if pages != 1 {
					t.Fatalf("%d pages of 4 for 6 products", pages+1)
				}
				break
			}
			after = next
		}
		if len(ids) != 6 {
			t.Fatalf("%d products over all pages, want 6", len(ids))
		}
		for _, c := range []struct {
			text string
			want int
		}{{"sp-210", 1}, {"VOLTIC", 6}, {"p-3", 1}, {"100%", 5}, {"%", 5}, {"_", 0}, {"' OR 1=1 --", 0}, {"camera", 1}} {
			list, _, err := s.ListProducts(ctx, ProductQuery{Text: c.text})
			must(t, err)
			if len(list) != c.want {
				t.Errorf("search %q: %d products, want %d", c.text, len(list), c.want)
			}
		}
		n, err := s.CountProducts(ctx)
		must(t, err)
		if n != 7 {
			t.Fatalf("count %d", n)
		}
	}},
	{"versions", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		v, err := s.Version(ctx, f.a.ID, f.va.ID)
		must(t, err)
		if string(v.Public) != `{"x":1}` || string(v.SBOM) != "s" || v.Label != nil {
			t.Fatalf("got %+v", v)
		}
		_, err = s.Version(ctx, f.b.ID, f.va.ID)
		wantErr(t, err, ErrNotFound)
		blobs := count(t, s, "blobs")
		v2 := version(f.pa, "2.4.0")
		must(t, s.CreateVersion(ctx, sys, v2, nil))
		if got := count(t, s, "blobs"); got != blobs {
			t.Fatalf("a version with the same content added %d blobs: they must be stored once", got-blobs)
		}
		latest, err := s.LatestVersion(ctx, f.pa.ID)
		must(t, err)
		if latest.ID != v2.ID {
			t.Fatalf("latest %s, want %s", latest.Version, v2.Version)
		}
		list, next, err := s.ListVersions(ctx, f.a.ID, f.pa.ID, Page{Limit: 1})
		must(t, err)
		if len(list) != 1 || next == "" || list[0].Version != "2.3.1" || list[0].Public != nil {
			t.Fatalf("page 1: %+v next %q", list, next)
		}
		list, _, err = s.ListVersions(ctx, f.b.ID, f.pa.ID, Page{})
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("org b lists org a's versions: %+v", list)
		}
	}},
	{"a failed write stores nothing", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		before, audits := count(t, s, "versions"), count(t, s, "audit")
		// another organisation's product
		v := version(f.pa, "9")
		v.OrgID = f.b.ID
		wantErr(t, s.CreateVersion(ctx, sys, v, nil), ErrNotFound)
		// a duplicate idempotency key rolls the version back
		idem := &Idempotency{OrgID: f.a.ID, Key: "k1", RequestHash: "r"}
		must(t, s.CreateVersion(ctx, sys, version(f.pa, "3"), idem))
		wantErr(t, s.CreateVersion(ctx, sys, version(f.pa, "3"), &Idempotency{OrgID: f.a.ID, Key: "k1", RequestHash: "r"}), ErrConflict)
		if got := count(t, s, "versions"); got != before+1 {
			t.Fatalf("%d versions, want %d", got, before+1)
		}
		// a product whose first version fails is not stored either
		p := &Product{OrgID: f.a.ID, Name: "Half", Manufacturer: f.a.Name}
		bad := version(f.pa, "1")
		bad.ID = f.va.ID // duplicate primary key
		wantErr(t, s.CreateProduct(ctx, sys, p, bad, nil), ErrConflict)
		if _, err := s.Product(ctx, "", p.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("half-stored product: %v", err)
		}
		good := &Product{OrgID: f.a.ID, Name: "Whole", Manufacturer: f.a.Name}
		first := version(f.pa, "1")
		must(t, s.CreateProduct(ctx, sys, good, first, &Idempotency{OrgID: f.a.ID, Key: "k2", RequestHash: "r"}))
		if first.ProductID != good.ID {
			t.Fatalf("first version's product %s", first.ProductID)
		}
		if got := count(t, s, "audit"); got != audits+3 {
			t.Fatalf("%d audit rows, want %d", got, audits+3)
		}
		got, err := s.Idempotent(ctx, f.a.ID, "k1")
		must(t, err)
		if got.Kind != "version" || got.ResourceID == "" {
			t.Fatalf("idempotency %+v", got)
		}
		_, err = s.Idempotent(ctx, f.b.ID, "k1")
		wantErr(t, err, ErrNotFound)
	}},
	{"labels: supersede and revoke", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		l1 := &Label{ID: "l1", VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.a.ID, ProductDigest: "pd", LogIndex: 0, Bundle: []byte("b1")}
		must(t, s.AddLabel(ctx, sys, l1))
		wrong := &Label{ID: "lx", VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.b.ID, ProductDigest: "pd"}
		wantErr(t, s.AddLabel(ctx, sys, wrong), ErrNotFound)
		l2 := &Label{ID: "l2", VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.a.ID, ProductDigest: "pd", LogIndex: 1, Bundle: []byte("b2")}
		must(t, s.AddLabel(ctx, sys, l2))
		got, err := s.Label(ctx, "l1")
		must(t, err)
		if got.Status != StatusSuperseded || got.Changed == nil {
			t.Fatalf("l1 %+v", got)
		}
		v, err := s.Version(ctx, "", f.va.ID)
		must(t, err)
		if v.Label == nil || v.Label.ID != "l2" || v.Label.Status != StatusValid || string(v.Label.Bundle) != "b2" {
			t.Fatalf("version label %+v", v.Label)
		}
		wantErr(t, s.RevokeLabel(ctx, sys, f.b.ID, "l2", "x", time.Now()), ErrNotFound)
		must(t, s.RevokeLabel(ctx, sys, f.a.ID, "l2", "CVE-2026-0001 unpatched", time.Now()))
		wantErr(t, s.RevokeLabel(ctx, sys, f.a.ID, "l2", "again", time.Now()), ErrNotFound)
		got, err = s.Label(ctx, "l2")
		must(t, err)
		if got.Status != StatusRevoked || got.Reason != "CVE-2026-0001 unpatched" {
			t.Fatalf("l2 %+v", got)
		}
		wantErr(t, s.AddLabel(ctx, sys, &Label{ID: "l2", VersionID: f.va.ID, ProductID: f.pa.ID, OrgID: f.a.ID, ProductDigest: "pd", Bundle: []byte("b")}), ErrConflict)
	}},
	{"the audit log is append-only", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		all, err := s.ListAudit(ctx, "", Page{})
		must(t, err)
		// 2 orgs, 2 products, 2 versions
		if len(all) != 6 || all[0].Action != "org.create" || all[5].Action != "version.create" || all[0].Remote != "127.0.0.1" {
			t.Fatalf("audit %+v", all)
		}
		page2, err := s.ListAudit(ctx, "", Page{After: fmt.Sprint(all[3].Seq)})
		must(t, err)
		if len(page2) != 2 {
			t.Fatalf("after seq %d: %d entries", all[3].Seq, len(page2))
		}
		for _, q := range []string{"UPDATE audit SET action = 'x'", "DELETE FROM audit"} {
			if _, err := s.db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		if n := count(t, s, "audit"); n != 6 {
			t.Fatalf("%d audit rows after tampering, want 6", n)
		}
		_ = f
	}},
	{"labs: shares, queue and test reports", func(t *testing.T, s *DB) {
		ctx := context.Background()
		f := seed(t, s)
		lab := &Org{Name: "Nordlicht Prüflabor GmbH", Kind: KindLab}
		must(t, s.CreateOrg(ctx, sys, lab))
		wantErr(t, s.ShareProduct(ctx, sys, f.b.ID, f.pa.ID, lab.ID), ErrNotFound) // not B's product
		must(t, s.ShareProduct(ctx, sys, f.a.ID, f.pa.ID, lab.ID))
		wantErr(t, s.ShareProduct(ctx, sys, f.a.ID, f.pa.ID, lab.ID), ErrConflict)
		if ok, err := s.SharedWith(ctx, f.pa.ID, lab.ID); err != nil || !ok {
			t.Fatalf("shared: %v %v", ok, err)
		}
		if ok, _ := s.SharedWith(ctx, f.pb.ID, lab.ID); ok {
			t.Fatal("B's product is shared with the lab")
		}
		q, next, err := s.Queue(ctx, lab.ID, Page{})
		must(t, err)
		if len(q) != 1 || q[0].ID != f.pa.ID || next != "" {
			t.Fatalf("queue %+v %q", q, next)
		}
		shares, err := s.ListShares(ctx, f.pa.ID)
		must(t, err)
		if len(shares) != 1 || shares[0].OrgName != lab.Name {
			t.Fatalf("shares %+v", shares)
		}
		r := &TestReport{VersionID: f.va.ID, ProductID: f.pa.ID, LabOrgID: lab.ID, Name: "ctm-test-report.md", Title: "CTM test report",
			Accreditation: "ISO/IEC 17025", SHA256: "ab", Size: 6, Content: []byte("report"), Attestation: []byte(`{"payload":""}`)}
		must(t, s.AddTestReport(ctx, sys, r))
		list, err := s.TestReports(ctx, f.va.ID, "")
		must(t, err)
		if len(list) != 1 || list[0].Content != nil || list[0].Name != r.Name {
			t.Fatalf("reports %+v", list)
		}
		if other, _ := s.TestReports(ctx, f.va.ID, f.b.ID); len(other) != 0 {
			t.Fatalf("reports of another lab: %+v", other)
		}
		got, err := s.TestReport(ctx, r.ID)
		must(t, err)
		if string(got.Content) != "report" || string(got.Attestation) != `{"payload":""}` {
			t.Fatalf("report %+v", got)
		}
		_, err = s.TestReport(ctx, "nope")
		wantErr(t, err, ErrNotFound)
		must(t, s.UnshareProduct(ctx, sys, f.a.ID, f.pa.ID, lab.ID))
		wantErr(t, s.UnshareProduct(ctx, sys, f.a.ID, f.pa.ID, lab.ID), ErrNotFound)
		if q, _, _ := s.Queue(ctx, lab.ID, Page{}); len(q) != 0 {
			t.Fatalf("queue after unsharing %+v", q)
		}
	}},
}
