package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/pqc"
	"github.com/dualmark/dualmark/internal/termtable"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newCBOMCmd) }

func newCBOMCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cbom",
		Short: "Judge a CycloneDX CBOM (cryptography bill of materials) for post-quantum readiness",
		Long: `cbom reads the cryptographic-asset components of a CycloneDX 1.6/1.7 BOM
(algorithms, keys, certificates, protocols) and rates each against dualmark's
dated post-quantum policy (NIST IR 8547 initial public draft, the EU PQC
roadmap of June 2025, FIPS 203/204/205; see docs/PQC.md).`,
		Example: `  dualmark cbom check examples/home-router/cbom.cdx.json --support-until 2031-06-30
  dualmark cbom check --dossier examples/security-camera`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newCBOMCheckCmd())
	return cmd
}

func newCBOMCheckCmd() *cobra.Command {
	var rf sbomReadFlags
	var asJSON bool
	var on, until, dossierPath string
	cmd := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Rate every cryptographic asset: broken, quantum-vulnerable (with its deadline), quantum-safe or unknown",
		Long: `check rates every cryptographic asset of the CBOM FILE on the date --on
(default today) and over the support period up to --support-until:

  broken               forbidden now (MD5, SHA-1 signatures, DES/3DES, RC4,
                       RSA/DH < 2048, TLS < 1.2, ...)
  quantum-vulnerable   acceptable now; must migrate by its deadline: 2030-12-31
                       at 112-bit strength and 2035-12-31 for all (NIST IR 8547,
                       a draft), 2030-12-31 for firmware signing and PKI (EU
                       roadmap)
  quantum-safe         ML-KEM, ML-DSA, SLH-DSA, LMS/XMSS for firmware signing,
                       hybrids, symmetric and hash primitives
  unknown              not rated, with the reason (never a pass)

Mark what an asset is for with the component property
dualmark:crypto:purpose (firmware-signing, pki, key-establishment, ...).
With --dossier and no FILE, the dossier's cryptography section is rated (its
cbom.path when it names one), and the support end defaults to the dossier's.

Exit codes: 0 ready (no finding), 1 findings, 2 an error.`,
		Example: `  dualmark cbom check examples/home-router/cbom.cdx.json --support-until 2031-06-30
  dualmark cbom check examples/smart-plug/cbom.cdx.json --on 2026-12-01 --support-until 2031-12-31 --json
  dualmark cbom check --dossier examples/security-camera`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts pqc.Options
			var err error
			if opts.On, err = flagDate("--on", on); err != nil {
				return err
			}
			if opts.SupportUntil, err = flagDate("--support-until", until); err != nil {
				return err
			}
			var res *pqc.Result
			switch {
			case len(args) == 1 && dossierPath != "":
				return usageError(fmt.Errorf("give a CBOM file or --dossier, not both"))
			case len(args) == 1:
				res, err = checkCBOMFile(&rf, args[0], opts)
			case dossierPath != "":
				res, err = checkDossierCrypto(&rf, dossierPath, opts)
			default:
				return usageError(fmt.Errorf("cbom check takes one CBOM file (or --dossier DIR)"))
			}
			if err != nil {
				return err
			}
			if asJSON {
				err = writeJSON(cmd.OutOrStdout(), res)
			} else {
				err = printPQC(cmd.OutOrStdout(), res, tableOptions(cmd.OutOrStdout()))
			}
			if err != nil {
				return err
			}
			if !res.Ready {
				return failed()
			}
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().StringVar(&on, "on", "", "assessment date YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&until, "support-until", "", "last day of the support period, YYYY-MM-DD")
	cmd.Flags().StringVar(&dossierPath, "dossier", "", "rate the cryptography of this dossier (file or folder) instead of a CBOM file")
	return cmd
}

func flagDate(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := dossier.ParseDate(v)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("%s: %v", name, err))
	}
	return d.Time, nil
}

func checkCBOMFile(rf *sbomReadFlags, path string, opts pqc.Options) (*pqc.Result, error) {
	doc, err := rf.read(path)
	if err != nil {
		return nil, err
	}
	return pqc.CheckDocument(doc, path, opts)
}

// checkDossierCrypto rates the CBOM a dossier names, else its cryptography
// section.
func checkDossierCrypto(rf *sbomReadFlags, path string, opts pqc.Options) (*pqc.Result, error) {
	d, err := dossier.Load(path)
	if err != nil {
		return nil, err
	}
	if opts.SupportUntil.IsZero() && d.SupportPeriod.End != nil {
		opts.SupportUntil = d.SupportPeriod.End.Time
	}
	if c := d.Cryptography.CBOM; c != nil && c.Path != "" {
		return checkCBOMFile(rf, joinBase(d.BaseDir, c.Path), opts)
	}
	return pqc.CheckDossier(d, opts)
}

func joinBase(base, p string) string {
	if base == "" || strings.HasPrefix(p, "/") {
		return p
	}
	return base + "/" + p
}

// printPQC renders a result for the terminal.
func printPQC(out io.Writer, r *pqc.Result, opts termtable.Options) error {
	w := bufio.NewWriter(out)
	input := "CBOM " + r.File
	if r.Input == pqc.InputDossier {
		input = "dossier " + r.File + " (cryptography section; no CBOM)"
	}
	fmt.Fprintf(w, "Post-quantum readiness of %s\n", input)
	until := r.SupportUntil
	if until == "" {
		until = "not given"
	}
	fmt.Fprintf(w, "On %s, support until %s, policy %s\n", r.On, until, r.PolicyVersion)
	fmt.Fprintf(w, "%s\n\n", r.Readiness)
	// The asset names and reasons wrap at the terminal's width instead of
	// being cut (an asset name cut at 34 characters lost what it was).
	tt := termtable.New(opts, "STATUS", "RATING", "ASSET", "WHY").Wrap(2, 3).Paint(0, pqcStatusColour)
	for _, a := range r.Assets {
		why := a.Reason
		if a.Hybrid && !strings.HasPrefix(why, "hybrid") {
			why = "hybrid; " + why
		}
		tt.Row(a.Status, a.Rating, a.Name, why)
	}
	tt.Write(w)
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nFindings (%d):\n", len(r.Findings))
		for _, f := range r.Findings {
			loc := ""
			if f.Location != "" {
				loc = " [" + f.Location + "]"
			}
			fmt.Fprintf(w, "  %s%s: %s\n    next: %s\n", strings.ToUpper(f.Status), loc, f.Message, f.Next)
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings (%d):\n", len(r.Warnings))
		for _, wr := range r.Warnings {
			fmt.Fprintf(w, "  %s: %s\n", wr.Location, wr.Message)
		}
	}
	fmt.Fprintln(w, "\nSources:")
	for _, s := range r.Sources {
		fmt.Fprintf(w, "  %s [%s, %s]: %s\n", s.ID, s.Confidence, s.Status, s.Title)
	}
	return w.Flush()
}

// pqcStatusColour colours an asset's status: what must migrate in red,
// what is acceptable for now in yellow, what is fine in green.
func pqcStatusColour(status string) termtable.Colour {
	switch status {
	case pqc.StatusMigrate, pqc.StatusForbidden:
		return termtable.Red
	case pqc.StatusAcceptable, pqc.StatusUnknown:
		return termtable.Yellow
	case pqc.StatusOK:
		return termtable.Green
	}
	return termtable.None
}
