package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/vex"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newCSAFCmd) }

func newCSAFCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "csaf",
		Short: "Write CSAF 2.0 VEX and advisories, check documents, build a provider directory, read product trees",
		Long: `CSAF 2.0 (OASIS) out and in. Every document written is checked against the
OASIS CSAF 2.0 JSON schema and the mandatory tests 6.1.1–6.1.8 first; the
schemas are read from --schema-dir, $DUALMARK_CSAF_SCHEMA_DIR or the staged
../shared/data/csaf/oasis-csaf/csaf_2.0 folder.`,
		Example: `  dualmark csaf vex scan.json --out csaf/ --vendor "Lumora Vision" --name "IC400 camera" --version 3.2.0 --publisher "Lumora Vision PSIRT" --namespace https://lumora.example
  dualmark csaf advisory case.json --out csaf/ --publisher "Lumora Vision PSIRT" --namespace https://lumora.example
  dualmark csaf check csaf/*.json
  dualmark csaf provider csaf/*.json --out site/ --base-url https://lumora.example --publisher "Lumora Vision PSIRT" --namespace https://lumora.example
  dualmark csaf products icsa-24-004-01.json --vendor Siemens --name "SIMATIC S7" --version 2.9`,
	}
	cmd.PersistentFlags().String("schema-dir", "", "the OASIS csaf_2.0 folder (json_schema/, referenced_schema/first/)")
	cmd.AddCommand(newCSAFVEXCmd(), newCSAFAdvisoryCmd(), newCSAFCheckCmd(), newCSAFProviderCmd(), newCSAFProductsCmd())
	return cmd
}

func csafSchemas(cmd *cobra.Command) *csaf.Schemas {
	dir, _ := cmd.Flags().GetString("schema-dir")
	return csaf.NewSchemas(dir)
}

// docFlags are the document-level flags of generated documents.
type docFlags struct {
	publisher, namespace, category, tlp, id, out, at string
}

func (f *docFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.publisher, "publisher", "", "publisher name (required)")
	cmd.Flags().StringVar(&f.namespace, "namespace", "", "publisher namespace URL (required)")
	cmd.Flags().StringVar(&f.category, "publisher-category", "vendor", "publisher category (vendor, coordinator, …)")
	cmd.Flags().StringVar(&f.tlp, "tlp", "WHITE", "TLP label: WHITE, GREEN, AMBER or RED")
	cmd.Flags().StringVar(&f.id, "tracking-id", "", "tracking ID (default derived from the product)")
	cmd.Flags().StringVar(&f.out, "out", "", "folder to write the document to (required)")
	cmd.Flags().StringVar(&f.at, "at", "", "release time (RFC 3339), default now")
}

func (f *docFlags) options() (csaf.Options, error) {
	if f.out == "" || f.publisher == "" || f.namespace == "" {
		return csaf.Options{}, usageError(errors.New("--out, --publisher and --namespace are required"))
	}
	at, err := parseAt(f.at)
	if err != nil {
		return csaf.Options{}, err
	}
	return csaf.Options{Publisher: csaf.Publisher{Name: f.publisher, Namespace: f.namespace, Category: f.category},
		TLP: f.tlp, TrackingID: f.id, Now: at}, nil
}

// writeChecked checks a generated document and writes it into dir under
// its CSAF file name; a document that fails is not written.
func writeChecked(cmd *cobra.Command, a *csaf.Advisory, dir string) error {
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	ps, err := csaf.CheckBytes(data, csafSchemas(cmd))
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		return fmt.Errorf("generated document fails the CSAF checks, not written: %v", ps)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := filepath.Join(dir, csaf.FileName(a.Document.Tracking.ID))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %d vulnerabilities, schema and mandatory tests 6.1.1–6.1.8 passed\n", p, a.Document.Category, len(a.Vulnerabilities))
	return nil
}

func newCSAFVEXCmd() *cobra.Command {
	var df docFlags
	var dev csaf.Device
	var vexFiles []string
	cmd := &cobra.Command{
		Use:   "vex SCAN.json",
		Short: "Write a CSAF VEX document from a scan result and VEX decisions",
		Long: `SCAN.json is the JSON of "dualmark scan --json". Each affected component
becomes "component as part of the device"; its status is the decision from
--vex (OpenVEX, CycloneDX or CSAF VEX), else the statement the scan applied,
else known_affected with the fixed versions as remediation.`,
		Example: `  dualmark csaf vex scan.json --out csaf/ --vendor "Lumora Vision" --name "IC400 camera" --version 3.2.0 \
    --publisher "Lumora Vision PSIRT" --namespace https://lumora.example --vex decisions.openvex.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := df.options()
			if err != nil {
				return err
			}
			var res match.Result
			if err := readJSONFile(args[0], &res); err != nil {
				return err
			}
			docs, err := loadVEXDocuments(vexFiles)
			if err != nil {
				return err
			}
			o.Decisions = append(o.Decisions, vex.Statements(docs)...)
			o.Device = dev
			a, err := csaf.VEX(&res, o)
			if err != nil {
				return usageError(err)
			}
			return writeChecked(cmd, a, df.out)
		},
	}
	df.register(cmd)
	cmd.Flags().StringVar(&dev.Vendor, "vendor", "", "device vendor (required)")
	cmd.Flags().StringVar(&dev.Name, "name", "", "device name (required)")
	cmd.Flags().StringVar(&dev.Version, "version", "", "device version")
	cmd.Flags().StringVar(&dev.PURL, "purl", "", "the device's own purl")
	cmd.Flags().StringVar(&dev.CPE, "cpe", "", "the device's own CPE")
	cmd.Flags().StringSliceVar(&vexFiles, "vex", nil, "VEX decisions (repeatable)")
	return cmd
}

func newCSAFAdvisoryCmd() *cobra.Command {
	var df docFlags
	cmd := &cobra.Command{
		Use:     "advisory CASE.json",
		Short:   "Draft a CSAF security advisory from an Art. 14(1) case (the Art. 14(8) user information)",
		Example: `  dualmark csaf advisory case.json --out csaf/ --publisher "Lumora Vision PSIRT" --namespace https://lumora.example --tlp GREEN`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := df.options()
			if err != nil {
				return err
			}
			c, err := loadCase(args[0])
			if err != nil {
				return err
			}
			a, err := csaf.FromCase(c, o)
			if err != nil {
				return usageError(err)
			}
			return writeChecked(cmd, a, df.out)
		},
	}
	df.register(cmd)
	return cmd
}

func newCSAFCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Check CSAF 2.0 documents: OASIS JSON schema and mandatory tests 6.1.1–6.1.8",
		Long: `Each problem is printed as FILE: TEST POINTER: MESSAGE, TEST being "schema"
or the test id. Exit code 1 when a document has a problem, 2 when a file
cannot be read or is not JSON.`,
		Example: `  dualmark csaf check advisory.json
  dualmark csaf check --json csaf/*.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sch := csafSchemas(cmd)
			type result struct {
				File     string         `json:"file"`
				Problems []csaf.Problem `json:"problems"`
			}
			var results []result
			bad := false
			for _, p := range args {
				f, err := os.Open(p)
				if err != nil {
					return usageError(err)
				}
				ps, err := csaf.Check(f, sch)
				f.Close()
				if err != nil {
					return usageError(fmt.Errorf("%s: %w", p, err))
				}
				results = append(results, result{p, nonNil(ps)})
				bad = bad || len(ps) > 0
			}
			w := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(w, results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					if len(r.Problems) == 0 {
						fmt.Fprintf(w, "%s: ok\n", r.File)
					}
					for _, pr := range r.Problems {
						fmt.Fprintf(w, "%s: %s\n", r.File, pr)
					}
				}
			}
			if bad {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the problems as JSON")
	return cmd
}

func newCSAFProviderCmd() *cobra.Command {
	var out, base, publisher, namespace, category, key, at, contact string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "provider DOC.json...",
		Short: "Write a CSAF provider directory (.well-known/csaf) for the documents",
		Long: `Writes provider-metadata.json, the documents by TLP folder and year with
.sha256 and .sha512, index.txt, changes.csv, a ROLIE feed and category
document per TLP folder, the ROLIE service document, and with --contact
.well-known/security.txt.
With --key (an armoured OpenPGP private key, unencrypted, or with its
passphrase in $DUALMARK_PGP_PASSPHRASE) every file gets a detached .asc
signature and the role is csaf_trusted_provider; without, csaf_provider.
A document that fails the schema or a mandatory test is not published.`,
		Example: `  dualmark csaf provider csaf/*.json --out site/ --base-url https://lumora.example \
    --publisher "Lumora Vision PSIRT" --namespace https://lumora.example --key psirt.key.asc`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" || base == "" || publisher == "" || namespace == "" {
				return usageError(errors.New("--out, --base-url, --publisher and --namespace are required"))
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			p := csaf.Provider{BaseURL: base, Publisher: csaf.Publisher{Name: publisher, Namespace: namespace, Category: category}, Now: when, Contact: contact}
			if key != "" {
				f, err := os.Open(key)
				if err != nil {
					return usageError(err)
				}
				p.Signer, err = csaf.LoadSigner(f, []byte(os.Getenv("DUALMARK_PGP_PASSPHRASE")))
				f.Close()
				if err != nil {
					return usageError(err)
				}
			}
			var docs [][]byte
			for _, a := range args {
				data, err := os.ReadFile(a)
				if err != nil {
					return usageError(err)
				}
				docs = append(docs, data)
			}
			pub, err := csaf.WriteProvider(out, p, docs, csafSchemas(cmd))
			if err != nil {
				return usageError(err)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), pub)
			}
			for _, d := range pub {
				fmt.Fprintf(cmd.OutOrStdout(), "published %s (TLP:%s) at .well-known/csaf/%s\n", d.TrackingID, d.TLP, d.Path)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write the site into (required)")
	cmd.Flags().StringVar(&base, "base-url", "", "the site's root URL (required)")
	cmd.Flags().StringVar(&publisher, "publisher", "", "publisher name (required)")
	cmd.Flags().StringVar(&namespace, "namespace", "", "publisher namespace URL (required)")
	cmd.Flags().StringVar(&category, "publisher-category", "vendor", "publisher category")
	cmd.Flags().StringVar(&key, "key", "", "armoured OpenPGP private key for the .asc signatures")
	cmd.Flags().StringVar(&at, "at", "", "last_updated time (RFC 3339), default now")
	cmd.Flags().StringVar(&contact, "contact", "", "mailto: or https: contact; writes .well-known/security.txt with a CSAF: line")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the published documents as JSON")
	return cmd
}

func newCSAFProductsCmd() *cobra.Command {
	var dev csaf.Device
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "products FILE",
		Short: "Read a CSAF advisory's product tree (streaming) and optionally match a device against it",
		Long: `Prints every product ID with vendor, name, version or range, CPE, purl and
model numbers. With --vendor and --name (and --version, --purl, --cpe) it
prints the advisory's vulnerabilities that reach the device instead; exit
code 1 when the device is affected.`,
		Example: `  dualmark csaf products icsa-24-004-01.json
  dualmark csaf products icsa-24-004-01.json --vendor "Siemens" --name "SIMATIC" --version 1.0 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageError(err)
			}
			defer f.Close()
			e, err := csaf.Read(f, csaf.Limits{})
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", args[0], err))
			}
			w := cmd.OutOrStdout()
			if dev.Name == "" && dev.PURL == "" && dev.CPE == "" {
				if asJSON {
					return writeJSON(w, e)
				}
				fmt.Fprintf(w, "%s — %s (%d products, %d vulnerabilities)\n", e.TrackingID, e.Title, len(e.Products), len(e.Vulnerabilities))
				for _, p := range e.Products {
					ver := p.Version
					if p.VersionRange != "" {
						ver = p.VersionRange
					}
					extra := strings.TrimSpace(strings.Join([]string{p.CPE, p.PURL, strings.Join(p.ModelNumbers, ","), p.Kind}, " "))
					fmt.Fprintf(w, "  %s\t%s | %s | %s\t%s\n", p.ID, p.Vendor, first(p.ProductName, p.Name), ver, extra)
				}
				return nil
			}
			hits := e.Affects(dev)
			if asJSON {
				if err := writeJSON(w, nonNil(hits)); err != nil {
					return err
				}
			} else {
				for _, h := range hits {
					fmt.Fprintf(w, "%s %s %s (product %s, by %s, version %s)\n", h.TrackingID, h.Vuln, h.Status, h.ProductID, h.By, h.Version)
				}
				if len(hits) == 0 {
					fmt.Fprintln(w, "the device is not named by this advisory")
				}
			}
			for _, h := range hits {
				if h.Status == "affected" {
					return failed()
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dev.Vendor, "vendor", "", "device vendor")
	cmd.Flags().StringVar(&dev.Name, "name", "", "device name")
	cmd.Flags().StringVar(&dev.Version, "version", "", "device version")
	cmd.Flags().StringVar(&dev.PURL, "purl", "", "device purl")
	cmd.Flags().StringVar(&dev.CPE, "cpe", "", "device CPE")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
