package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/paperwork"
)

func init() { subcommands = append(subcommands, newDocsCmd) }

func newDocsCmd() *cobra.Command {
	var (
		out    string
		asJSON bool
		strict bool
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
Exit 0 when the documents were written (1 with --strict when any has a gap),
2 on an error such as an invalid dossier.`,
		Example: `  dualmark docs examples/smart-plug --out build/paperwork
  dualmark docs examples/home-router --out /tmp/router --json
  dualmark docs dossier.yaml --out paperwork --strict`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := dossier.Load(args[0])
			if err != nil {
				return err
			}
			w, err := paperwork.Write(d, out, paperwork.Options{})
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
			}
			if strict && gaps > 0 {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "paperwork", "folder to write the documents to (created if needed)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the documents and the files written as JSON")
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 when any document has a gap")
	return cmd
}
