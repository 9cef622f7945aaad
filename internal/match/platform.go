package match

import (
	"strings"

	"github.com/dualmark/dualmark/internal/cve5"
)

// Platforms a product's firmware runs on (Options.Platform).
const (
	PlatformLinux   = "linux"
	PlatformRTOS    = "rtos"
	PlatformWindows = "windows"
	PlatformMacOS   = "macos"
	PlatformIOS     = "ios"
)

// NormalizePlatform reads an operating-system name ("Linux 5.15", "Zephyr",
// "FreeRTOS", "OpenWrt", "Windows 11") as one of the Platform constants, or
// "" when it is none it knows.
func NormalizePlatform(os string) string {
	s := strings.ToLower(os)
	switch {
	case s == "":
		return ""
	case containsAny(s, "linux", "openwrt", "yocto", "buildroot", "android", "poky", "dd-wrt"):
		return PlatformLinux
	case containsAny(s, "rtos", "zephyr", "threadx", "nuttx", "riot", "contiki", "mbed os", "vxworks", "qnx", "bare metal", "bare-metal", "esp-idf"):
		return PlatformRTOS
	case containsAny(s, "windows"):
		return PlatformWindows
	case containsAny(s, "macos", "mac os", "os x", "osx"):
		return PlatformMacOS
	case containsAny(s, "ios", "ipados", "iphone"):
		return PlatformIOS
	}
	return ""
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// DerivePlatform reads the platform from the SBOM's components: an
// operating-system component that names one, else a Linux kernel (Linux)
// or Zephyr (RTOS) component. "" when the SBOM does not say.
func DerivePlatform(cs []Component) string {
	for i := range cs {
		if cs[i].Type == "operating-system" {
			if p := NormalizePlatform(cs[i].Name); p != "" {
				return p
			}
		}
	}
	for i := range cs {
		for _, q := range firmwareQueries(&cs[i]) {
			switch q.id.Name {
			case "Linux kernel":
				return PlatformLinux
			case "Zephyr":
				return PlatformRTOS
			}
		}
	}
	return ""
}

// desktopOnly reports whether an affected entry limits the vulnerability
// to a desktop or phone operating system (Windows, macOS, iOS): it names
// one, and no other, among its platforms and its CPEs' target_sw (a
// wildcard target_sw states nothing). It returns the platform named.
func desktopOnly(p *cve5.Product) (string, bool) {
	if p == nil {
		return "", false
	}
	found := ""
	for _, pl := range p.Platforms {
		switch os := NormalizePlatform(pl); os {
		case PlatformWindows, PlatformMacOS, PlatformIOS:
			if found == "" {
				found = os
			}
		case PlatformLinux, PlatformRTOS:
			return "", false
		}
	}
	for _, s := range p.CPEs {
		switch ts := cpeTargetSW(s); {
		case ts == "" || ts == "*" || ts == "-":
			// states no platform
		case strings.Contains(ts, "windows"):
			found = PlatformWindows
		case strings.Contains(ts, "mac"):
			found = PlatformMacOS
		case strings.Contains(ts, "iphone") || ts == "ios":
			found = PlatformIOS
		default:
			return "", false
		}
	}
	return found, found != ""
}

// excludedOn reports whether a record limited to desktop platform os cannot
// apply to firmware on platform: a known platform other than os.
func excludedOn(platform, os string) bool {
	return os != "" && platform != "" && platform != os
}

// cpeTargetSW returns the target_sw field of a CPE 2.3 formatted string
// (the 10th component), lower case, or "".
func cpeTargetSW(s string) string {
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return ""
	}
	field, start, esc := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case esc:
			esc = false
		case s[i] == '\\':
			esc = true
		case s[i] == ':':
			if field == 10 {
				return strings.ToLower(s[start:i])
			}
			field++
			start = i + 1
		}
	}
	if field == 10 {
		return strings.ToLower(s[start:])
	}
	return ""
}
