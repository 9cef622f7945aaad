package match

import (
	"slices"
	"strings"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/cve5"
	"github.com/dualmark/dualmark/internal/ident"
)

// Identity is one piece of software as CVE records name it: the CPE
// vendor:product pairs (NVD's and CISA's ADP), the CNA's own vendor and
// product (lower case, inner spaces as "_", the form advisory.Keys indexes),
// the CNA's packageName, and the source repositories. docs/SCANNING.md has
// the table of the well-known firmware identities.
type Identity struct {
	// Name is how the identity is shown ("Linux kernel").
	Name string
	// Names are component (and purl) names that mean it, lower case.
	Names []string
	// Keys are vendor:product keys under which records are indexed.
	Keys []string
	// Packages are CNA packageName values; they count only together with a
	// vendor of one of Keys ("kernel" of vendor Linux, not of Red Hat).
	Packages []string
	// Repos are source repositories in advisory.NormalizeRepo form.
	Repos []string
}

// FirmwareIdentities is the table of well-known firmware components: the
// software connected products are mostly made of, with the names their
// CVE records use. A component is recognised by any of its names, CPE
// vendor:product keys or repositories.
var FirmwareIdentities = []Identity{
	{Name: "Linux kernel", Names: []string{"linux", "linux-kernel", "linux_kernel", "kernel", "linux-libc-headers", "linux-yocto"},
		Keys:     []string{"linux:linux_kernel", "linux:linux", "linux:kernel"},
		Packages: []string{"kernel", "linux"},
		Repos:    []string{"git.kernel.org/pub/scm/linux/kernel/git/stable/linux", "git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux", "github.com/torvalds/linux"}},
	{Name: "OpenSSL", Names: []string{"openssl", "libssl", "libcrypto", "libssl3", "libssl1.1"},
		Keys: []string{"openssl:openssl"}, Repos: []string{"github.com/openssl/openssl"}},
	{Name: "BusyBox", Names: []string{"busybox"}, Keys: []string{"busybox:busybox"}, Repos: []string{"git.busybox.net/busybox"}},
	{Name: "glibc", Names: []string{"glibc", "libc6", "gnu-libc"},
		Keys:  []string{"gnu:glibc", "the_gnu_c_library:glibc", "gnu_libc:glibc", "gnu:gnu_c_library"},
		Repos: []string{"sourceware.org/git/glibc"}},
	{Name: "curl", Names: []string{"curl", "libcurl"},
		Keys:  []string{"haxx:curl", "haxx:libcurl", "curl:curl", "curl:libcurl"},
		Repos: []string{"github.com/curl/curl"}},
	{Name: "Mbed TLS", Names: []string{"mbedtls", "mbed-tls", "mbed_tls", "polarssl"},
		Keys:  []string{"arm:mbed_tls", "mbed:mbedtls", "mbed-tls:mbedtls", "trustedfirmware:mbed_tls", "arm:mbedtls", "polarssl:polarssl"},
		Repos: []string{"github.com/mbed-tls/mbedtls", "github.com/armmbed/mbedtls"}},
	{Name: "BlueZ", Names: []string{"bluez", "bluez5"}, Keys: []string{"bluez:bluez"}, Repos: []string{"git.kernel.org/pub/scm/bluetooth/bluez", "github.com/bluez/bluez"}},
	{Name: "dnsmasq", Names: []string{"dnsmasq"}, Keys: []string{"thekelleys:dnsmasq", "dnsmasq:dnsmasq"}, Repos: []string{"thekelleys.org.uk/git/dnsmasq"}},
	{Name: "wpa_supplicant", Names: []string{"wpa_supplicant", "wpa-supplicant", "wpasupplicant"},
		Keys: []string{"w1.fi:wpa_supplicant"}, Repos: []string{"w1.fi/hostap"}},
	{Name: "hostapd", Names: []string{"hostapd"}, Keys: []string{"w1.fi:hostapd"}, Repos: []string{"w1.fi/hostap"}},
	{Name: "Dropbear SSH", Names: []string{"dropbear", "dropbear-ssh", "dropbear_ssh"},
		Keys:  []string{"dropbear_ssh_project:dropbear_ssh", "dropbear_ssh_project:dropbear_ssh_server", "matt_johnston:dropbear_ssh"},
		Repos: []string{"github.com/mkj/dropbear"}},
	{Name: "lwIP", Names: []string{"lwip"}, Keys: []string{"lwip_project:lwip", "savannah:lwip"}, Repos: []string{"git.savannah.nongnu.org/git/lwip"}},
	{Name: "zlib", Names: []string{"zlib", "zlib1g", "libz"}, Keys: []string{"zlib:zlib", "gnu:zlib", "madler:zlib"}, Repos: []string{"github.com/madler/zlib"}},
	{Name: "Zephyr", Names: []string{"zephyr", "zephyr-rtos"},
		Keys:     []string{"zephyrproject:zephyr", "zephyrproject-rtos:zephyr", "linuxfoundation:zephyr"},
		Packages: []string{"zephyr"}, Repos: []string{"github.com/zephyrproject-rtos/zephyr"}},
	{Name: "CPython", Names: []string{"python", "python3", "cpython", "libpython3"},
		Keys:  []string{"python:python", "python:cpython", "python_software_foundation:cpython"},
		Repos: []string{"github.com/python/cpython"}},
	{Name: "U-Boot", Names: []string{"u-boot", "uboot", "das-u-boot", "u_boot"},
		Keys:  []string{"denx:u-boot", "denx:das_u-boot", "u-boot:u-boot"},
		Repos: []string{"source.denx.de/u-boot/u-boot", "github.com/u-boot/u-boot"}},
}

// identityIndex maps names, keys and repositories to table rows.
var identityIndex = func() map[string]*Identity {
	m := map[string]*Identity{}
	for i := range FirmwareIdentities {
		id := &FirmwareIdentities[i]
		for _, n := range id.Names {
			m["name\x00"+n] = id
		}
		for _, k := range id.Keys {
			m["key\x00"+k] = id
		}
		for _, r := range id.Repos {
			m["repo\x00"+r] = id
		}
	}
	return m
}()

// IdentityByName returns the table row a component name means, if any.
func IdentityByName(name string) (*Identity, bool) {
	id, ok := identityIndex["name\x00"+strings.ToLower(strings.TrimSpace(name))]
	return id, ok
}

// IdentityByKey returns the table row of a CPE (or CNA) vendor:product.
func IdentityByKey(vendor, product string) (*Identity, bool) {
	id, ok := identityIndex["key\x00"+productKey(vendor, product)]
	return id, ok
}

// IdentityByRepo returns the table row of a repository URL (any form
// advisory.NormalizeRepo reads).
func IdentityByRepo(url string) (*Identity, bool) {
	id, ok := identityIndex["repo\x00"+advisory.NormalizeRepo(url)]
	return id, ok
}

// productKey is the vendor:product index key: lower case, trimmed, inner
// spaces as "_" (advisory.Keys' form for CVE entries).
func productKey(vendor, product string) string {
	vendor, product = strings.TrimSpace(vendor), strings.TrimSpace(product)
	if !asciiKeyPart(vendor) || !asciiKeyPart(product) {
		k := strings.ToLower(vendor) + ":" + strings.ToLower(product)
		return strings.ReplaceAll(k, " ", "_")
	}
	// one allocation instead of up to four (lower-casing each half, the
	// concatenation, the replacement): a firmware scan computes the key of
	// every entry of every record it finds
	var b strings.Builder
	b.Grow(len(vendor) + 1 + len(product))
	lowerKeyInto(&b, vendor)
	b.WriteByte(':')
	lowerKeyInto(&b, product)
	return b.String()
}

// asciiKeyPart reports whether s is ASCII.
func asciiKeyPart(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lowerKeyInto writes the ASCII string s to b, lower case, with spaces
// as "_".
func lowerKeyInto(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == ' ':
			c = '_'
		}
		b.WriteByte(c)
	}
}

// productNames is what identities are compared with in an affected entry,
// computed once per entry (a firmware scan asks it of thousands of entries
// for every kernel version).
type productNames struct {
	keys          []string // vendor:product, then each CPE's
	vendor        string   // lower case, set when pkg is
	pkg, repoNorm string
}

func namesOf(p *cve5.Product) *productNames {
	n := &productNames{}
	namesInto(n, p)
	return n
}

// namesInto sets n to the names of p.
func namesInto(n *productNames, p *cve5.Product) {
	*n = productNames{keys: make([]string, 1, 1+len(p.CPEs)), pkg: strings.ToLower(p.PackageName)}
	if n.pkg != "" { // the vendor counts only with a packageName
		n.vendor = strings.ToLower(strings.TrimSpace(p.Vendor))
	}
	n.keys[0] = productKey(p.Vendor, p.Product)
	for _, s := range p.CPEs {
		if k, ok := cpeKey(s); ok && !slices.Contains(n.keys, k) {
			n.keys = append(n.keys, k)
		}
	}
	if p.Repo != "" {
		n.repoNorm = advisory.NormalizeRepo(p.Repo)
	}
}

// selects reports whether an affected entry of a CVE record describes this
// identity: by its vendor:product, one of its CPEs, its packageName with
// one of the identity's vendors, or its repository.
func (id *Identity) selects(n *productNames) bool {
	for _, k := range n.keys {
		if slices.Contains(id.Keys, k) {
			return true
		}
	}
	if n.pkg != "" && slices.Contains(id.Packages, n.pkg) {
		for _, want := range id.Keys {
			if strings.HasPrefix(want, n.vendor+":") {
				return true
			}
		}
	}
	return n.repoNorm != "" && slices.Contains(id.Repos, n.repoNorm)
}

// cpeKey is the vendor:product key of a CPE 2.3 formatted string, read by
// slicing when it has no escapes (matching asks it of every CPE of every
// candidate entry, and a full parse was half a firmware scan's CPU), else
// through ParseCPE.
func cpeKey(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "cpe:2.3:")
	if ok && !strings.ContainsRune(rest, '\\') {
		_, rest, ok1 := strings.Cut(rest, ":") // part
		vendor, rest, ok2 := strings.Cut(rest, ":")
		product, _, _ := strings.Cut(rest, ":")
		if ok1 && ok2 && vendor != "" && product != "" && vendor != "*" && product != "*" {
			if cleanKeyPart(vendor) && cleanKeyPart(product) {
				// already in key form: the substring "vendor:product"
				// of s, without an allocation
				start := len(s) - len(rest) - len(vendor) - 1
				return s[start : start+len(vendor)+1+len(product)], true
			}
			return productKey(vendor, product), true
		}
		return "", false
	}
	c, ok := ident.ParseCPE(s)
	if !ok {
		return "", false
	}
	return productKey(c.Vendor, c.Product), true
}

// cleanKeyPart reports whether a CPE vendor or product is already in
// productKey form: no upper-case letters, spaces, control or non-ASCII bytes.
func cleanKeyPart(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c <= ' ' || c >= 0x80 {
			return false
		}
	}
	return true
}
