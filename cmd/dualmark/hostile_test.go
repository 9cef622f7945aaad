package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileBound is how long one hostile case may run (the 10 s).
const hostileBound = 10 * time.Second

// TestHostileCorpus runs generated hostile inputs through the CLI entry
// points that read the SBOM, the label bundle, the trust file, the
// checkpoint and the assessment, in process: each must end within
// hostileBound with exit 0, 1 or 2, never a panic, and where it is refused
// with the exit code the case names. Nothing big is committed: the inputs
// are generated here (the largest, a 2 GiB sparse file, takes no space).
func TestHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and reads a few hundred MB of hostile input")
	}
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string, data []byte) string {
		if err := os.WriteFile(p(name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p(name)
	}
	cdx := func(body string) []byte {
		return []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"bom-ref":"root","name":"fw","version":"1"}},` + body + `}`)
	}
	good := cdx(`"components":[{"type":"library","bom-ref":"a","name":"a","version":"1","purl":"pkg:npm/a@1"}],"dependencies":[{"ref":"root","dependsOn":["a"]}]`)

	// generated files
	sbomFiles := map[string][]byte{
		"good.cdx.json":              good,
		"empty.json":                 nil,
		"bom-only.json":              []byte("\xef\xbb\xbf"),
		"truncated.cdx.json":         good[:len(good)/2],
		"truncated-xml.cdx.xml":      []byte(`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>a`),
		"malformed.cdx.json":         cdx(`"components":[{"name":"a",,}]`),
		"wrong-types.cdx.json":       cdx(`"components":[{"name":7,"version":{"x":1},"purl":[]}]`),
		"components-object.json":     cdx(`"components":{"name":"a"}`),
		"null-everything.cdx.json":   cdx(`"components":[null,{"name":null,"hashes":null,"licenses":null}],"dependencies":null`),
		"deep-json.cdx.json":         deepJSON(100_000),
		"deep-xml.cdx.xml":           deepXML(100_000),
		"deep-spdx.json":             []byte(`{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","x":` + strings.Repeat("[", 50_000) + strings.Repeat("]", 50_000) + `}]}`),
		"long-string.cdx.json":       cdx(`"components":[{"type":"library","name":"` + strings.Repeat("A", 8<<20) + `"}]`),
		"long-purl.cdx.json":         cdx(`"components":[{"type":"library","name":"a","purl":"pkg:npm/` + strings.Repeat("a", 2<<20) + `@1"}]`),
		"cycle.cdx.json":             cycleJSON(200_000),
		"self-loop.cdx.json":         cdx(`"components":[{"bom-ref":"a","name":"a"}],"dependencies":[{"ref":"a","dependsOn":["a","a","a"]}]`),
		"duplicates.cdx.json":        cdx(`"components":[` + strings.Repeat(`{"bom-ref":"a","name":"a","version":"1"},`, 10_000) + `{"bom-ref":"a","name":"a"}],"dependencies":[` + strings.Repeat(`{"ref":"a","dependsOn":["a"]},`, 1000) + `{"ref":"a"}]`),
		"dangling.cdx.json":          cdx(`"components":[{"bom-ref":"a","name":"a"}],"dependencies":[{"ref":"zz","dependsOn":["yy","xx"]}]`),
		"nul.cdx.json":               cdx("\"components\":[{\"name\":\"a\x00b\",\"version\":\"\\u0000\"}]"),
		"nul-bytes.bin":              make([]byte, 4096),
		"invalid-utf8.cdx.json":      cdx("\"components\":[{\"name\":\"\xff\xfe\xc3\x28\",\"version\":\"\xed\xa0\x80\"}]"),
		"markup.cdx.json":            cdx(`"components":[{"bom-ref":"<x>","name":"<script>alert(1)</script>","version":"\"><img src=x onerror=alert(1)>","supplier":{"name":"<b>S</b>"}}]`),
		"sqlish.cdx.json":            cdx(`"components":[{"name":"a'; DROP TABLE components; --","version":"1 OR 1=1","purl":"pkg:npm/a@1%27%20OR%201=1"}]`),
		"bad-purls.cdx.json":         cdx(`"components":[{"name":"a","purl":"pkg:npm/lodash@/"},{"name":"b","purl":"pkg:"},{"name":"c","purl":"pkg:/%zz@%"},{"name":"d","cpe":"cpe:2.3:a:::"}]`),
		"billion-laughs.cdx.xml":     []byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>&lol2;</name></component></components></bom>`),
		"external-entity.cdx.xml":    []byte(`<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library"><name>&xxe;</name></component></components></bom>`),
		"yaml-anchors.spdx.yaml":     yamlBomb(),
		"tv-garbage.spdx":            []byte("SPDXVersion: SPDX-2.3\nPackageName: <text>never closed\n" + strings.Repeat("x: y\n", 1000)),
		"tv-long-line.spdx":          []byte("SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: " + strings.Repeat("n", 3<<20) + "\n"),
		"tv-many-relations.spdx":     tagValueRelations(50_000),
		"spdx3-garbage.json":         []byte(`{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":7},{"type":"software_Package","spdxId":null},"x",[[[]]]]}`),
		"spdx-json-dup-ids.json":     []byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[` + strings.Repeat(`{"SPDXID":"SPDXRef-a","name":"a"},`, 5000) + `{"SPDXID":"SPDXRef-a","name":"a"}],"relationships":[{"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-a"}]}`),
		"gzip-truncated.cdx.json.gz": gz(good)[:20],
		"gzip-garbage.json.gz":       append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0xAA}, 100)...),
		"gzip-of-gzip.json.gz":       gz(gz(good)),
		"gzip-bomb.json.gz":          gzZeros(600 << 20),
		"many-components.cdx.json":   manyComponents(100_000),
	}
	for name, data := range sbomFiles {
		write(name, data)
	}
	sparse := p("sparse-2GiB.cdx.json")
	if f, err := os.Create(sparse); err == nil {
		f.Write(good[:10])
		f.Truncate(2 << 30)
		f.Close()
	}
	fifo := p("fifo")
	haveFIFO := syscall.Mkfifo(fifo, 0o644) == nil

	type hcase struct {
		name string
		args []string
		want int // -1: any of 0, 1, 2
	}
	var cases []hcase
	for name := range sbomFiles {
		for _, sub := range []string{"inspect", "check"} {
			cases = append(cases, hcase{"sbom " + sub + " " + name, []string{"sbom", sub, p(name), "--json"}, -1})
		}
		cases = append(cases, hcase{"sbom convert " + name, []string{"sbom", "convert", p(name), "--to", "spdx-2.3-json", "-o", p("out.json")}, -1})
	}
	refused := []struct{ file, why string }{
		{"deep-json.cdx.json", "depth"}, {"deep-xml.cdx.xml", "depth"}, {"deep-spdx.json", "depth"},
		{"long-string.cdx.json", "string"}, {"long-purl.cdx.json", "string"}, {"tv-long-line.spdx", "string"},
		{"billion-laughs.cdx.xml", "DTD"}, {"external-entity.cdx.xml", "DTD"}, {"gzip-bomb.json.gz", "size"},
		{"empty.json", "empty"}, {"truncated.cdx.json", "syntax"}, {"nul-bytes.bin", "not an SBOM"},
	}
	for _, r := range refused {
		cases = append(cases, hcase{"sbom inspect refuses " + r.file + " (" + r.why + ")", []string{"sbom", "inspect", p(r.file), "--max-bytes", "536870912"}, 2})
	}
	cases = append(cases,
		hcase{"sbom inspect good", []string{"sbom", "inspect", p("good.cdx.json")}, 0},
		hcase{"sbom inspect sparse 2 GiB", []string{"sbom", "inspect", sparse}, 2},
		hcase{"sbom check sparse 2 GiB", []string{"sbom", "check", sparse}, 2},
		hcase{"sbom inspect /dev/zero", []string{"sbom", "inspect", "/dev/zero"}, 2},
		hcase{"sbom inspect /dev/urandom", []string{"sbom", "inspect", "/dev/urandom"}, 2},
		hcase{"sbom inspect a directory", []string{"sbom", "inspect", dir}, 2},
		hcase{"sbom inspect missing", []string{"sbom", "inspect", p("missing.json")}, 2},
		hcase{"sbom inspect gzip bomb, 1 MiB limit", []string{"sbom", "inspect", p("gzip-bomb.json.gz"), "--max-bytes", "1048576"}, 2},
	)
	if haveFIFO {
		cases = append(cases,
			hcase{"sbom inspect FIFO", []string{"sbom", "inspect", fifo}, 2},
			hcase{"sbom check FIFO", []string{"sbom", "check", fifo}, 2},
			hcase{"sbom convert FIFO", []string{"sbom", "convert", fifo, "--to", "spdx-2.3-json"}, 2},
		)
	}

	// label files: a real key set, trust file and bundle, then hostile
	// versions of each file the label commands read
	keysDir, trust, bundle := p("keys"), p("trust.json"), p("a.label.json")
	for _, args := range [][]string{
		{"keys", "generate", "--out", keysDir, "--issuer", "Acme <script>", "--origin", "example.com/hostile", "--trust", trust},
		{"label", "issue", "../../internal/label/testdata/assessment.json", "--allow-nonconforming", "--keys", keysDir, "--log", p("log"), "--out", bundle},
	} {
		if got := quiet(func() int { return run(args) }); got != 0 {
			t.Fatalf("setup: dualmark %s = exit %d", strings.Join(args, " "), got)
		}
	}
	realBundle, _ := os.ReadFile(bundle)
	realTrust, _ := os.ReadFile(trust)
	jsonHostile := map[string]func(real []byte) []byte{
		"truncated":    func(b []byte) []byte { return b[:len(b)/2] },
		"empty":        func([]byte) []byte { return nil },
		"not JSON":     func([]byte) []byte { return []byte("\x00\x01garbage") },
		"deep":         func([]byte) []byte { return []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)) },
		"NUL inside":   func(b []byte) []byte { return bytes.Replace(b, []byte(`"`), []byte("\"\x00"), 3) },
		"invalid UTF8": func(b []byte) []byte { return bytes.Replace(b, []byte(`"`), []byte("\"\xff\xfe"), 5) },
		"markup":       func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("Acme"), []byte("<script>alert(1)</script>")) },
		"wrong types":  func([]byte) []byte { return []byte(`{"mediaType":7,"dsseEnvelope":[],"keys":"x","version":{}}`) },
		"huge array":   func([]byte) []byte { return []byte(`{"keys":[` + strings.Repeat(`{},`, 200_000) + `{}]}`) },
		"duplicate keys": func(b []byte) []byte {
			return bytes.Replace(b, []byte("{"), []byte(`{"mediaType":"x","keys":[],"version":9,`), 1)
		},
	}
	for name, mutate := range jsonHostile {
		b := write("bundle-"+strings.ReplaceAll(name, " ", "-")+".json", mutate(realBundle))
		tr := write("trust-"+strings.ReplaceAll(name, " ", "-")+".json", mutate(realTrust))
		as := write("assessment-"+strings.ReplaceAll(name, " ", "-")+".json", mutate(realBundle))
		cases = append(cases,
			hcase{"label verify bundle " + name, []string{"label", "verify", b, "--trust", trust}, -1},
			hcase{"label verify trust " + name, []string{"label", "verify", bundle, "--trust", tr}, -1},
			hcase{"label verify checkpoint " + name, []string{"label", "verify", bundle, "--trust", trust, "--checkpoint", b}, -1},
			hcase{"label qr bundle " + name, []string{"label", "qr", b, "--url-base", "https://r.example/l", "--out", p("qr.png")}, -1},
			hcase{"label issue assessment " + name, []string{"label", "issue", as, "--allow-nonconforming", "--keys", keysDir, "--log", p("log"), "--out", p("x.label.json")}, -1},
		)
	}
	cases = append(cases,
		hcase{"label verify real", []string{"label", "verify", bundle, "--trust", trust}, 0},
		hcase{"label verify sparse bundle", []string{"label", "verify", sparse, "--trust", trust}, 2},
		hcase{"label verify sparse trust", []string{"label", "verify", bundle, "--trust", sparse}, 2},
		hcase{"label verify sparse checkpoint", []string{"label", "verify", bundle, "--trust", trust, "--checkpoint", sparse}, 2},
		hcase{"label issue sparse assessment", []string{"label", "issue", sparse, "--keys", keysDir, "--log", p("log"), "--out", p("x.label.json")}, 2},
		hcase{"label verify /dev/zero bundle", []string{"label", "verify", "/dev/zero", "--trust", trust}, 2},
		hcase{"label verify /dev/zero trust", []string{"label", "verify", bundle, "--trust", "/dev/zero"}, 2},
		hcase{"label verify /dev/zero artifact", []string{"label", "verify", bundle, "--trust", trust, "--artifact", "/dev/zero"}, 2},
		hcase{"keys public of a missing dir", []string{"keys", "public", p("none")}, 2},
	)
	if haveFIFO {
		cases = append(cases,
			hcase{"label verify FIFO bundle", []string{"label", "verify", fifo, "--trust", trust}, 2},
			hcase{"label verify FIFO trust", []string{"label", "verify", bundle, "--trust", fifo}, 2},
			hcase{"label verify FIFO checkpoint", []string{"label", "verify", bundle, "--trust", trust, "--checkpoint", fifo}, 2},
			hcase{"label verify FIFO artifact", []string{"label", "verify", bundle, "--trust", trust, "--artifact", fifo}, 2},
			hcase{"label issue FIFO assessment", []string{"label", "issue", fifo, "--keys", keysDir, "--log", p("log"), "--out", p("x.label.json")}, 2},
			hcase{"label qr FIFO bundle", []string{"label", "qr", fifo, "--url-base", "https://r.example/l", "--out", p("qr.png")}, 2},
		)
	}
	// advisory database: db import of hostile feeds (issue 16: the KEV CSV
	// FieldPos panic, the gzip of 10 GiB of newlines, zip bombs, floods),
	// a directory or a truncated file in place of the database
	kevHead := "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes\n"
	kevGood := "CVE-2021-44228,Apache,Log4j2,Log4Shell,2021-12-10,d,a,2021-12-24,Known,\n"
	osvLines := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `{"id":"GHSA-h-%d","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.21"}]}]}]}`+"\n", i)
		}
		return b.Bytes()
	}
	feeds := map[string][]byte{
		"kev-quote-first-field.csv": []byte(kevHead + kevGood + `"x"y,Apache` + "\n"),
		"kev-only-bad.csv":          []byte(kevHead + `"x"y` + "\n"),
		"kev-unterminated.csv":      []byte(kevHead + kevGood + `CVE-2021-2,"open` + "\n"),
		"kev-no-newline.csv":        append([]byte(kevHead), bytes.Repeat([]byte("a"), 2<<20)...),
		"kev-comment-bomb.csv.gz":   gzRepeat(append([]byte("#"), bytes.Repeat([]byte("#"), 1<<20)...), 8),
		"epss-bad.csv":              []byte("cve,epss,percentile\n" + `C"VE,0.1,0.2` + "\nCVE-2021-44228,x,y\n"),
		"newlines-10GiB.jsonl.gz":   gzRepeat(bytes.Repeat([]byte{'\n'}, 16<<20), 640),
		"newlines.json.gz":          gzRepeat(bytes.Repeat([]byte{'\n'}, 16<<20), 8),
		"zip-newlines.zip":          zipOf(map[string][]byte{"a.jsonl": bytes.Repeat([]byte{'\n'}, 32<<20)}),
		"zip-nested.zip":            zipOf(map[string][]byte{"cves.zip": zipOf(map[string][]byte{"b.jsonl": bytes.Repeat([]byte{'\n'}, 32<<20)})}),
		"zip-garbage.zip":           append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0xAA}, 200)...),
		"many-records.jsonl":        osvLines(2000),
		"gzip-truncated.jsonl.gz":   gz(osvLines(10))[:40],
	}
	for name, data := range feeds {
		write(name, data)
	}
	hdb := func(name string) []string { return []string{"--db", p("db-" + name), "-q"} }
	for name := range feeds {
		cases = append(cases, hcase{"db import " + name, append([]string{"db", "import", p(name)}, hdb(name)...), -1})
	}
	cases = append(cases,
		hcase{"db import KEV CSV, bad first field after a good row", append([]string{"db", "import", p("kev-quote-first-field.csv")}, hdb("kq")...), 0},
		hcase{"db import refuses 10 GiB of gzip newlines (default limit)", append([]string{"db", "import", p("newlines-10GiB.jsonl.gz")}, hdb("nl")...), 2},
		hcase{"db import refuses gzip newlines, 1 MiB limit", append([]string{"db", "import", p("newlines.json.gz"), "--max-decompressed", "1048576"}, hdb("nl2")...), 2},
		hcase{"db import refuses a zip member of newlines, 1 MiB limit", append([]string{"db", "import", p("zip-newlines.zip"), "--max-decompressed", "1048576"}, hdb("z")...), 2},
		hcase{"db import refuses a nested zip, 1 MiB limit", append([]string{"db", "import", p("zip-nested.zip"), "--max-decompressed", "1048576"}, hdb("zn")...), 2},
		hcase{"db import refuses a CSV line of 2 MiB", append([]string{"db", "import", p("kev-no-newline.csv")}, hdb("cl")...), 2},
		hcase{"db import refuses 2000 records, limit 100", append([]string{"db", "import", p("many-records.jsonl"), "--max-records", "100"}, hdb("mr")...), 2},
		hcase{"db import 2000 records", append([]string{"db", "import", p("many-records.jsonl")}, hdb("ok")...), 0},
	)
	cases = append(cases, hcase{"db import /dev/zero", append([]string{"db", "import", "/dev/zero"}, hdb("zero")...), 2})
	if haveFIFO {
		cases = append(cases, hcase{"db import FIFO", append([]string{"db", "import", fifo}, hdb("fifo")...), 2})
	}
	// a real database, then a directory, a truncated copy, an empty file
	// and garbage in place of its file
	realDB := p("db-real")
	if got := quiet(func() int { return run([]string{"db", "import", p("many-records.jsonl"), "--db", realDB, "-q"}) }); got != 0 {
		t.Fatalf("setup: db import = exit %d", got)
	}
	dbImage, _ := os.ReadFile(filepath.Join(realDB, "advisories.db"))
	badDBs := map[string]func(string) error{
		"directory":    func(f string) error { return os.Mkdir(f, 0o755) },
		"truncated":    func(f string) error { return os.WriteFile(f, dbImage[:len(dbImage)/2], 0o644) },
		"header only":  func(f string) error { return os.WriteFile(f, dbImage[:64], 0o644) },
		"empty":        func(f string) error { return os.WriteFile(f, nil, 0o644) },
		"garbage":      func(f string) error { return os.WriteFile(f, bytes.Repeat([]byte{0xAA}, len(dbImage)), 0o644) },
		"FIFO":         func(f string) error { return syscall.Mkfifo(f, 0o644) },
		"symlink loop": func(f string) error { return os.Symlink(f, f) },
		"sparse 2 GiB": func(f string) error { return os.WriteFile(f, dbImage[:64], 0o644) },
	}
	withLodash := write("lodash-slash.cdx.json", cdx(`"components":[{"type":"library","bom-ref":"l","name":"lodash","version":"/","purl":"pkg:npm/lodash@/"},{"type":"library","bom-ref":"m","name":"lodash","purl":"pkg:npm/lodash@%2F"}]`))
	for name, mk := range badDBs {
		d := p("baddb-" + strings.ReplaceAll(name, " ", "-"))
		os.MkdirAll(d, 0o755)
		if err := mk(filepath.Join(d, "advisories.db")); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "sparse 2 GiB" {
			os.Truncate(filepath.Join(d, "advisories.db"), 2<<30)
		}
		cases = append(cases,
			hcase{"db status, database " + name, []string{"db", "status", "--db", d}, 2},
			hcase{"db status --verify, database " + name, []string{"db", "status", "--verify", "--db", d}, 2},
			hcase{"scan, database " + name, []string{"scan", p("good.cdx.json"), "--db", d}, 2},
		)
	}
	cases = append(cases,
		hcase{"scan pkg:npm/lodash@/", []string{"scan", withLodash, "--db", realDB, "--json"}, -1},
		hcase{"scan bad purls", []string{"scan", p("bad-purls.cdx.json"), "--db", realDB}, -1},
		hcase{"db status --verify, real", []string{"db", "status", "--verify", "--db", realDB}, 0},
	)
	// stale temporary files of an import killed before its rename
	staleDB := p("db-stale")
	os.MkdirAll(staleDB, 0o755)
	for i := range 3 {
		write(filepath.Join("db-stale", fmt.Sprintf(".advisories.db.%d.tmp", 1000+i)), bytes.Repeat([]byte{1}, 1<<20))
	}
	cases = append(cases, hcase{"db import over stale temp files", []string{"db", "import", p("many-records.jsonl"), "--db", staleDB, "-q"}, 0})

	// dossier paths outside the dossier's folder (issue 16: they were
	// opened and their sha256 printed)
	secret := write("secret.txt", []byte("root:$6$salt$hash:19000:0:99999:7:::\n"))
	secretSum := fmt.Sprintf("%x", sha256.Sum256([]byte("root:$6$salt$hash:19000:0:99999:7:::\n")))
	dossierHead := "product: {name: Plug, model: P1}\nmanufacturer: {name: ACME}\ncategory: {class: default}\n"
	evidence := func(path, sum string) string {
		return "evidence:\n  - {title: r, kind: test-report, issuer: lab, date: 2026-01-01, demonstrates: [EN303645-5.1-1], path: " + path + ", sha256: " + sum + "}\n"
	}
	zeros := strings.Repeat("0", 64)
	dossiers := map[string]string{
		"evidence ../../../ path":      evidence("../../../../../../../.."+secret, zeros),
		"evidence ../ path":            evidence("../secret.txt", zeros),
		"evidence absolute path":       evidence(secret, zeros),
		"evidence symlink out":         evidence("link", zeros),
		"evidence /etc/shadow":         evidence("../../../../../../../../etc/shadow", zeros),
		"sbom ../ path":                "sbom: {path: ../secret.txt, sha256: " + zeros + "}\n",
		"cbom ../ path":                "cryptography: {cbom: {path: ../secret.txt, sha256: " + zeros + "}}\n",
		"evidence ../ path, right sum": evidence("../secret.txt", secretSum),
	}
	var traversal []hcase
	i := 0
	for name, body := range dossiers {
		i++
		d := p(fmt.Sprintf("dossier%d", i))
		os.MkdirAll(d, 0o755)
		os.Symlink(secret, filepath.Join(d, "link"))
		write(filepath.Join(filepath.Base(d), "dossier.yaml"), []byte(dossierHead+body))
		traversal = append(traversal,
			hcase{"assess refuses " + name, []string{"assess", d}, 2},
			hcase{"docs refuses " + name, []string{"docs", d, "--out", p("paperwork")}, 2},
			hcase{"label issue refuses " + name, []string{"label", "issue", d, "--allow-nonconforming", "--keys", keysDir, "--log", p("log"), "--out", p("t.label.json")}, 2},
		)
		if name == "evidence ../ path, right sum" {
			traversal = append(traversal, hcase{"assess --allow-outside-paths " + name, []string{"assess", d, "--allow-outside-paths"}, -1})
		}
	}
	cases = append(cases, traversal...)

	t.Logf("%d hostile cases", len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			type result struct {
				code  int
				panic any
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				defer func() {
					if r := recover(); r != nil {
						done <- result{-1, r}
					}
				}()
				done <- result{quiet(func() int { return run(c.args) }), nil}
			}()
			select {
			case r := <-done:
				if r.panic != nil {
					t.Fatalf("dualmark %s panicked: %v", strings.Join(c.args, " "), r.panic)
				}
				if r.code < 0 || r.code > 2 || c.want >= 0 && r.code != c.want {
					t.Errorf("exit %d, want %s", r.code, map[bool]string{true: "0, 1 or 2", false: fmt.Sprint(c.want)}[c.want < 0])
				}
				if took := time.Since(start); took > hostileBound/2 {
					t.Logf("took %v", took)
				}
			case <-time.After(hostileBound):
				t.Fatalf("still running after %v", hostileBound)
			}
		})
	}
	// what the cases must also leave or not print
	if left, _ := filepath.Glob(filepath.Join(staleDB, ".advisories.db.*.tmp")); len(left) > 0 {
		t.Errorf("stale temporary files left after the next import: %v", left)
	}
	for _, c := range traversal {
		if strings.Contains(c.name, "allow-outside") {
			continue
		}
		if code, out := capture(t, func() int { return run(c.args) }); code != 2 || strings.Contains(out, secretSum) || !strings.Contains(out, "outside") {
			t.Errorf("%s: exit %d, output %q: want exit 2 naming the path as outside the folder, without the file's digest", c.name, code, out)
		}
	}
}

var quietMu = make(chan struct{}, 1)

// capture runs f with standard output and error sent to a file and
// returns its exit code and what it printed.
func capture(t *testing.T, f func() int) (int, string) {
	quietMu <- struct{}{}
	defer func() { <-quietMu }()
	tmp, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	out, errOut := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = tmp, tmp
	code := f()
	os.Stdout, os.Stderr = out, errOut
	b, _ := os.ReadFile(tmp.Name())
	return code, string(b)
}

// quiet runs f with standard output and error sent to /dev/null.
func quiet(f func() int) int {
	quietMu <- struct{}{}
	defer func() { <-quietMu }()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return f()
	}
	defer null.Close()
	out, errOut := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = null, null
	defer func() { os.Stdout, os.Stderr = out, errOut }()
	return f()
}

func deepJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":`)
	for i := range n {
		fmt.Fprintf(&b, `[{"name":"c%d","components":`, i)
	}
	b.WriteString("[]" + strings.Repeat("}]", n) + "}")
	return b.Bytes()
}

func deepXML(n int) []byte {
	return []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>` +
		strings.Repeat(`<component type="library"><name>c</name><components>`, n) +
		strings.Repeat(`</components></component>`, n) + `</components></bom>`)
}

func cycleJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`)
	for i := range n {
		fmt.Fprintf(&b, `%s{"bom-ref":"c%d","name":"c%d","version":"1"}`, map[bool]string{true: "", false: ","}[i == 0], i, i)
	}
	b.WriteString(`],"dependencies":[`)
	for i := range n {
		fmt.Fprintf(&b, `%s{"ref":"c%d","dependsOn":["c%d"]}`, map[bool]string{true: "", false: ","}[i == 0], i, (i+1)%n)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func manyComponents(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`)
	for i := range n {
		fmt.Fprintf(&b, `%s{"type":"library","bom-ref":"c%d","name":"p%d","version":"1.0.%d","purl":"pkg:npm/p%d@1.0.%d","licenses":[{"license":{"id":"MIT"}}]}`,
			map[bool]string{true: "", false: ","}[i == 0], i, i, i, i, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func tagValueRelations(n int) []byte {
	var b bytes.Buffer
	b.WriteString("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "PackageName: p%d\nSPDXID: SPDXRef-p%d\nPackageVersion: 1\n", i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, "Relationship: SPDXRef-p%d DEPENDS_ON SPDXRef-p%d\n", i%1000, (i+1)%1000)
	}
	return b.Bytes()
}

// yamlBomb is SPDX YAML whose anchors expand exponentially.
func yamlBomb() []byte {
	var b strings.Builder
	b.WriteString("spdxVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\na0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("packages: *a9\n")
	return []byte(b.String())
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// gzZeros is a gzip of n NUL bytes after a CycloneDX head: it inflates
// past the default 512 MiB limit from about 600 kB.
func gzZeros(n int) []byte {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	w.Write([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`))
	zero := make([]byte, 1<<20)
	for range n >> 20 {
		w.Write(zero)
	}
	w.Close()
	return b.Bytes()
}

// gzRepeat is a gzip stream of block repeated n times, as n copies of one
// gzip member: a stream that inflates to gigabytes costs kilobytes.
func gzRepeat(block []byte, n int) []byte {
	return bytes.Repeat(gz(block), n)
}

// zipOf is a zip archive of the named members (deflated).
func zipOf(members map[string][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, data := range members {
		f, _ := w.Create(name)
		f.Write(data)
	}
	w.Close()
	return b.Bytes()
}
