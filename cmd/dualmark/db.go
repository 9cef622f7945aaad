package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newDBCmd) }

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Build, update and inspect the local advisory database",
		Long: `The advisory database is one directory holding OSV advisories indexed by
package, CPE and repository, the CISA KEV catalogue and EPSS scores. dualmark
scan reads it offline. Import builds it from files; update downloads the public
feeds. Both replace the database atomically.`,
		Example: `  dualmark db import --db ~/.cache/dualmark/db ../shared/data/advisories/osv ../shared/data/kev ../shared/data/epss
  dualmark db update --db ~/.cache/dualmark/db
  dualmark db status --db ~/.cache/dualmark/db --json`,
	}
	cmd.AddCommand(newDBImportCmd(), newDBStatusCmd(), newDBUpdateCmd())
	return cmd
}

// dbFlag registers the --db flag with the per-user default.
func dbFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "db", advisory.DefaultDir(), "advisory database directory")
}

func newDBImportCmd() *cobra.Command {
	var dir string
	var asJSON, quiet bool
	var limits advisory.Limits
	cmd := &cobra.Command{
		Use:   "import --db DIR SOURCE...",
		Short: "Build the advisory database from OSV, CVE, NVD, KEV and EPSS files",
		Long: `Import reads every SOURCE - a directory (walked recursively), an OSV record
(.json, .yaml, .yml), a CVE JSON 5 record (.json; a cvelistV5 checkout
cves/<year>/<n>xxx/CVE-*.json), an NVD CVE API 2.0 response (.json), JSON lines
of OSV or CVE records (.jsonl, .ndjson), a zip of any of these (an OSV bucket
all.zip, a CVE List bulk zip), the CISA KEV catalogue (JSON or CSV) or an EPSS
score CSV, each optionally gzip-compressed - and replaces the database in DIR
with the result. Kinds are recognised by content.
Bad records are reported with file, line, id and reason and skipped; when the
same id appears twice in one kind the newest "modified" wins (an OSV record and
a CVE record of the same id are both kept). REJECTED CVE records are kept as
withdrawn. Progress goes to stderr.`,
		Example: `  dualmark db import --db ./db ../shared/data/advisories/osv ../shared/data/advisories/osv-derived ../shared/data/advisories/cve5 ../shared/data/kev ../shared/data/epss
  dualmark db import --db ./db cvelistV5/cves nvd-page-1.json
  dualmark db import --db ./db PyPI-all.zip known_exploited_vulnerabilities.json epss_scores-current.csv.gz --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			im := advisory.NewImporter()
			im.Limits = limits
			start := time.Now()
			sl := newStatusLine(cmd.ErrOrStderr())
			im.OnProgress = progressPrinter(sl, quiet)
			for _, src := range args {
				if err := im.Add(src); err != nil {
					return usageError(err)
				}
			}
			prov := im.Provenance()
			if prov.Records == 0 && prov.KEVEntries == 0 && prov.EPSSScores == 0 {
				printIssues(cmd.ErrOrStderr(), im.Issues, 20)
				return usageError(fmt.Errorf("no advisories, KEV entries or EPSS scores found in %s; the database in %s was left unchanged", strings.Join(args, ", "), dir))
			}
			prov, err := im.Write(dir)
			if err != nil {
				return err
			}
			if !quiet {
				sl.done(fmt.Sprintf("imported in %.1fs", time.Since(start).Seconds()))
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					advisory.Provenance
					Issues   []advisory.Issue `json:"issues"`
					Warnings []advisory.Issue `json:"warnings"`
				}{prov, nonNil(im.Issues), nonNil(im.Warnings)})
			}
			printIssues(cmd.ErrOrStderr(), im.Issues, 20)
			printWarnings(cmd.ErrOrStderr(), im.Warnings, 5)
			printProvenance(cmd.OutOrStdout(), dir, prov)
			return nil
		},
	}
	dbFlag(cmd, &dir)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the provenance, every skipped record and every warning as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	cmd.Flags().Int64Var(&limits.MaxDecompressedBytes, "max-decompressed", advisory.DefaultMaxDecompressedBytes, "most bytes one .gz file or zip member may inflate to (negative: no limit)")
	cmd.Flags().IntVar(&limits.MaxRecords, "max-records", advisory.DefaultMaxRecords, "most records (taken or skipped) one import may read (negative: no limit)")
	return cmd
}

func newDBStatusCmd() *cobra.Command {
	var dir string
	var asJSON, verify bool
	cmd := &cobra.Command{
		Use:   "status --db DIR",
		Short: "Show what the advisory database was built from",
		Long: `Status opens the database (checking its header and index checksums) and prints
its provenance: when it was built, the date of its newest record, from which
sources (CVE sources with their record, withdrawn and skipped counts), records
per ecosystem, CVE, KEV and EPSS counts. It warns on stderr when the database
was built, or its newest record dated, more than 7 days ago. A missing or
corrupt database is an error (exit 2).
--verify also reads and checks every record (the normal open checks only the
header and indexes; records are checked when a scan reads them).`,
		Example: `  dualmark db status --db ./db
  dualmark db status --db ./db --json
  dualmark db status --db ./db --verify`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := advisory.OpenDB(dir)
			if err != nil {
				return err
			}
			defer db.Close()
			if verify {
				if err := db.Verify(); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "verified: every record and index entry is intact")
			}
			printStale(cmd.ErrOrStderr(), dir, db.Status())
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					advisory.Provenance
					Warnings []string `json:"warnings"`
				}{db.Status(), nonNil(db.Status().Stale(time.Now()))})
			}
			printProvenance(cmd.OutOrStdout(), dir, db.Status())
			return nil
		},
	}
	dbFlag(cmd, &dir)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the provenance as JSON")
	cmd.Flags().BoolVar(&verify, "verify", false, "check every record's checksum too")
	return cmd
}

// progressPrinter returns an import progress callback: on a terminal it
// rewrites one stderr line at most ten times a second, elsewhere it prints a
// plain line every few seconds.
func progressPrinter(sl *statusLine, quiet bool) func(advisory.Progress) {
	if quiet {
		return nil
	}
	return func(p advisory.Progress) {
		name := p.File
		if len(name) > 50 {
			name = "..." + name[len(name)-47:]
		}
		sl.update(fmt.Sprintf("importing: %d files, %d records, %d skipped  %s", p.Files, p.Records, p.Skipped, name))
	}
}

// statusLine shows progress on w. On a terminal it keeps one line,
// rewritten in place with a carriage return; anywhere else (a CI log, a
// file) it writes plain lines, at most one per plainEvery, so that logs
// hold neither "\r" nor thousands of lines.
type statusLine struct {
	w     io.Writer
	tty   bool
	every time.Duration
	last  time.Time
	width int // of the line on screen, to blank it out
}

// plainEvery is the interval between progress lines off a terminal.
const plainEvery = 5 * time.Second

func newStatusLine(w io.Writer) *statusLine {
	f, ok := w.(*os.File)
	tty := ok && isTerminal(f)
	every := plainEvery
	if tty {
		every = 100 * time.Millisecond
	}
	return &statusLine{w: w, tty: tty, every: every}
}

// update shows line if the last update is long enough ago.
func (s *statusLine) update(line string) {
	if time.Since(s.last) < s.every {
		return
	}
	s.last = time.Now()
	if !s.tty {
		fmt.Fprintln(s.w, line)
		return
	}
	fmt.Fprintf(s.w, "\r%-*s", s.width, line)
	s.width = max(s.width, len(line))
}

// done ends the progress with line, always shown.
func (s *statusLine) done(line string) {
	if s.tty {
		fmt.Fprintf(s.w, "\r%-*s\n", s.width, line)
		s.width = 0
		return
	}
	fmt.Fprintln(s.w, line)
}

func printIssues(w io.Writer, issues []advisory.Issue, limit int) {
	if len(issues) == 0 {
		return
	}
	fmt.Fprintf(w, "skipped %d record(s) or file(s):\n", len(issues))
	for i, is := range issues {
		if i == limit {
			fmt.Fprintf(w, "  ... and %d more (use --json to list them all)\n", len(issues)-limit)
			break
		}
		fmt.Fprintf(w, "  %s\n", is)
	}
}

// printWarnings lists the parts of kept records that answer nothing.
func printWarnings(w io.Writer, warnings []advisory.Issue, limit int) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "kept %d version item(s) that answer nothing (bounds that do not parse in their versionType):\n", len(warnings))
	for i, is := range warnings {
		if i == limit {
			fmt.Fprintf(w, "  ... and %d more (use --json to list them all)\n", len(warnings)-limit)
			break
		}
		fmt.Fprintf(w, "  %s\n", is)
	}
}

func printProvenance(w io.Writer, dir string, p advisory.Provenance) {
	fmt.Fprintf(w, "database:   %s (format %d, built %s)\n", dir, p.FormatVersion, p.Built.Format(time.RFC3339))
	if !p.NewestRecord.IsZero() {
		fmt.Fprintf(w, "newest:     record dated %s\n", p.NewestRecord.Format(time.DateOnly))
	}
	fmt.Fprintf(w, "records:    %d (%d skipped at import)\n", p.Records, p.Skipped)
	ecos := make([]string, 0, len(p.Ecosystems))
	for e := range p.Ecosystems {
		ecos = append(ecos, e)
	}
	sort.Strings(ecos)
	for _, e := range ecos {
		fmt.Fprintf(w, "  %-14s %7d\n", e, p.Ecosystems[e])
	}
	kev := fmt.Sprintf("%d entries", p.KEVEntries)
	if p.KEVCatalog != "" {
		kev += ", catalogue " + p.KEVCatalog
	}
	epss := fmt.Sprintf("%d scores", p.EPSSScores)
	if p.EPSSDate != "" {
		epss += ", scored " + p.EPSSDate
	}
	if p.CVERecords > 0 {
		fmt.Fprintf(w, "CVE:        %d records (%d withdrawn: REJECTED)\n", p.CVERecords, p.CVEWithdrawn)
	}
	fmt.Fprintf(w, "KEV:        %s\nEPSS:       %s\nsources:\n", kev, epss)
	for _, s := range p.Sources {
		newest := ""
		if s.Newest.After(time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)) {
			newest = ", newest " + s.Newest.Format(time.DateOnly)
		}
		withdrawn := ""
		if s.Withdrawn > 0 {
			withdrawn = fmt.Sprintf(", %d withdrawn", s.Withdrawn)
		}
		fmt.Fprintf(w, "  %-5s %s (%d taken%s, %d skipped%s)\n", s.Kind, s.Location, s.Records, withdrawn, s.Skipped, newest)
	}
}

// printStale warns on w when the database's data is older than
// advisory.StaleAfter, with the command that updates the database in dir.
func printStale(w io.Writer, dir string, p advisory.Provenance) {
	stale := p.Stale(time.Now())
	for _, s := range stale {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	if len(stale) > 0 {
		fmt.Fprintf(w, "hint: update it with: dualmark db update --db %s\n", dir)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func newDBUpdateCmd() *cobra.Command {
	var dir, sourceURL string
	var opts advisory.UpdateOptions
	var asJSON, quiet, nvd bool
	cmd := &cobra.Command{
		Use:   "update --db DIR",
		Short: "Download the public OSV, KEV, EPSS (and CVE List, NVD) feeds and rebuild the database",
		Long: `Update downloads the OSV per-ecosystem all.zip files, the CISA KEV catalogue and
the EPSS scores into DIR/sources, with progress on stderr, retries, conditional
requests (ETag / If-Modified-Since: unchanged feeds are not fetched again) and
checksum checks, then rebuilds the database atomically when anything changed.
A feed that cannot be fetched is reported and its previous copy is used.

--source-url BASE points every feed at a mirror laid out as BASE/osv/<Ecosystem>/all.zip,
BASE/kev/known_exploited_vulnerabilities.json and BASE/epss/epss_scores-current.csv.gz.

CVE records are fetched only when asked: --cve-list-url URL downloads a zip of
CVE JSON 5 records (a CVEProject/cvelistV5 release's bulk "all_CVEs_at_midnight"
zip, whose name changes daily); --nvd pages the NVD CVE API 2.0 (everything the
first time, then only the records changed since the last update, by
lastModStartDate). Without an NVD API key (--nvd-api-key or $NVD_API_KEY) the
NVD allows few requests: keep the default 6 s --nvd-delay between pages.`,
		Example: `  dualmark db update --db ./db
  dualmark db update --db ./db --ecosystem Go --ecosystem PyPI
  dualmark db update --db ./db --source-url https://mirror.example.com/dualmark --json
  dualmark db update --db ./db --nvd --nvd-api-key "$KEY"
  dualmark db update --db ./db --cve-list-url https://github.com/CVEProject/cvelistV5/releases/download/cve_2026-12-02_at_end_of_day/2026-12-02_all_CVEs_at_midnight.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sourceURL != "" {
				opts.SourceURLs(sourceURL)
			}
			if nvd && opts.NVDURL == "" {
				opts.NVDURL = advisory.DefaultNVDURL
			}
			if opts.NVDAPIKey == "" {
				opts.NVDAPIKey = os.Getenv("NVD_API_KEY")
			}
			if opts.Retries <= 0 {
				opts.Retries = -1 // the library's zero means "default"
			}
			if !quiet {
				opts.OnProgress = downloadPrinter(cmd.ErrOrStderr())
			}
			res, err := advisory.Update(cmd.Context(), dir, opts)
			if err != nil {
				return err
			}
			if asJSON {
				res.Issues, res.Warnings = nonNil(res.Issues), nonNil(res.Warnings)
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "downloaded %d, not modified %d, failed %d\n", len(res.Downloaded), len(res.NotModified), len(res.Failed))
			for _, f := range res.Failed {
				fmt.Fprintf(cmd.ErrOrStderr(), "  failed: %s\n", f)
			}
			if !res.Rebuilt {
				fmt.Fprintln(w, "database is up to date")
				return nil
			}
			printIssues(cmd.ErrOrStderr(), res.Issues, 20)
			printWarnings(cmd.ErrOrStderr(), res.Warnings, 5)
			printProvenance(w, dir, res.Provenance)
			return nil
		},
	}
	dbFlag(cmd, &dir)
	cmd.Flags().StringVar(&sourceURL, "source-url", "", "mirror base URL for all feeds (see above)")
	cmd.Flags().StringVar(&opts.OSVURL, "osv-url", advisory.DefaultOSVURL, "base URL of the OSV bucket (<Ecosystem>/all.zip)")
	cmd.Flags().StringVar(&opts.KEVURL, "kev-url", advisory.DefaultKEVURL, "URL of the KEV JSON catalogue")
	cmd.Flags().StringVar(&opts.EPSSURL, "epss-url", advisory.DefaultEPSSURL, "URL of the EPSS scores CSV (.gz)")
	cmd.Flags().StringSliceVar(&opts.Ecosystems, "ecosystem", advisory.DefaultEcosystems, "OSV ecosystems to download (repeatable)")
	cmd.Flags().StringVar(&opts.CVEListURL, "cve-list-url", "", "URL of a zip of CVE JSON 5 records (cvelistV5 bulk release zip)")
	cmd.Flags().BoolVar(&nvd, "nvd", false, "also page the NVD CVE API 2.0 ("+advisory.DefaultNVDURL+")")
	cmd.Flags().StringVar(&opts.NVDURL, "nvd-url", "", "NVD CVE API 2.0 endpoint to page (implies --nvd)")
	cmd.Flags().StringVar(&opts.NVDAPIKey, "nvd-api-key", "", "NVD API key (default $NVD_API_KEY)")
	cmd.Flags().DurationVar(&opts.NVDDelay, "nvd-delay", 6*time.Second, "pause between NVD pages")
	cmd.Flags().IntVar(&opts.Retries, "retries", 3, "extra attempts for a failed download")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return cmd
}

// downloadPrinter prints download progress to w (see statusLine).
func downloadPrinter(w io.Writer) func(advisory.DownloadProgress) {
	sl := newStatusLine(w)
	return func(p advisory.DownloadProgress) {
		switch {
		case p.Status == "downloading" && p.Total > 0:
			sl.update(fmt.Sprintf("%s: %d / %d KiB (%d%%)", p.URL, p.Bytes>>10, p.Total>>10, p.Bytes*100/p.Total))
		case p.Status == "downloading":
			sl.update(fmt.Sprintf("%s: %d KiB", p.URL, p.Bytes>>10))
		default:
			sl.done(fmt.Sprintf("%s: %s", p.URL, p.Status))
		}
	}
}
