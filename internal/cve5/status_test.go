package cve5

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// byName selects the affected entries whose vendor and product (or, for
// CPE-only entries, a CPE) contain the given lower-case words.
func byName(vendor, product string) func(*Product) bool {
	return func(p *Product) bool {
		v, pr := strings.ToLower(p.Vendor), strings.ToLower(p.Product)
		return strings.Contains(v, vendor) && strings.Contains(pr, product)
	}
}

// TestDecideRealRecords pins the version algorithm on real records, one
// row per branch: the facts the issue names (kernel and OpenSSL), single
// versions, lessThan, lessThanOrEqual, "*" and "X.*" bounds, changes,
// defaultStatus, git-only entries, unknown versionTypes and CNA-over-ADP
// precedence.
func TestDecideRealRecords(t *testing.T) {
	tests := []struct {
		name, id  string
		sel       func(*Product) bool
		version   string
		status    string
		container string
		fixed     []string
	}{
		// The facts.
		{"KEV kernel CVE, lessThan range", "CVE-2024-1086", byName("linux", ""), "4.4.94", StatusAffected, KindCNA, []string{"6.8"}},
		{"kernel above the range: defaultStatus unaffected", "CVE-2024-1086", byName("linux", ""), "6.8.1", StatusUnaffected, KindCNA, nil},
		{"kernel below the first release: defaultStatus", "CVE-2024-1086", byName("linux", ""), "3.14", StatusUnaffected, KindCNA, nil},
		{"5.15 series before its fix, via defaultStatus affected", "CVE-2024-36971", byName("linux", ""), "5.15.150", StatusAffected, KindCNA, []string{"5.15.161"}},
		{"6.1 series before its fix", "CVE-2024-36971", byName("linux", ""), "6.1.55", StatusAffected, KindCNA, []string{"6.1.94"}},
		{"below the introducing release: lessThan range unaffected", "CVE-2024-36971", byName("linux", ""), "4.4.94", StatusUnaffected, KindCNA, nil},
		{"the fixed 5.15 release: lessThanOrEqual 5.15.* unaffected", "CVE-2024-36971", byName("linux", ""), "5.15.161", StatusUnaffected, KindCNA, nil},
		{"late in a series: X.* is infinity within it", "CVE-2024-36971", byName("linux", ""), "4.19.999", StatusUnaffected, KindCNA, nil},
		{"the single version item", "CVE-2024-36971", byName("linux", ""), "4.6", StatusAffected, KindCNA, []string{"4.19.316"}},
		{"between series: defaultStatus affected", "CVE-2024-36971", byName("linux", ""), "4.20", StatusAffected, KindCNA, []string{"5.4.278"}},
		{"unknown versionType covers v: CNA unknown, ADP decides", "CVE-2024-36971", byName("linux", ""), "6.11", StatusUnaffected, KindADP, nil},
		{"before 6.5 unaffected", "CVE-2024-26581", byName("linux", ""), "4.4.94", StatusUnaffected, KindCNA, nil},
		{"OpenSSL letter release in a custom range", "CVE-2024-5535", byName("openssl", "openssl"), "1.1.1w", StatusAffected, KindCNA, []string{"1.1.1za"}},
		{"OpenSSL letter release at the bound", "CVE-2024-5535", byName("openssl", "openssl"), "1.1.1za", StatusUnaffected, KindCNA, nil},
		{"OpenSSL semver range", "CVE-2024-5535", byName("openssl", "openssl"), "3.0.14", StatusAffected, KindCNA, []string{"3.0.15"}},
		{"OpenSSL semver fixed release", "CVE-2024-5535", byName("openssl", "openssl"), "3.0.15", StatusUnaffected, KindCNA, nil},
		// Other version types and forms.
		{"semver lessThanOrEqual, inclusive", "CVE-2006-20001", byName("apache", "http"), "2.4.54", StatusAffected, KindCNA, nil},
		{"semver lessThanOrEqual, above", "CVE-2006-20001", byName("apache", "http"), "2.4.55", StatusUnaffected, KindCNA, nil},
		{"semver lower bound missing a component", "CVE-2006-20001", byName("apache", "http"), "2.4.0", StatusAffected, KindCNA, nil},
		{"maven range", "CVE-2023-0872", byName("opennms", "horizon"), "32.0.1", StatusAffected, KindCNA, []string{"32.0.2"}},
		{"maven range with status unknown", "CVE-2023-0872", byName("opennms", "horizon"), "30.0.0", StatusUnknown, "", nil},
		{"rpm range lessThan *", "CVE-2022-1438", byName("red hat", "7.6 for rhel 7"), "0:18.0.6-1.redhat_00001.1.el7sso", StatusUnaffected, KindCNA, nil},
		{"rpm below: defaultStatus affected", "CVE-2022-1438", byName("red hat", "7.6 for rhel 7"), "0:18.0.5-1.redhat_00001.1.el7sso", StatusAffected, KindCNA, []string{"0:18.0.6-1.redhat_00001.1.el7sso"}},
		{"python pre-release range", "CVE-2023-6507", byName("python", "cpython"), "3.13.0a2", StatusAffected, KindCNA, []string{"3.13.0a3"}},
		{"python release after the pre-releases", "CVE-2023-6507", byName("python", "cpython"), "3.13.0", StatusUnaffected, KindCNA, nil},
		{"custom range with a change at its bound", "CVE-2021-36821", byName("wpmu", "forminator"), "1.14.11", StatusAffected, KindCNA, []string{"1.14.12"}},
		{"CNA n/a only: the ADP's CPE range decides", "CVE-1999-0084", nil, "4.1.2", StatusAffected, KindADP, []string{"4.1.3"}},
		{"CNA n/a only, ADP above its range: ADP default unknown", "CVE-1999-0084", nil, "4.1.3", StatusUnknown, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.id)
			d := r.Decide(tt.sel, tt.version)
			if d.Status != tt.status || d.Container != tt.container || !reflect.DeepEqual(d.Fixed, tt.fixed) {
				t.Errorf("%s @ %s = %s by %q (%s), fixed %q; want %s by %q, fixed %q", tt.id, tt.version, d.Status, d.Container, d.Provider, d.Fixed, tt.status, tt.container, tt.fixed)
			}
			if d.Status != StatusUnknown && (d.Product == nil || d.Provider == "") {
				t.Errorf("decision names no product or provider: %+v", d)
			}
		})
	}
}

// TestStatusGitOnly pins the git branch on the kernel CNA's git entry of
// CVE-2024-36971: no answer for a release number, equality for commits.
func TestStatusGitOnly(t *testing.T) {
	r := mustParse(t, "CVE-2024-36971")
	git := &r.Containers[0].Affected[0]
	if git.Versions[0].VersionType != TypeGit {
		t.Fatalf("entry 0 is not the git entry: %+v", git.Versions[0])
	}
	tests := []struct {
		v      string
		status string
		ok     bool
	}{
		{"4.4.94", StatusUnknown, false},       // git-only against a release: no answer, not the defaultStatus
		{"a87cb3e48ee8", StatusAffected, true}, // the introducing commit
		// The fix commit of the first range is outside it; the other ranges
		// cannot place it, so by the format's algorithm (one item could be
		// compared) the defaultStatus answers.
		{"051c0bde9f04", StatusUnaffected, true},
		{"0123456789ab", StatusUnknown, false},        // an unrelated commit: order unknown
		{"deadbeefdead", StatusUnknown, false},        // ditto
		{"92f1655aa2b2", StatusUnaffected, true},      // likewise, the last range's fix
		{"not-a-commit", StatusUnknown, false},        // not a commit id at all
		{"A87CB3E48EE8", StatusAffected, true},        // case-insensitive
		{"a87cb3e", StatusAffected, true},             // abbreviated
		{"a87cb3e48ee8" + "ff", StatusAffected, true}, // longer id with the same prefix
	}
	for _, tt := range tests {
		st, ok := git.Status(tt.v)
		if st != tt.status || ok != tt.ok {
			t.Errorf("git entry Status(%q) = %s, %v; want %s, %v", tt.v, st, ok, tt.status, tt.ok)
		}
	}
	// The whole record: the CNA's git entry gives no answer for 4.4.94, its
	// release entry does.
	if d := r.Decide(nil, "4.4.94"); d.Status != StatusUnaffected || d.Product != &r.Containers[0].Affected[1] {
		t.Errorf("Decide(4.4.94) = %+v, want unaffected by the release entry", d)
	}
}

// TestStatusChanges runs the record format's own example of status
// changes (CVE JSON 5 "versions" documentation): 2.0.0 up to 2.* affected,
// unaffected from 2.5.2, affected again from 2.6.0, fixed in 2.6.3.
func TestStatusChanges(t *testing.T) {
	var p Product
	doc := `{"versions": [{"version": "2.0.0", "versionType": "semver", "lessThan": "2.*", "status": "affected",
	  "changes": [{"at": "2.6.3", "status": "unaffected"}, {"at": "2.5.2", "status": "unaffected"}, {"at": "2.6.0", "status": "affected"}]}],
	  "defaultStatus": "unknown"}`
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ v, want string }{
		{"1.9.9", StatusUnknown}, {"2.0.0", StatusAffected}, {"2.5.1", StatusAffected}, {"2.5.2", StatusUnaffected},
		{"2.5.9", StatusUnaffected}, {"2.6.0", StatusAffected}, {"2.6.2", StatusAffected}, {"2.6.3", StatusUnaffected},
		{"2.99.1", StatusUnaffected}, {"3.0.0", StatusUnknown},
	} {
		if st, ok := p.Status(tt.v); st != tt.want || !ok {
			t.Errorf("Status(%s) = %s, %v; want %s", tt.v, st, ok, tt.want)
		}
	}
	if f := p.fixed("2.6.1", 0); !reflect.DeepEqual(f, []string{"2.6.3"}) {
		t.Errorf("fixed(2.6.1) = %q, want [2.6.3]", f)
	}
}

// TestStatusItemForms covers the item forms that the real records above do
// not reach: placeholders, non-literal single versions, an unknown type
// that covers nothing, and entries without version items.
func TestStatusItemForms(t *testing.T) {
	tests := []struct {
		name, doc, v, want string
		ok                 bool
	}{
		{"n/a single version names no version", `{"versions":[{"version":"n/a","status":"affected"}],"defaultStatus":"unaffected"}`, "1.0", StatusUnknown, false},
		{"operator text is not a version", `{"versions":[{"version":"< 4.4.13","status":"affected"}],"defaultStatus":"unaffected"}`, "4.4.1", StatusUnknown, false},
		{"plain single version, other version: default", `{"versions":[{"version":"2.4","status":"affected"}],"defaultStatus":"unaffected"}`, "2.5", StatusUnaffected, true},
		{"plain single version equal", `{"versions":[{"version":"2.4","status":"affected"}],"defaultStatus":"unaffected"}`, "2.4", StatusAffected, true},
		{"no defaultStatus: unknown", `{"versions":[{"version":"2.4","status":"affected"}]}`, "2.5", StatusUnknown, true},
		{"no items: defaultStatus", `{"defaultStatus":"affected"}`, "9.9", StatusAffected, true},
		{"unknown type outside its range: default", `{"versions":[{"version":"6.10","lessThanOrEqual":"*","versionType":"original_commit_for_fix","status":"unaffected"}],"defaultStatus":"affected"}`, "6.9", StatusAffected, true},
		{"unknown type inside its range: unknown, never its status", `{"versions":[{"version":"6.10","lessThanOrEqual":"*","versionType":"original_commit_for_fix","status":"unaffected"}],"defaultStatus":"affected"}`, "6.12", StatusUnknown, true},
		{"unknown type, incomparable version", `{"versions":[{"version":"6.10","lessThan":"*","versionType":"patch","status":"affected"}],"defaultStatus":"unaffected"}`, "devel", StatusUnknown, false},
		{"placeholder lower bound: no lower bound", `{"versions":[{"version":"unspecified","lessThan":"1.2","versionType":"semver","status":"affected"}],"defaultStatus":"unaffected"}`, "0.1", StatusAffected, true},
		{"lessThan * : no upper bound", `{"versions":[{"version":"1.0","lessThan":"*","versionType":"custom","status":"affected"}],"defaultStatus":"unaffected"}`, "99", StatusAffected, true},
		{"both lessThan and lessThanOrEqual: which bound is meant is not known", `{"versions":[{"version":"0","lessThan":"70","lessThanOrEqual":"A","versionType":"maven","status":"affected"}],"defaultStatus":"unaffected"}`, "0", StatusUnknown, false},
		{"a series bound whose series does not parse keeps the default out", `{"versions":[{"version":"2.0","versionType":"semver","status":"affected"},{"version":"1.0","lessThan":"x.*","versionType":"semver","status":"affected"}],"defaultStatus":"unaffected"}`, "1.5", StatusUnknown, false},
		{"... but not below its lower bound", `{"versions":[{"version":"2.0","versionType":"semver","status":"affected"},{"version":"1.0","lessThan":"x.*","versionType":"semver","status":"affected"}],"defaultStatus":"unaffected"}`, "0.5", StatusUnaffected, true},
		{"version not parseable in the type", `{"versions":[{"version":"1.0","lessThan":"2.0","versionType":"semver","status":"affected"}],"defaultStatus":"unaffected"}`, "(devel)", StatusUnknown, false},
	}
	for _, tt := range tests {
		var p Product
		if err := json.Unmarshal([]byte(tt.doc), &p); err != nil {
			t.Fatal(err)
		}
		if st, ok := p.Status(tt.v); st != tt.want || ok != tt.ok {
			t.Errorf("%s: Status(%s) = %s, %v; want %s, %v", tt.name, tt.v, st, ok, tt.want, tt.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		vt, a, b string
		want     int
		err      error
	}{
		{"custom", "1.1.1w", "1.1.1za", -1, nil},
		{"custom", "1.1.1za", "1.1.1zb", -1, nil},
		{"custom", "1.1.1", "1.1.1a", -1, nil},
		{"custom", "1.1.1z", "1.1.1za", -1, nil},
		{"custom", "1.0.2zk", "1.1.1", -1, nil},
		{"custom", "0.9.8zh", "0.9.8h", 1, nil},
		{"custom", "6.8-rc1", "6.8", -1, nil},
		{"custom", "6.8-rc1", "6.8-rc2", -1, nil},
		{"custom", "5.15.150", "5.15.161", -1, nil},
		{"custom", "5.15.150", "5.4.278", 1, nil},
		{"custom", "4.19.316", "4.19.*", -1, nil},
		{"custom", "4.19.*", "4.20", -1, nil},
		{"custom", "4.20", "4.19.*", 1, nil},
		{"custom", "4.19", "4.19.*", -1, nil},
		{"custom", "*", "99.99", 1, nil},
		{"custom", "*", "*", 0, nil},
		{"custom", "v2.0", "2.0", 0, nil},
		{"custom", "2.010", "2.10", 0, nil},
		{"custom", "publication", "1.0", 0, ErrBadVersion},
		{"semver", "1.2", "1.2.0", 0, nil},
		{"semver", "v1.2.3", "1.2.3", 0, nil},
		{"semver", "1.2.3-rc1", "1.2.3", -1, nil},
		{"semver", "1.2.3+build", "1.2.3", 0, nil},
		{"semver", "4.10.0.0", "4.9.9", 1, nil},
		{"semver", "2.*", "2.99.1", 1, nil},
		{"semver", "2.*", "3.0.0", -1, nil},
		{"semver", "N/A", "1.0", 0, ErrBadVersion},
		{"Semver", "1.0", "1.1", -1, nil},
		{"rpm", "0:18.0.5-1.el7", "0:18.0.6-1.el7", -1, nil},
		{"rpm", "1.0-1", "1:0.9-1", -1, nil},
		{"maven", "1.0-alpha", "1.0", -1, nil},
		{"maven", "1.0.0-m1", "1.0.0-cr1", -1, nil},
		{"python", "3.13.0a2", "3.13.0a3", -1, nil},
		{"python", "3.13.0rc1", "3.13.0", -1, nil},
		{"python", "1!1.0", "2.0", 1, nil},
		{"git", "a87cb3e48ee8", "A87CB3E48EE8", 0, nil},
		{"git", "a87cb3e48ee8", "051c0bde9f04", 0, ErrNoOrder},
		{"git", "a87cb3e48ee8", "4.4.94", 0, ErrBadVersion},
		{"original_commit_for_fix", "6.10", "6.11", 0, ErrUnknownType},
		{"", "1.0", "1.0", 0, ErrUnknownType},
	}
	for _, tt := range tests {
		got, err := Compare(tt.vt, tt.a, tt.b)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Compare(%s, %q, %q) error = %v, want %v", tt.vt, tt.a, tt.b, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Compare(%s, %q, %q) = %d, %v; want %d", tt.vt, tt.a, tt.b, got, err, tt.want)
		}
		if tt.a != tt.b {
			if back, err := Compare(tt.vt, tt.b, tt.a); err != nil || back != -tt.want {
				t.Errorf("Compare(%s, %q, %q) = %d, %v; not antisymmetric", tt.vt, tt.b, tt.a, back, err)
			}
		}
	}
}

// TestDecideMalformedItems: a version item whose bound does not parse in
// its versionType answers nothing. On the real Zephyr record CVE-2023-4258
// (the CNA wrote release numbers under versionType git) the record is kept
// and CISA's ADP range decides; an entry with a bad item and a good one
// answers through the good one only, never with its defaultStatus.
func TestDecideMalformedItems(t *testing.T) {
	r := mustParse(t, "CVE-2023-4258")
	if len(r.Warnings) != 1 || r.Warnings[0].Path != "/containers/cna/affected/0/versions/0/lessThanOrEqual" {
		t.Fatalf("warnings %v, want the CNA's lessThanOrEqual", r.Warnings)
	}
	zephyr := byName("zephyr", "zephyr")
	for _, tt := range []struct{ version, status, container string }{
		{"3.2", StatusAffected, KindADP},    // ADP: 0 <= V < 3.4 (custom)
		{"3.4", StatusUnknown, ""},          // ADP's defaultStatus unknown; the CNA's item answers nothing
		{"1.14.0", StatusAffected, KindADP}, // inside the CNA's (unusable) range too
	} {
		d := r.Decide(zephyr, tt.version)
		if d.Status != tt.status || d.Container != tt.container {
			t.Errorf("Zephyr %s: %s by %q, want %s by %q", tt.version, d.Status, d.Container, tt.status, tt.container)
		}
	}
	p := &Product{DefaultStatus: StatusUnaffected, Versions: []Version{
		{Version: "1.0", LessThan: "1.5", Status: StatusAffected, VersionType: TypeSemver},
		{Version: "2.0", LessThan: "2.0 SP3", Status: StatusAffected, VersionType: TypeSemver},
	}}
	for _, tt := range []struct {
		v      string
		status string
		ok     bool
	}{
		{"1.2", StatusAffected, true}, // the good item covers it
		{"2.1", StatusUnknown, false}, // perhaps inside the bad item: no answer, not "unaffected"
		// below the bad item's lower bound, which parses: neither item
		// covers 0.9, so the default answers (before, any bad item
		// silenced the default for every version)
		{"0.9", StatusUnaffected, true},
		{"1.7", StatusUnaffected, true},
	} {
		if st, ok := p.Status(tt.v); st != tt.status || ok != tt.ok {
			t.Errorf("Status(%s) = %s, %v; want %s, %v", tt.v, st, ok, tt.status, tt.ok)
		}
	}
}

// TestDecideCustomCommitIDs: under versionType custom a git commit id is
// not a release version, so an item bounded by one answers nothing (the
// real records CVE-2023-45130, whose ADP range ends at a 40-digit commit,
// and the kernel's CVE-2021-47010, whose ADP copies 12-digit ids), while
// upper-case hex releases (Lenovo's BIOS "AFE130C" in CVE-2024-45105) are
// not taken for commits.
func TestDecideCustomCommitIDs(t *testing.T) {
	frontier := mustParse(t, "CVE-2023-45130")
	for _, v := range []string{"0.1.0", "1.0", "aea528198b3b226e0d20cce878551fd4c0e3d5d0"} {
		if d := frontier.Decide(byName("parity", "frontier"), v); d.Status != StatusUnknown {
			t.Errorf("frontier %s: %s by %q, want no answer (the range ends at a commit)", v, d.Status, d.Container)
		}
	}
	kernel := mustParse(t, "CVE-2021-47010")
	for i := range kernel.Containers {
		c := &kernel.Containers[i]
		if c.Kind != KindADP {
			continue
		}
		for j := range c.Affected {
			for k := range c.Affected[j].Versions {
				it := &c.Affected[j].Versions[k]
				if knownType(it.VersionType) == TypeCustom && commitLike(it.LessThan) {
					if _, matched, comparable := it.itemStatus("5.10.30"); matched || comparable {
						t.Errorf("ADP item %+v answers for 5.10.30", *it)
					}
				}
			}
		}
	}
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"aea528198b3b226e0d20cce878551fd4c0e3d5d0", true}, {"992de06308d9", true}, {"4fdf178", true},
		{"AFE130C", false}, {"20240101", false}, {"deadbeef", false}, {"1.1.1w", false}, {"6.1.94", false}, {"abc12", false},
	} {
		if got := commitLike(tt.s); got != tt.want {
			t.Errorf("commitLike(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestDecideBadItemsRealRecords: a range item whose lower bound or upper
// bound does not parse in its versionType (custom included: custom orders
// release numbers only) answers nothing, and where it may cover the
// version asked its entry's defaultStatus does not answer either; other
// containers then decide. Before, such an item was merely "not comparable"
// and the entry's defaultStatus decided: VMware ESXi 8.0 was "unaffected"
// by CVE-2024-37085 (a KEV entry) because the fix is named
// "ESXi80U3-24022510", ABB RobotWare 6.12 "unaffected" by CVE-2024-1914
// because the CNA's bound reads "6.15.06 except 6.10.10 and 6.13.07 ".
// Where a bound that parses places the version outside the bad item (6.9
// below OpenBSD's "7.4 <= V < 7.4 errata 009") the default still answers.
func TestDecideBadItemsRealRecords(t *testing.T) {
	tests := []struct {
		name, id  string
		sel       func(*Product) bool
		version   string
		status    string
		container string
		fixed     []string
		warned    bool
	}{
		{"KEV: ESXi 8.0 before a build-named fix (CNA default unaffected before)", "CVE-2024-37085", byName("", "esxi"), "8.0", StatusUnknown, "", nil, true},
		{"ESXi 7.0: the single version item", "CVE-2024-37085", byName("", "esxi"), "7.0", StatusAffected, KindCNA, nil, true},
		{"ESXi 6.7: below the bad item's lower bound, default", "CVE-2024-37085", byName("", "esxi"), "6.7", StatusUnaffected, KindCNA, nil, true},
		{"Cortex XSOAR 6.12.0: bound with a build note", "CVE-2024-9470", byName("palo alto", "cortex xsoar"), "6.12.0", StatusUnknown, "", nil, true},
		{"Cortex XSOAR 6.13.0: its single version item", "CVE-2024-9470", byName("palo alto", "cortex xsoar"), "6.13.0", StatusUnaffected, KindCNA, nil, true},
		{"Blue Planet: CNA lower bound \" early versions \", ADP range decides", "CVE-2024-2005", byName("blue", "inventory"), "22.10", StatusAffected, KindADP, nil, true},
		{"RobotWare: CNA bound with prose, ADP range decides", "CVE-2024-1914", byName("abb", "robotware"), "6.12", StatusAffected, KindADP, []string{"6.15.06"}, true},
		{"OpenBSD below the bad item: default affected", "CVE-2023-52556", byName("openbsd", "openbsd"), "6.9", StatusAffected, KindCNA, nil, true},
		{"OpenBSD 7.4: errata unknown", "CVE-2023-52556", byName("openbsd", "openbsd"), "7.4", StatusUnknown, "", nil, true},
		{"semver bound that is a git commit: never ordered as release 7 (was affected)", "CVE-2024-50050", byName("meta", "llama"), "1.0", StatusUnknown, "", nil, true},
		{"... nor 10.0 unaffected above \"release 7\"", "CVE-2024-50050", byName("meta", "llama"), "10.0", StatusUnknown, "", nil, true},
		{"Aspera below the range: default unaffected", "CVE-2022-43384", byName("ibm", "aspera"), "3.3.0", StatusUnaffected, KindCNA, nil, true},
		{"Aspera inside, bound \"3.4.2 PL5\"", "CVE-2022-43384", byName("ibm", "aspera"), "3.4.1", StatusUnknown, "", nil, true},
		// a lower bound "8.0.*" is the start of the 8.0 series, not its
		// end (was: every 8.0 release below the range, "unaffected")
		{"PHP 8.0.20 in \"8.0.*\" <= V < 8.0.29", "CVE-2023-3247", byName("php", "php"), "8.0.20", StatusAffected, KindCNA, []string{"8.0.29"}, false},
		{"PHP 8.0.29: fixed", "CVE-2023-3247", byName("php", "php"), "8.0.29", StatusUnaffected, KindCNA, nil, false},
		{"PHP 7.4.33: below every series", "CVE-2023-3247", byName("php", "php"), "7.4.33", StatusUnaffected, KindCNA, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.id)
			if len(r.Warnings) == 0 && tt.warned {
				t.Errorf("%s: no warning for its bad item", tt.id)
			}
			d := r.Decide(tt.sel, tt.version)
			if d.Status != tt.status || d.Container != tt.container || !reflect.DeepEqual(d.Fixed, tt.fixed) {
				t.Errorf("%s @ %s = %s by %q (%s), fixed %q; want %s by %q, fixed %q", tt.id, tt.version, d.Status, d.Container, d.Provider, d.Fixed, tt.status, tt.container, tt.fixed)
			}
		})
	}
}
