package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/dualmark/dualmark/internal/aibom"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/sbomquality"
	"github.com/dualmark/dualmark/internal/sbomschema"
	"github.com/dualmark/dualmark/internal/termtable"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newSBOMCmd) }

// sbomReadFlags are the reading options every sbom subcommand shares.
type sbomReadFlags struct {
	strict    bool
	maxBytes  int64
	maxDepth  int
	maxString int
	schemaDir string
}

func (f *sbomReadFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.strict, "strict", false, "validate against the official CycloneDX/SPDX JSON schema first")
	cmd.Flags().Int64Var(&f.maxBytes, "max-bytes", sbom.DefaultMaxBytes, "refuse inputs larger than this many (decompressed) bytes")
	cmd.Flags().IntVar(&f.maxDepth, "max-depth", sbom.DefaultMaxDepth, "refuse JSON/XML nested deeper than this (objects and arrays, or elements; -1 no limit)")
	cmd.Flags().IntVar(&f.maxString, "max-string", sbom.DefaultMaxString, "refuse a component field (name, version, purl, ...) longer than this many bytes (-1 no limit)")
	cmd.Flags().StringVar(&f.schemaDir, "schema-dir", "", "directory with the CycloneDX/SPDX 3 JSON schemas for --strict (default $"+sbomschema.EnvSchemaDir+", then the staged copies)")
}

func (f *sbomReadFlags) read(path string) (*sbom.Document, error) {
	limitMemory(path)
	return sbom.ParseFile(path, sbom.Options{Strict: f.strict, MaxBytes: f.maxBytes, MaxDepth: f.maxDepth, MaxStringBytes: f.maxString, SchemaDir: f.schemaDir})
}

// limitMemory sets the Go runtime's soft memory limit for reading the
// uncompressed SBOM at path to 2.5x its size (at least 256 MiB: below that
// the live heap of a small SBOM can exceed the limit and the collector
// would run without pause, 8x slower on a 30 MB file), unless
// GOMEMLIMIT is set. The live model of a 1,000,000-component SBOM stays
// under that; what pushed the peak RSS of "sbom check" to 5x the file was
// garbage the collector had not yet reclaimed at its default pace
// (docs/HARDENING.md). The limit is soft: a larger live heap makes the
// collector work harder (the runtime caps it at about half the CPU), it
// never fails an allocation.
func limitMemory(path string) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || strings.HasSuffix(path, ".gz") {
		return
	}
	debug.SetMemoryLimit(max(st.Size()*5/2, 256<<20))
}

func oneFile(name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError(fmt.Errorf("sbom %s takes one SBOM file, got %d arguments", name, len(args)))
		}
		return nil
	}
}

func newSBOMCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sbom",
		Short: "Read, judge and convert SBOMs (CycloneDX 1.2-1.7, SPDX 2.2/2.3/3.0)",
		Long: `sbom reads CycloneDX 1.2-1.7 (JSON, XML), SPDX 2.2/2.3 (JSON, YAML,
tag-value) and SPDX 3.0 (JSON-LD), gzip-compressed or not, detecting the
format from the content; it judges SBOM quality against BSI TR-03183-2, the
NTIA minimum elements and the CISA 2025 draft, and converts between formats.`,
		Example: `  dualmark sbom inspect firmware.cdx.json
  dualmark sbom check firmware.spdx.json --profile bsi-tr03183-2.1
  dualmark sbom convert firmware.spdx --to cyclonedx-1.6-json > firmware.cdx.json`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSBOMInspectCmd(), newSBOMCheckCmd(), newSBOMConvertCmd())
	return cmd
}

func newSBOMInspectCmd() *cobra.Command {
	var rf sbomReadFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Show an SBOM's format, component counts by type and ecosystem, and identifier coverage",
		Example: `  dualmark sbom inspect firmware.cdx.json
  dualmark sbom inspect image.spdx.json.gz --json | jq .componentCount
  dualmark sbom inspect bom.xml --strict`,
		Args: oneFile("inspect"),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := rf.read(args[0])
			if err != nil {
				return err
			}
			s := sbom.Summarize(doc)
			ai := aibom.Check(doc)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), inspectJSON(s, ai))
			}
			printSummary(cmd.OutOrStdout(), s)
			printAI(cmd.OutOrStdout(), ai, tableOptions(cmd.OutOrStdout()))
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func printSummary(out io.Writer, s sbom.Summary) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	fmt.Fprintf(w, "Format:      %s %s (%s)\n", s.Format, s.SpecVersion, s.Encoding)
	if s.Name != "" {
		fmt.Fprintf(w, "Name:        %s\n", s.Name)
	}
	if s.Subject != "" {
		fmt.Fprintf(w, "Describes:   %s\n", s.Subject)
	}
	if s.Created != "" {
		fmt.Fprintf(w, "Created:     %s\n", s.Created)
	}
	fmt.Fprintf(w, "Components:  %d\n", s.ComponentCount)
	fmt.Fprintf(w, "Dependency edges: %d\n", s.DependencyEdges)
	for _, part := range []struct {
		title string
		m     map[string]int
	}{{"By type", s.ByType}, {"By ecosystem", s.ByEcosystem}} {
		fmt.Fprintf(w, "%s:\n", part.title)
		for _, k := range sbom.SortedKeys(part.m) {
			fmt.Fprintf(w, "  %-24s %d\n", k, part.m[k])
		}
	}
	n := s.ComponentCount
	c := s.Coverage
	fmt.Fprintln(w, "Coverage:")
	for _, row := range []struct {
		label string
		v     int
	}{
		{"purl (stated)", c.PURL}, {"purl (derived)", c.PURLDerived}, {"CPE", c.CPE}, {"purl or CPE", c.Identified},
		{"version", c.Version}, {"supplier", c.Supplier}, {"hash", c.Hash}, {"licence", c.License},
	} {
		fmt.Fprintf(w, "  %-24s %d/%d (%s)\n", row.label, row.v, n, percent(row.v, n))
	}
	if len(s.Warnings) > 0 {
		fmt.Fprintf(w, "Warnings (%d):\n", len(s.Warnings))
		for i, wr := range s.Warnings {
			if i == 20 {
				fmt.Fprintf(w, "  ... %d more (see --json)\n", len(s.Warnings)-20)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", wr.Location, wr.Message)
		}
	}
}

// inspectJSON adds the "ai" inventory to the summary when the SBOM lists
// models or datasets; other SBOMs keep exactly the summary's fields.
func inspectJSON(s sbom.Summary, ai *aibom.Report) any {
	if len(ai.Models)+len(ai.Datasets) == 0 {
		return s
	}
	return struct {
		sbom.Summary
		AI *aibom.Report `json:"ai"`
	}{s, ai}
}

// printAI lists the ML models and datasets with their provenance checks.
func printAI(out io.Writer, r *aibom.Report, opts termtable.Options) {
	if len(r.Models)+len(r.Datasets) == 0 {
		return
	}
	w := bufio.NewWriter(out)
	defer w.Flush()
	fmt.Fprintf(w, "ML models and datasets (%d, %d):\n", len(r.Models), len(r.Datasets))
	for _, g := range []struct {
		kind  string
		items []aibom.Item
	}{{"model", r.Models}, {"dataset", r.Datasets}} {
		for _, it := range g.items {
			fmt.Fprintf(w, "  %s %s %s [%s]\n", g.kind, it.Name, it.Version, it.Location)
			for _, c := range it.Checks {
				termtable.Hang(w, opts, fmt.Sprintf("    [%s] %-16s ", checkMark(c.Pass, c.Mandatory), c.ID), c.Detail)
			}
		}
	}
}

// checkMark is the four-letter mark of a check result: ok, FAIL (a
// mandatory check failed) or warn.
func checkMark(pass, mandatory bool) string {
	switch {
	case pass:
		return "ok  "
	case mandatory:
		return "FAIL"
	}
	return "warn"
}

func percent(v, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(v)/float64(n))
}

func newSBOMCheckCmd() *cobra.Command {
	var rf sbomReadFlags
	var asJSON bool
	var profile string
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Judge an SBOM against a quality profile (BSI TR-03183-2, NTIA, CISA 2025)",
		Long: `check runs every field rule of a quality profile and lists, per rule, the
components that break it. Profiles: bsi-tr03183-2.1 (default), bsi-tr03183-1.1,
ntia (NTIA minimum elements, 2021) and cisa-2025 (CISA minimum elements, 2025
draft).

Exit codes: 0 the profile passes, 1 it fails, 2 an error.`,
		Example: `  dualmark sbom check firmware.cdx.json
  dualmark sbom check app.spdx.json --profile ntia --json`,
		Args: oneFile("check"),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := rf.read(args[0])
			if err != nil {
				return err
			}
			rep, err := sbomquality.Check(doc, profile)
			if err != nil {
				return usageError(err)
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printReport(cmd.OutOrStdout(), rep, tableOptions(cmd.OutOrStdout()))
			}
			if !rep.Pass {
				return failed()
			}
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&profile, "profile", sbomquality.ProfileBSI21, "quality profile: "+strings.Join(sbomquality.Profiles, ", "))
	return cmd
}

func printReport(out io.Writer, rep *sbomquality.QualityReport, opts termtable.Options) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	verdict := "PASS"
	if !rep.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "Profile %s: %s\n", rep.Profile, verdict)
	for _, c := range rep.Checks {
		termtable.Hang(w, opts, fmt.Sprintf("  [%s] %-40s ", checkMark(c.Pass, c.Mandatory), c.ID), c.Description)
		if c.Detail != "" {
			termtable.Hang(w, opts, "         ", c.Detail)
		}
		for i, o := range c.Offending {
			if i == 5 {
				fmt.Fprintf(w, "         ... %d more\n", c.OffendingCount-5)
				break
			}
			fmt.Fprintf(w, "         - %s\n", o)
		}
	}
}

func newSBOMConvertCmd() *cobra.Command {
	var rf sbomReadFlags
	var to, output string
	cmd := &cobra.Command{
		Use:   "convert FILE --to cyclonedx-1.6-json|spdx-2.3-json",
		Short: "Convert an SBOM to CycloneDX 1.6 JSON or SPDX 2.3 JSON",
		Long: `convert writes the SBOM in another format, losslessly for the fields of
dualmark's component model (name, version, supplier, purl, CPEs, hashes,
licences, type, scope, file name, dependency edges). CycloneDX output also keeps
a CBOM: every cryptographic asset's cryptoProperties, its
dualmark:crypto:purpose property and the "provides" edges (1.7-only fields,
algorithmFamily and relatedCryptographicAssets, travel as dualmark properties
that the reader takes back). SPDX 2.3 has no place for cryptoProperties.`,
		Example: `  dualmark sbom convert firmware.spdx --to cyclonedx-1.6-json > firmware.cdx.json
  dualmark sbom convert bom.xml --to spdx-2.3-json -o bom.spdx.json`,
		Args: oneFile("convert"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to != sbom.TargetCycloneDX16JSON && to != sbom.TargetSPDX23JSON {
				return usageError(fmt.Errorf("--to %q: use %s or %s", to, sbom.TargetCycloneDX16JSON, sbom.TargetSPDX23JSON))
			}
			doc, err := rf.read(args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if output != "" && output != "-" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				bw := bufio.NewWriter(f)
				if err := sbom.Convert(bw, doc, to); err != nil {
					return err
				}
				if err := bw.Flush(); err != nil {
					return err
				}
				return f.Close()
			}
			return sbom.Convert(out, doc, to)
		},
	}
	rf.register(cmd)
	cmd.Flags().StringVar(&to, "to", "", "target format: cyclonedx-1.6-json or spdx-2.3-json")
	cmd.Flags().StringVarP(&output, "out", "o", "", "write to this file instead of standard output")
	aliasFlag(cmd.Flags(), "out", "output")
	return cmd
}
