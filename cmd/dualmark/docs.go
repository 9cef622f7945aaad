package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/paperwork"
)

func init() { subcommands = append(subcommands, newDocsCmd) }

func newDocsCmd() *cobra.Command {
	var (
		out     string
		asJSON  bool
		strict  bool
		on      string
		outside bool
	)
	cmd := &cobra.Command{
		Use:   "docs PATH",
		Short: "Write the EU declaration of conformity, user information, technical-documentation index, FCC registry entry and US label data",
		Long: `docs writes, from a product dossier (a dossier.yaml or a folder holding one),
each as Markdown, JSON and HTML:

  eu-declaration-of-conformity     CRA Annex V draft, every item
  eu-simplified-declaration        CRA Annex VI
  user-information                 CRA Annex II information and instructions
  technical-documentation-index    CRA Annex VII, pointing at the evidence
  fcc-registry-entry               US Cyber Trust Mark registry fields REG-1..REG-11
                                   and the §8.208(c) declarations
  us-cyber-trust-mark-label        US label data; also as CTA-2120 JSON
  index                            the list of documents with their gap counts

A fact the dossier does not give is shown as "[GAP: ...]", never invented.
The declaration of conformity states conformity only when the CRA
assessment (run first, on --on DATE, default today; before 11 Dec 2027 the
readiness verdict) conforms with an open conformity-assessment route
(Art. 32); otherwise it carries a blocking gap. CTA-2120 label data that
fails its schema is written as a draft (us-cyber-trust-mark-label.cta-2120.draft.json).

Exit 0 when the documents were written; 1 when the CTA-2120 label data is
only a draft, or with --strict when any document has a gap; 2 on an error
such as an invalid dossier.`,
		Example: `  dualmark docs examples/smart-plug --out build/paperwork
  dualmark docs examples/home-router --out /tmp/router --json
  dualmark docs dossier.yaml --out paperwork --strict`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := dossier.LoadWith(args[0], dossier.Options{AllowOutsidePaths: outside})
			if err != nil {
				return err
			}
			opts := assess.RunOptions{Regimes: []string{assess.RegimeCRA}, AllowOutsidePaths: outside}
			opts.Version, _ = buildVersion()
			if on != "" {
				day, err := dossier.ParseDate(on)
				if err != nil {
					return usageError(fmt.Errorf("--on: %w", err))
				}
				opts.On = day.Time
			}
			// The declaration of conformity rests on the CRA assessment.
			a, err := assess.Run(args[0], opts)
			if err != nil {
				return err
			}
			cra := &paperwork.CRAOutcome{On: a.On}
			cra.Verdict, cra.Reason, cra.InForce, cra.RouteOpen, _ = a.CRADeclaration()
			w, err := paperwork.Write(d, out, paperwork.Options{CRA: cra})
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			gaps := 0
			for _, doc := range w.Documents {
				gaps += len(doc.Gaps)
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(w); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(stdout, "Wrote %d files to %s for %s:\n", len(w.Files), out, d.Product.Name)
				for _, doc := range w.Documents {
					state := "complete"
					if n := len(doc.Gaps); n > 0 {
						state = fmt.Sprintf("%d gap(s)", n)
					}
					fmt.Fprintf(stdout, "  %-32s %s\n", doc.ID, state)
				}
				if gaps > 0 {
					fmt.Fprintf(stdout, "%d gap(s) in total: search the documents for \"[GAP:\" and add the facts to the dossier.\n", gaps)
				}
				if !cra.Positive() {
					fmt.Fprintf(stdout, "The EU declaration of conformity carries no conformity statement: the CRA assessment of %s is %s.\n", cra.On, cra.Verdict)
				}
				if len(w.LabelMissing) > 0 {
					fmt.Fprintf(stdout, "The CTA-2120 label data fails its schema (missing %s): written as the draft %s.\n", strings.Join(w.LabelMissing, ", "), paperwork.LabelDraftFile)
				}
			}
			if len(w.LabelMissing) > 0 || (strict && gaps > 0) {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "paperwork", "folder to write the documents to (created if needed)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the documents and the files written as JSON")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 when any document has a gap")
	cmd.Flags().StringVar(&on, "on", "", "assessment date YYYY-MM-DD for the CRA verdict the declaration rests on (default today)")
	outsidePathsFlag(cmd, &outside)
	return cmd
}
