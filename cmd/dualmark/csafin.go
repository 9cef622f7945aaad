package main

import (
	"errors"
	"fmt"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/spf13/cobra"
)

// newServeCSAFCmd is `dualmark serve csaf`: CSAF advisories imported into a
// registry offline, as POST /api/v1/admin/csaf does on a running one.
func newServeCSAFCmd() *cobra.Command {
	var f serveFlags
	var asJSON bool
	var schemaDir string
	cmd := &cobra.Command{
		Use:   "csaf SOURCE... --data DIR [--db DB] [--json]",
		Short: "Import CSAF advisories into the registry and match them against every registered device (offline)",
		Long: `Imports CSAF 2.0 advisories — files (.json, .json.gz), folders of them, zip
archives, JSON lines (.jsonl, .jsonl.gz, one document a line) or http(s) URLs of
ROLIE feeds — one document at a time: each is checked (OASIS schema and
mandatory tests 6.1.1–6.1.8, when the schema folder is found), read, and its
products stored under the device keys they match by (vendor, CPE, purl). Every
registered version's device itself (manufacturer, brand, product name, model,
firmware version, and the SBOM subject's purl and CPE) is then matched against
the documents that name its keys; a hit is a finding on the device in the same
history as a component's, so webhooks, the crisis query and Art. 14 cases
follow. A bad document is skipped and reported with its JSON pointer and test;
the rest applies. With --db, findings get KEV and EPSS from the advisory
database. Run it while the server is stopped or not re-matching.`,
		Example: `  dualmark serve csaf --data reg/ --db advisories/ cisa-csaf-all.jsonl.gz
  dualmark serve csaf --data reg/ https://example.com/.well-known/csaf/white/feed-tlp-white.json --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" {
				return usageError(errors.New("--data DIR is required"))
			}
			ctx := cmd.Context()
			st, err := store.Open(ctx, dsn(registry.Config{Data: f.data, Database: f.database}))
			if err != nil {
				return err
			}
			defer st.Close()
			var db *advisory.DB
			if f.advisories != "" {
				if db, err = advisory.OpenDB(f.advisories); err != nil {
					return err
				}
				defer db.Close()
			}
			mon := monitor.New(st)
			if _, err := mon.Backfill(ctx, db); err != nil {
				return err
			}
			res, err := mon.ImportCSAF(ctx, db, monitor.CSAFOptions{Schemas: csaf.NewSchemas(schemaDir)}, args...)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			for _, is := range res.Issues {
				fmt.Fprintf(w, "%s: %s %s: %s\n", is.Document, is.Test, is.Pointer, is.Message)
			}
			for _, is := range res.Warnings {
				fmt.Fprintf(w, "%s: warning %s %s: %s\n", is.Document, is.Test, is.Pointer, is.Message)
			}
			fmt.Fprintf(w, "%d document(s) imported (%d unchanged, %d product rows), %d skipped\n", res.Documents, res.Unchanged, res.Products, res.Skipped)
			if res.WarningCount > 0 {
				fmt.Fprintf(w, "%d optional-test warning(s) (CSAF 2.0 section 6.2) in %d stored document(s), by test %v\n", res.WarningCount, res.WarnedDocuments, res.WarningTests)
			}
			if res.Unchecked {
				fmt.Fprintln(w, "not checked: no CSAF schema folder found (--schema-dir)")
			}
			opened := 0
			for _, c := range res.Rematch.Changes {
				if c.Kind == store.EventOpened || c.Kind == store.EventReopened {
					opened++
				}
			}
			fmt.Fprintf(w, "%s re-match (job %s): %d device pair(s) re-evaluated, %d finding(s) opened, %d change(s) in all\n",
				res.Rematch.Kind, res.Rematch.JobID, res.Rematch.Pairs, opened, len(res.Rematch.Changes))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the import result (issues, the re-match with every findings change) as JSON")
	cmd.Flags().StringVar(&schemaDir, "schema-dir", "", "the OASIS csaf_2.0 folder (json_schema/, referenced_schema/first/)")
	return cmd
}
