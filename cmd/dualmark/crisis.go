package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/client"
	"github.com/dualmark/dualmark/internal/registry/store"
)

func init() { subcommands = append(subcommands, newCrisisCmd) }

// watchOptions are serve's monitoring flags (issue 13).
type watchOptions struct {
	every     time.Duration
	sourceURL string
}

func (w *watchOptions) add(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&w.every, "update-every", 0, "update the advisory database (as 'db update' does) and re-match the findings by delta on this schedule, e.g. 6h (needs --db)")
	cmd.Flags().StringVar(&w.sourceURL, "update-source-url", "", "with --update-every: fetch the feeds from this mirror, laid out as 'db update --source-url' expects")
}

func (w *watchOptions) check(cfg registry.Config) error {
	if w.every < 0 {
		return usageError(errors.New("--update-every must be positive"))
	}
	if w.every > 0 && cfg.AdvisoryDB == "" {
		return usageError(errors.New("--update-every needs --db DIR: the database to update and re-match against"))
	}
	if w.sourceURL != "" && w.every == 0 {
		return usageError(errors.New("--update-source-url only applies with --update-every"))
	}
	return nil
}

// start resumes interrupted re-matches, indexes and baselines the findings,
// and schedules the updates.
func (w *watchOptions) start(ctx context.Context, out io.Writer, s *registry.Server, cfg registry.Config) error {
	var update func(context.Context) error
	if w.every > 0 {
		update = func(ctx context.Context) error {
			opts := advisory.UpdateOptions{}
			if w.sourceURL != "" {
				opts.SourceURLs(w.sourceURL)
			}
			_, err := advisory.Update(ctx, cfg.AdvisoryDB, opts)
			return err
		}
	}
	if err := s.StartMonitor(ctx, w.every, update); err != nil {
		return fmt.Errorf("monitoring: %w", err)
	}
	if w.every > 0 {
		fmt.Fprintf(out, "advisory database %s: updated and re-matched every %s\n", cfg.AdvisoryDB, w.every)
	}
	return nil
}

func newServeRematchCmd() *cobra.Command {
	var f serveFlags
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "rematch --data DIR --db DB [--all] [--json]",
		Short: "Bring the registry's findings up to date with the advisory database (offline)",
		Long: `Resumes re-match jobs a crash left running, indexes the versions the reverse index
lacks, and re-matches: by delta (only the product versions and components the
records added, changed or withdrawn since the last re-match touch, and the open
findings whose KEV or EPSS data changed), or with --all every version. Both give
the same findings. The findings changes and the history are committed in one
transaction; a crash leaves the previous findings and a job that the next run
(or the server's next start) resumes. Run it while the server is stopped, or
while it runs without --update-every and nobody imports advisories: two
processes re-matching at once are not coordinated.`,
		Example: `  dualmark db update --db advisories/ && dualmark serve rematch --data reg/ --db advisories/
  dualmark serve rematch --data reg/ --db advisories/ --all --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.data == "" || f.advisories == "" {
				return usageError(errors.New("--data DIR and --db DB are required"))
			}
			ctx := cmd.Context()
			st, err := store.Open(ctx, dsn(registry.Config{Data: f.data, Database: f.database}))
			if err != nil {
				return err
			}
			defer st.Close()
			db, err := advisory.OpenDB(f.advisories)
			if err != nil {
				return err
			}
			defer db.Close()
			mon := monitor.New(st)
			resumed, err := mon.Resume(ctx, db)
			if err != nil {
				return err
			}
			n, err := mon.Backfill(ctx, db)
			if err != nil {
				return err
			}
			res, err := mon.Rematch(ctx, db, all)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			if len(resumed) > 0 {
				fmt.Fprintf(w, "resumed %d interrupted job(s)\n", len(resumed))
			}
			if n > 0 {
				fmt.Fprintf(w, "indexed %d version(s)\n", n)
			}
			kinds := map[string]int{}
			for _, c := range res.Changes {
				kinds[c.Kind]++
			}
			fmt.Fprintf(w, "%s re-match (job %s): %d changed record(s), %d vulnerabilities with new KEV/EPSS data, %d pair(s) in %d version(s) re-evaluated in %s\n",
				res.Kind, res.JobID, res.Records, res.Vulns, res.Pairs, res.Versions, res.Elapsed.Round(time.Millisecond))
			fmt.Fprintf(w, "findings: %d opened, %d changed, %d resolved, %d reopened; %d version(s) changed scan state\n",
				kinds[store.EventOpened], kinds[store.EventChanged], kinds[store.EventResolved], kinds[store.EventReopened], len(res.Verdicts))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "re-match every product version, not only what changed")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the re-match result (with every findings change) as JSON")
	return cmd
}

func newCrisisCmd() *cobra.Command {
	var server, token, format, out, query string
	var resolved, asJSON bool
	cmd := &cobra.Command{
		Use:   "crisis (ID | --query FILTERS) --server URL --token TOKEN [--format table|json|csv|markdown|html]",
		Short: "List every registered product version a vulnerability affects (ask a registry)",
		Long: `Asks a registry (dualmark serve) which registered product versions a
vulnerability affects: a CVE, GHSA, OSV or EUVD id, resolved through its aliases
first. For each version: manufacturer and contact, product, version, CRA class,
markets, KEV and EPSS, fixed versions, VEX status, the dependency path of the
affected component inside the SBOM, and whether a label is active. An
authority's token sees every manufacturer; a manufacturer's token its own
products. --format html writes the situation report (printable, with charts).

--query asks instead for the registry's open findings that pass every filter
given, in URL form (quote the &): kev=true, ransomware=true (KEV entries with
known ransomware use), epss=0.5 (at least), severity=high (or higher),
class=annex-iii (important classes I and II; annex-iv, or a dossier class),
market=EU or US, manufacturer=NAME. Each version then summarises the findings
that match. The token may also come from $DUALMARK_TOKEN.`,
		Example: `  dualmark crisis CVE-2024-1086 --server http://127.0.0.1:8080 --token "$TOKEN"
  dualmark crisis GHSA-jfh8-c2jp-5v3q --server https://registry.example --format csv > affected.csv
  dualmark crisis CVE-2024-1086 --server http://127.0.0.1:8080 --format html --out situation.html
  dualmark crisis --query 'kev=true&class=annex-iii' --server http://127.0.0.1:8080 --format html --out kev-annex-iii.html`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				return usageError(errors.New("--server URL is required: the registry to ask"))
			}
			if token == "" {
				token = os.Getenv("DUALMARK_TOKEN")
			}
			if token == "" {
				return usageError(errors.New("--token is required (or $DUALMARK_TOKEN): an API token with the read scope"))
			}
			if asJSON {
				format = monitor.FormatJSON
			}
			if !slices.Contains(monitor.Formats, format) {
				return usageError(fmt.Errorf("--format %q: one of %s", format, strings.Join(monitor.Formats, ", ")))
			}
			var filters url.Values
			switch {
			case query != "" && len(args) > 0:
				return usageError(errors.New("give a vulnerability ID or --query, not both"))
			case query != "" && resolved:
				return usageError(errors.New("--resolved does not apply to --query, which reads open findings"))
			case query != "":
				var err error
				if filters, err = url.ParseQuery(query); err != nil {
					return usageError(fmt.Errorf("--query %q: %v", query, err))
				}
				if _, err := monitor.ParseSituationQuery(filters); err != nil {
					return usageError(fmt.Errorf("--query %q: %v", query, err))
				}
			case len(args) == 0:
				return usageError(errors.New("give a vulnerability ID (CVE-…, GHSA-…, an OSV id or EUVD-…) or --query"))
			}
			var a *monitor.Affected
			var sit *monitor.Situation
			var err error
			if filters != nil {
				sit, err = fetchSituation(cmd.Context(), server, token, filters)
				if err == nil {
					a = &monitor.Affected{Query: sit.Query, IDs: sit.IDs, Generated: sit.Generated, Versions: sit.List, Filter: sit.Filter}
				}
			} else {
				a, err = fetchAffected(cmd.Context(), server, token, args[0], resolved || format == monitor.FormatHTML)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if sit != nil && (format == monitor.FormatHTML || format == monitor.FormatJSON) {
				// the registry's report as it made it (its time series included)
				err = monitor.WriteSituation(w, sit, format)
			} else {
				err = monitor.WriteAffected(w, a, format)
			}
			if err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", filepath.Clean(out))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", os.Getenv("DUALMARK_SERVER"), "registry base URL (env DUALMARK_SERVER)")
	cmd.Flags().StringVar(&token, "token", "", "API token with the read scope (or $DUALMARK_TOKEN)")
	cmd.Flags().StringVar(&format, "format", monitor.FormatTable, "output: "+strings.Join(monitor.Formats, ", "))
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&query, "query", "", "report on the open findings passing these filters instead of one vulnerability, e.g. 'kev=true&class=annex-iii'")
	cmd.Flags().BoolVar(&resolved, "resolved", false, "list versions whose findings are resolved too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "shorthand for --format json")
	return cmd
}

// fetchAffected asks a registry's crisis endpoint through the registry
// client (its problem documents become *client.Error, which the hints map).
func fetchAffected(ctx context.Context, server, token, id string, resolved bool) (*monitor.Affected, error) {
	c, err := client.New(server, token, &http.Client{Timeout: 60 * time.Second})
	if err != nil {
		return nil, usageError(fmt.Errorf("--server %q: %v", server, err))
	}
	return c.Affected(ctx, id, resolved)
}

// fetchSituation asks a registry for the situation report of a query.
func fetchSituation(ctx context.Context, server, token string, filters url.Values) (*monitor.Situation, error) {
	c, err := client.New(server, token, &http.Client{Timeout: 60 * time.Second})
	if err != nil {
		return nil, usageError(fmt.Errorf("--server %q: %v", server, err))
	}
	return c.Situation(ctx, filters)
}
