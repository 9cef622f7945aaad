package main

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/scanreport"
	"github.com/dualmark/dualmark/internal/vex"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newScanCmd) }

func newScanCmd() *cobra.Command {
	var (
		dbDir, format, failOn, platform string
		vexFiles                        []string
		asJSON, ignoreUnknown           bool
	)
	cmd := &cobra.Command{
		Use:   "scan SBOM",
		Short: "Find known and actively exploited vulnerabilities in an SBOM's components",
		Long: `scan matches every component of a CycloneDX or SPDX SBOM against the local
advisory database (see "dualmark db import"): OSV records by purl with each
ecosystem's own version ordering, and by GIT tag or commit; CVE records (CVE
JSON 5) by CPE and by the well-known firmware identities (Linux kernel,
OpenSSL, BusyBox, glibc, curl, ...) a component names by purl, repository or
name, with the record format's version algorithm and a confidence (see
docs/SCANNING.md). A CVE limited to Windows, macOS or iOS never matches a
product on Linux or an RTOS (--platform, else derived from the SBOM); with
the platform unknown it is kept and flagged.

Findings that are one vulnerability (aliases; Bitnami variants) are one row.
They carry KEV status, EPSS, SSVC exploitation, severity with its source
(the record, else the aliased CVE record's CNA then ADP CVSS; "unknown" when
none gives one), the deciding CVE container and the fixed versions; VEX
documents (OpenVEX, CycloneDX VEX, CSAF VEX) given with --vex suppress or
annotate them. Every component is in exactly one of: affected, not affected
(data exists, nothing matches), no data (no source covers it: never "clean")
or unmatchable (no usable identifier or version). The database's build time
and newest record are shown, with a warning when older than 7 days.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (a
finding of unknown severity counts at every severity level unless
--ignore-unknown-severity), 2 an error (unreadable SBOM, missing or corrupt
database, bad VEX).`,
		Example: `  dualmark scan firmware.cdx.json --db ~/.cache/dualmark/db
  dualmark scan router.cdx.json --db ./db --platform linux --fail-on high
  dualmark scan app.spdx.json --db ./db --vex vendor.openvex.json --fail-on critical --ignore-unknown-severity
  dualmark scan firmware.cdx.json --db ./db --format sarif > scan.sarif
  dualmark scan firmware.cdx.json --db ./db --json | jq .summary`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(fmt.Errorf("scan takes one SBOM file, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// A scan is short-lived and allocates mostly long-lived data (the
			// SBOM, compiled matchers, findings): collecting less often cut
			// GC work from ~20% of the CPU of a 10,000-component scan.
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			if asJSON {
				format = scanreport.FormatJSON
			}
			if !slices.Contains(scanreport.Formats, format) {
				return usageError(fmt.Errorf("--format %q: use one of %s", format, strings.Join(scanreport.Formats, ", ")))
			}
			if !slices.Contains(match.FailLevels, failOn) {
				return usageError(fmt.Errorf("--fail-on %q: use one of %s", failOn, strings.Join(match.FailLevels, ", ")))
			}
			if platform != "" && match.NormalizePlatform(platform) == "" {
				return usageError(fmt.Errorf("--platform %q: give an operating system such as linux, rtos, zephyr, freertos, windows, macos or ios", platform))
			}
			docs, err := loadVEXDocuments(vexFiles)
			if err != nil {
				return err
			}
			// the database is opened (its sections checked) on the other
			// core while the SBOM is parsed; an SBOM that does not parse
			// is still the error reported first
			opened := make(chan openedDB, 1)
			go func() {
				db, err := advisory.OpenDB(dbDir)
				opened <- openedDB{db, err}
			}()
			doc, err := sbom.ParseFile(args[0], sbom.Options{})
			o := <-opened
			if err != nil {
				if o.db != nil {
					o.db.Close()
				}
				return err
			}
			if o.err != nil {
				return o.err
			}
			db := o.db
			defer db.Close()
			res, err := match.ScanDocument(doc, db, match.Options{VEX: vex.Statements(docs), Platform: platform})
			if err != nil {
				return fmt.Errorf("scan of %s: %w", args[0], err)
			}
			ropts := scanreport.RenderOptions{SBOM: args[0], Time: time.Now(), ToolVersion: scanToolVersion(), Tooling: "dualmark scan"}
			if err := scanreport.Render(cmd.OutOrStdout(), res, format, ropts); err != nil {
				return err
			}
			if format == scanreport.FormatTable && res.Summary.Platform == "" && match.PlatformFlagged(res.Findings) > 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "hint: give the product's platform with --platform (linux, rtos, zephyr, freertos, windows, macos, ios)")
			}
			if match.FailsOn(res, failOn, ignoreUnknown) {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dbDir, "db", advisory.DefaultDir(), "advisory database directory (built by dualmark db import)")
	cmd.Flags().StringSliceVar(&vexFiles, "vex", nil, "VEX document (OpenVEX, CycloneDX VEX or CSAF VEX); repeatable")
	cmd.Flags().StringVar(&format, "format", scanreport.FormatTable, "output: "+strings.Join(scanreport.Formats, "|"))
	cmd.Flags().StringVar(&failOn, "fail-on", "any", "exit 1 when an unsuppressed finding is at or above: "+strings.Join(match.FailLevels, "|"))
	cmd.Flags().BoolVar(&ignoreUnknown, "ignore-unknown-severity", false, "findings of unknown severity do not fail --fail-on critical|high|medium|low")
	cmd.Flags().StringVar(&platform, "platform", "", "the product's operating system (linux, rtos, zephyr, windows, macos, ios; default: derived from the SBOM)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "shorthand for --format json")
	return cmd
}

// openedDB is the outcome of opening the advisory database.
type openedDB struct {
	db  *advisory.DB
	err error
}

// loadVEXDocuments reads every --vex document, once, here: the packages
// below take statements, not paths. A document that cannot be read is an
// error, never silently ignored.
func loadVEXDocuments(paths []string) ([]*vex.Document, error) {
	var out []*vex.Document
	for _, p := range paths {
		d, err := vex.LoadDocument(p)
		if err != nil {
			return nil, usageError(err)
		}
		out = append(out, d)
	}
	return out, nil
}

// scanToolVersion is dualmark's module version for the documents scan writes.
func scanToolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
