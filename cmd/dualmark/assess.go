package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/report"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newAssessCmd) }

func newAssessCmd() *cobra.Command {
	var (
		opts     assess.RunOptions
		vexPaths []string
		regimes  string
		format   string
		out      string
		asJSON   bool
		on       string
	)
	cmd := &cobra.Command{
		Use:   "assess PATH",
		Short: "Assess a product against the CRA, the US Cyber Trust Mark and EN 303 645 at once",
		Long: `assess reads a product dossier (a YAML file, or a folder holding dossier.yaml),
its SBOM (the one the dossier names, or --sbom) and, with --db, scans the SBOM
for known vulnerabilities. It gives every requirement of each selected regime
a status (met, not-met, not-applicable, unknown) with its reasons, counts
evidence once for every regime the crosswalk maps it to, and gives a verdict
per regime (conforms, does-not-conform, incomplete, ready-for-testing,
tested, not-applicable) plus the CRA conformity-assessment routes the
product's class allows and whether the chosen one is open (Art. 32).

The rules in force on the assessment date (--on, default today) decide:
before 11 Dec 2027 radio products are under RED Delegated Regulation
(EU) 2022/30 and CRA Art. 14 (from 11 Sep 2026); the CRA applies in full
to units placed on the market from 11 Dec 2027. Requirements not yet in
force are shown, with a readiness verdict, but decide nothing.

Regimes: cra (EU Cyber Resilience Act), red-da (RED Delegated Regulation
(EU) 2022/30), us-ctm (NIST IR 8425 + FCC Cyber Trust Mark rules),
en303645 (ETSI EN 303 645). docs/ASSESSMENT.md explains how statuses,
verdicts, dates, routes and reuse are decided.

Exit codes: 0 nothing is negative (every selected regime conforms, is
ready for CyberLAB testing or tested, or does not apply on the date);
1 at least one does not conform or is incomplete; 2 an error.`,
		Example: `  dualmark assess examples/smart-plug
  dualmark assess examples/security-camera --on 2027-12-11 --regime cra
  dualmark assess examples/home-router --db ~/.cache/dualmark/db --format html --out report/
  dualmark assess dossier.yaml --sbom firmware.cdx.json --vex vex.json --db db/ --regime cra --format sarif`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				format = "json"
			}
			opts.Version, _ = buildVersion()
			if report.Extension(format) == "" {
				return usageError(fmt.Errorf("--format %q: choose one of %s", format, strings.Join(report.Formats, ", ")))
			}
			if regimes != "" {
				// As catalog list --regime: comma-separated, spaces ignored.
				for _, r := range strings.Split(regimes, ",") {
					opts.Regimes = append(opts.Regimes, strings.TrimSpace(r))
				}
			}
			if on != "" {
				d, err := dossier.ParseDate(on)
				if err != nil {
					return usageError(fmt.Errorf("--on: %w", err))
				}
				opts.On = d.Time
			}
			if opts.DB == "" && len(vexPaths) > 0 {
				return usageError(assess.ErrVEXWithoutScan)
			}
			docs, err := loadVEXDocuments(vexPaths)
			if err != nil {
				return err
			}
			opts.VEX = docs
			a, err := assess.Run(args[0], opts)
			if err != nil {
				return usageError(err)
			}
			w := cmd.OutOrStdout()
			if out != "" {
				if err := os.MkdirAll(out, 0o755); err != nil {
					return usageError(fmt.Errorf("--out: %w", err))
				}
				file := filepath.Join(out, "assessment"+report.Extension(format))
				f, err := os.Create(file)
				if err != nil {
					return usageError(fmt.Errorf("--out: %w", err))
				}
				if err := report.Write(f, a, format); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				for _, r := range a.Order {
					fmt.Fprintf(w, "%-9s %s\n", r, a.Regimes[r].Verdict)
				}
				fmt.Fprintf(w, "wrote %s\n", file)
			} else if err := report.WriteWith(w, a, format, tableOptions(w)); err != nil {
				return err
			}
			for _, r := range a.Order {
				if assess.Negative(a.Regimes[r].Verdict) {
					return failed()
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.SBOM, "sbom", "", "SBOM file (CycloneDX or SPDX); default: the one the dossier names under sbom.path")
	f.StringVar(&opts.DB, "db", "", "advisory database folder (dualmark db import/update); scans the SBOM when given")
	f.StringSliceVar(&vexPaths, "vex", nil, "VEX document(s) whose not_affected/fixed statements suppress findings (repeatable)")
	f.StringVar(&regimes, "regime", "", "regimes to assess, comma-separated: cra,red-da,us-ctm,en303645 (default all)")
	f.StringVar(&format, "format", "table", "output format: "+strings.Join(report.Formats, ", "))
	f.StringVar(&out, "out", "", "write the report as DIR/assessment.<ext> instead of to standard output")
	f.BoolVar(&asJSON, "json", false, "shorthand for --format json")
	f.StringVar(&on, "on", "", "assessment date YYYY-MM-DD: the rules in force on that day decide (default today)")
	outsidePathsFlag(cmd, &opts.AllowOutsidePaths)
	f.StringVar(&opts.SBOMProfile, "sbom-profile", assess.DefaultSBOMProfile, "SBOM quality profile shown beside CRA-II.1 as a finding (bsi-tr03183-2.1, bsi-tr03183-1.1, ntia, cisa-2025)")
	return cmd
}
