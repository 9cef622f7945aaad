package match

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
	"github.com/dualmark/dualmark/internal/purl"
	"github.com/dualmark/dualmark/internal/testdata"
)

// purlSeeds are real purls: the purl-spec test suite and the benchmark SBOM.
func purlSeeds(f *testing.F) []string {
	var out []string
	b, err := os.ReadFile(testdata.Path(f, "sbom/cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json"))
	if err == nil {
		for _, part := range strings.Split(string(b), "\"purl\" : \"")[1:] {
			if i := strings.IndexByte(part, '"'); i > 0 {
				out = append(out, part[:i])
			}
		}
	}
	for _, c := range benchComponents(f, "bench/synth-1000.cdx.json") {
		out = append(out, c.PURL)
	}
	return append(out, "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?distro=bullseye&upstream=openssl",
		"pkg:rpm/almalinux/oci-umount@2.3.4-1?epoch=2&distro=almalinux-9.2", "pkg:github/madler/zlib@v1.2.11",
		"pkg:generic/libxml2@v2.9.11?vcs_url=git%2Bhttps://gitlab.gnome.org/GNOME/libxml2.git#sub/path")
}

// FuzzQueryFromPURL: any string maps to a query or a reason, never a
// panic; the quick path and the full parser agree.
func FuzzQueryFromPURL(f *testing.F) {
	for _, s := range purlSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, reason := QueryFromPURL(s)
		if reason == "" && q.Ecosystem == "" && q.Repo == "" {
			t.Fatalf("%q: neither ecosystem, repository nor reason", s)
		}
		if quick, ok := quickQuery(s); ok {
			p, err := purl.ParseLenient(s)
			if err != nil {
				return // the quick path is lenient where the parser is strict
			}
			if p.Version != quick.Version {
				t.Fatalf("%q: quick version %q, parser %q", s, quick.Version, p.Version)
			}
		}
	})
}

// FuzzParseCPE: CPE strings of the staged Bitnami records and of SBOMs
// parse without panics, and a parsed CPE has vendor and product.
func FuzzParseCPE(f *testing.F) {
	for _, r := range readJSONL(f, testdata.Path(f, "advisories/osv/bitnami-vulndb/Bitnami.osv.jsonl.gz"))[:200] {
		var v struct {
			CPEs []string `json:"cpes"`
		}
		json.Unmarshal(r.DatabaseSpecific, &v)
		for _, c := range v.CPEs {
			f.Add(c)
		}
	}
	f.Add(`cpe:2.3:a:the\:vendor:prod\,uct:1.0:*:*:*:*:*:*:*`)
	f.Add("cpe:/a:apache:activemq:5.15.12")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ident.ParseCPE(s)
		if ok && (c.Vendor == "" || c.Product == "") {
			t.Fatalf("%q parsed without vendor/product: %+v", s, c)
		}
	})
}

// FuzzMatchRecord: an arbitrary OSV record and component never make
// matching panic, and the slot table agrees with evaluating each affected
// entry on its own.
func FuzzMatchRecord(f *testing.F) {
	for _, r := range readJSONL(f, testdata.Path(f, "advisories/osv/pypa-advisory-database/PyPI.osv.jsonl.gz"))[:20] {
		b, _ := json.Marshal(r)
		if len(r.Affected) > 0 && r.Affected[0].Package != nil {
			f.Add(b, "pkg:pypi/"+r.Affected[0].Package.Name+"@1.0")
		}
	}
	for _, r := range readJSONL(f, testdata.Path(f, "advisories/osv/go-vulndb/Go.osv.jsonl.gz"))[:20] {
		b, _ := json.Marshal(r)
		if len(r.Affected) > 0 && r.Affected[0].Package != nil {
			f.Add(b, "pkg:golang/"+r.Affected[0].Package.Name+"@v0.1.0-rc.1")
		}
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"limit":"*"},{"last_affected":"1.0.0"},{"fixed":""}]}],"versions":["1.0.0"]}]}`), "pkg:npm/a@1.0.0")
	f.Fuzz(func(t *testing.T, rec []byte, purl string) {
		var r advisory.Record
		if json.Unmarshal(rec, &r) != nil || r.ID == "" {
			return
		}
		ix := NewIndex([]*advisory.Record{&r})
		res, err := Scan([]Component{{PURL: purl, Version: "1.0"}}, ix, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Summary; s.Affected+s.NotAffected+s.NoData+s.Unmatchable != 1 {
			t.Fatalf("component not accounted for: %+v", s)
		}
		q, reason := QueryFromPURL(purl)
		if reason != "" || q.Ecosystem == "" || q.Version == "" {
			return
		}
		m := newMatcher(ix)
		hits, _, _ := m.matchPackage(q)
		pm, _ := m.packageEntries(q.Ecosystem, q.Name)
		v, _ := parseVersion(q.Ecosystem, q.Version)
		raw := normalizeVersion(baseEcosystem(q.Ecosystem), q.Version)
		want := 0
		for _, e := range pm.entries {
			if e.affects(raw, v) {
				want = 1
			}
		}
		if (len(hits) > 0) != (want == 1) {
			t.Fatalf("slot table says %d hits, per-entry evaluation %d", len(hits), want)
		}
	})
}

// FuzzFirmwareComponent: any component (name, version, purl, CPE, URLs)
// is matched against real CVE records (the staged Linux kernel and OpenSSL
// records) or lands in one coverage category with a reason, never a
// panic; every CVE finding names its deciding container; the CPE target_sw
// reader never panics. Seeded with the router SBOM's components.
func FuzzFirmwareComponent(f *testing.F) {
	var recs []*advisory.Record
	for _, p := range stagedCVE {
		// the first records naming Linux or OpenSSL of each file: reading
		// all 44,000 took each fuzz worker longer than the fuzz time
		file, err := os.Open(testdata.Path(f, p))
		if err != nil {
			f.Fatal(err)
		}
		zr, err := gzip.NewReader(file)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		n := 0
		for sc.Scan() && n < 200 {
			line := sc.Bytes()
			if !bytes.Contains(line, []byte(`"vendor":"Linux"`)) && !bytes.Contains(line, []byte(`"vendor":"OpenSSL"`)) &&
				!bytes.Contains(line, []byte(`"vendor": "Linux"`)) && !bytes.Contains(line, []byte(`"vendor": "OpenSSL"`)) {
				continue
			}
			if r, err := cve5.Parse(line); err == nil {
				recs = append(recs, &advisory.Record{ID: r.ID, CVE: r})
				n++
			}
		}
		file.Close()
	}
	if len(recs) < 200 {
		f.Fatalf("%d seed records", len(recs))
	}
	ix := NewIndex(recs)
	f.Add("linux", "4.4.94", "", "cpe:2.3:o:linux:linux_kernel:4.4.94:*:*:*:*:*:*:*", "")
	f.Add("openssl", "1.1.1w", "pkg:generic/openssl@1.1.1w", "cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*", "")
	f.Add("curl", "7.74.0", "pkg:github/curl/curl@curl-7_74_0", "cpe:2.3:a:haxx:curl:7.74.0:*:*:*:*:*:*:*", "https://github.com/curl/curl")
	f.Add("python", "3.11.4", "", `cpe:2.3:a:python:python:3.11.4:*:*:*:*:windows\:10:*:*`, "")
	f.Add("wifi-calibration-blob", "", "", "", "")
	f.Add("busybox", "(devel)", "pkg:generic/busybox@1.31.1?download_url=https://busybox.net/downloads/busybox-1.31.1.tar.bz2", "", "git://git.busybox.net/busybox")
	f.Fuzz(func(t *testing.T, name, version, purl, cpeName, url string) {
		_ = cpeTargetSW(cpeName) // must not panic
		c := Component{Name: name, Version: version, PURL: purl, SourceURL: url}
		if cpeName != "" {
			c.CPEs = []string{cpeName}
		}
		res, err := Scan([]Component{c}, ix, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Summary
		if s.Affected+s.NotAffected+s.NoData+s.Unmatchable != 1 {
			t.Fatalf("coverage %+v", s)
		}
		for _, fd := range res.Findings {
			if fd.Ecosystem == "CVE" && (fd.DecidedBy == nil || fd.DecidedBy.Container == "") {
				t.Fatalf("CVE finding without its container: %+v", fd)
			}
		}
	})
}
