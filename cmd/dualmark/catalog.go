package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/oscal"
	"github.com/dualmark/dualmark/internal/termtable"
)

func init() { subcommands = append(subcommands, newCatalogCmd) }

func newCatalogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Browse the requirements of every regime and the EU-US crosswalk",
		Long: `The catalog holds the requirements of the EU Cyber Resilience Act (cra), the
RED Delegated Regulation (EU) 2022/30 (red-da), NIST IR 8425 (nistir8425), the
FCC Cyber Trust Mark rules (fcc), ETSI EN 303 645 (en303645) and BSI TR-03183-2
(bsi-tr03183), and the crosswalk that relates them. "catalog regimes" lists the
regimes assess gives verdicts for (cra, red-da, us-ctm, en303645) with the
titles every report uses.`,
		Example: `  dualmark catalog list --regime en303645
  dualmark catalog show CRA-I.2.c
  dualmark catalog map EN303645-5.1-1 --json
  dualmark catalog coverage
  dualmark catalog regimes
  dualmark catalog export --format oscal --out oscal/`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newCatalogListCmd(), newCatalogShowCmd(), newCatalogMapCmd(),
		newCatalogCoverageCmd(), newCatalogExportCmd(), newCatalogDocCmd(), newCatalogCategoriesCmd(), newCatalogRegimesCmd())
	return cmd
}

// loadCatalog loads the embedded catalog.
func loadCatalog() (*catalog.Catalog, error) {
	c, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("%w\nthis binary's catalog data is broken; rebuild dualmark from a commit whose tests pass", err)
	}
	return c, nil
}

// catalogLookup returns the requirement id, or a usage error naming close matches.
func catalogLookup(c *catalog.Catalog, id string) (catalog.Requirement, error) {
	if r, ok := c.GetFold(id); ok {
		return r, nil
	}
	msg := fmt.Sprintf("unknown requirement ID %q", id)
	if s := c.Suggest(id, 5); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, ", ") + "?"
	} else {
		msg += `; IDs look like CRA-I.2.d, NISTIR8425-4a, FCC-REG-6, EN303645-5.1-1, TR03183-2:COMP.hash (see "dualmark catalog list")`
	}
	return catalog.Requirement{}, usageError(fmt.Errorf("%s", msg))
}

func newCatalogListCmd() *cobra.Command {
	var regime string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List requirements, of all regimes or of some",
		Example: `  dualmark catalog list
  dualmark catalog list --regime cra --json
  dualmark catalog list --regime us-ctm
  dualmark catalog list --regime cra,en303645`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			reqs := c.All()
			if regime != "" {
				// Comma-separated, as assess --regime takes them; a
				// requirement named by two regimes is listed once.
				reqs = nil
				seen := map[string]bool{}
				for _, name := range strings.Split(regime, ",") {
					name = strings.TrimSpace(name)
					var some []catalog.Requirement
					if catalog.IsRegime(name) {
						some = c.ByRegime(name)
					} else {
						// The assessment regimes, as assess --regime takes
						// them (us-ctm = NIST IR 8425 + FCC).
						var ok bool
						if some, ok = c.ForAssessment(name); !ok {
							return usageError(&cliError{cmd: cmd.CommandPath(), msg: fmt.Sprintf("unknown regime %q; valid regimes: %s, or an assessment regime: %s",
								name, strings.Join(catalog.Regimes, ", "), strings.Join(assess.AllRegimes, ", ")), hint: "see dualmark catalog regimes"})
						}
					}
					for _, r := range some {
						if !seen[r.ID] {
							seen[r.ID] = true
							reqs = append(reqs, r)
						}
					}
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), reqs)
			}
			return catalog.WriteList(cmd.OutOrStdout(), reqs, tableOptions(cmd.OutOrStdout()))
		},
	}
	cmd.Flags().StringVar(&regime, "regime", "", "only these regimes, comma-separated: "+strings.Join(catalog.Regimes, ",")+", or assessment regimes as assess takes them ("+strings.Join(assess.AllRegimes, ",")+")")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of requirements")
	return cmd
}

func newCatalogShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one requirement in full",
		Example: `  dualmark catalog show CRA-14.AEV.FR
  dualmark catalog show EN303645-5.3-14 --json`,
		Args: catalogArgs(1, "give one requirement ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			r, err := catalogLookup(c, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			if err := catalog.WriteRequirement(cmd.OutOrStdout(), r, c.Children(r.ID), tableOptions(cmd.OutOrStdout())); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Counterparts: dualmark catalog map %s\n", r.ID)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the requirement as JSON")
	return cmd
}

func newCatalogMapCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "map ID",
		Short: "Show the counterparts of a requirement in every other regime",
		Long: `Shows the crosswalk rows of a requirement, read from its side ("ID is <relation> TO"),
the regimes where it has no counterpart and why, and, for regimes without a direct
row, counterparts derived through EN 303 645 (marked derived).`,
		Example: `  dualmark catalog map CRA-I.2.d
  dualmark catalog map NISTIR8425-3c --json`,
		Args: catalogArgs(1, "give one requirement ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			r, err := catalogLookup(c, args[0])
			if err != nil {
				return err
			}
			ms := c.Map(r.ID)
			if asJSON {
				if ms == nil {
					ms = []catalog.Mapping{}
				}
				return writeJSON(cmd.OutOrStdout(), ms)
			}
			return catalog.WriteMappings(cmd.OutOrStdout(), ms, tableOptions(cmd.OutOrStdout()))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {from, to, relation, rationale, origin, derived}")
	return cmd
}

func newCatalogCoverageCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "coverage",
		Short: "How far mutual recognition reaches: counterparts per ordered pair of regimes",
		Long: `For each ordered pair of regimes (FROM, TO), counts the requirements of FROM whose
best counterpart in TO is full (equivalent, or FROM a subset of TO), partial
(overlapping, or FROM a superset of TO) or missing. REACH is (full+partial)/total;
DERIVED counts those whose best counterpart was derived through EN 303 645.`,
		Example: `  dualmark catalog coverage
  dualmark catalog coverage --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), c.Coverage())
			}
			return catalog.WriteCoverage(cmd.OutOrStdout(), c.Coverage(), tableOptions(cmd.OutOrStdout()))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {from, to, total, full, partial, none, derived}")
	return cmd
}

func newCatalogExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the catalogs and the crosswalk (OSCAL 1.2.1 JSON)",
		Long: `Writes one OSCAL catalog per regime (<regime>.catalog.json) and the crosswalk as an
OSCAL mapping collection (crosswalk.mapping.json) into the --out directory.`,
		Example: `  dualmark catalog export --format oscal --out oscal/`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "oscal" {
				return usageError(fmt.Errorf("unknown export format %q; valid formats: oscal", format))
			}
			if out == "" {
				return usageError(fmt.Errorf("--out DIR is required"))
			}
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			paths, err := oscal.Export(c, out)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "oscal", "export format: oscal")
	cmd.Flags().StringVar(&out, "out", "", "directory to write into (created if missing)")
	return cmd
}

func newCatalogDocCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "doc",
		Short:   "Print docs/CATALOG.md (ID scheme, crosswalk rules, coverage table)",
		Example: `  dualmark catalog doc > docs/CATALOG.md`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			return catalog.WriteMarkdown(cmd.OutOrStdout(), c)
		},
	}
}

func newCatalogCategoriesCmd() *cobra.Command {
	cmd := catalogDataCmd("categories", "print {categories: [...], routes: {class: [...]}} as JSON",
		func(c *catalog.Catalog) any {
			routes := map[string][]catalog.Route{}
			for _, class := range catalog.Classes {
				routes[class] = c.Routes(class)
			}
			return map[string]any{"categories": c.Categories(), "routes": routes}
		}, catalog.WriteCategories)
	cmd.Short = "List the CRA product categories (Annex III, IV) and the conformity-assessment routes per class"
	return cmd
}

func newCatalogRegimesCmd() *cobra.Command {
	cmd := catalogDataCmd("regimes", "print {assessmentRegimes: [...], catalogRegimes: [...]} as JSON",
		func(c *catalog.Catalog) any {
			infos := []catalog.RegimeInfo{}
			for _, id := range catalog.Regimes {
				if info, ok := c.Regime(id); ok {
					infos = append(infos, info)
				}
			}
			return map[string]any{"assessmentRegimes": catalog.AssessmentRegimeTable, "catalogRegimes": infos}
		}, catalog.WriteRegimes)
	cmd.Short = "List the regimes: those assess gives verdicts for, with their titles, and the catalog's own"
	cmd.Long = `Lists the assessment regimes (the values of assess --regime) with the titles
every report shows, and the catalog regimes (the values of catalog list
--regime) with the name and version of the text each one paraphrases.`
	return cmd
}

// catalogDataCmd is a "catalog NAME [--json]" command that prints part of
// the catalog as text (write) or as the JSON value data returns.
func catalogDataCmd(name, jsonHelp string, data func(*catalog.Catalog) any, write func(io.Writer, *catalog.Catalog, termtable.Options) error) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     name,
		Example: "  dualmark catalog " + name + "\n  dualmark catalog " + name + " --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadCatalog()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), data(c))
			}
			return write(cmd.OutOrStdout(), c, tableOptions(cmd.OutOrStdout()))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, jsonHelp)
	return cmd
}

// catalogArgs is cobra.ExactArgs with a message that says what to give.
func catalogArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError(fmt.Errorf("%s (got %d arguments)", hint, len(args)))
		}
		return nil
	}
}
