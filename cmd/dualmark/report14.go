package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dualmark/dualmark/internal/art14"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/termtable"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newArt14Cmd) }

func newArt14Cmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "art14",
		Short: "CRA Article 14 cases: clocks, report drafts and submissions",
		Long: `An Article 14 case is an actively exploited vulnerability (Art. 14(1)) or a
severe incident (Art. 14(3)) in a product on the EU market, kept in one JSON
case file. Its clocks — early warning 24 h, notification 72 h, final report
14 days after the fix (vulnerability) or one month after the notification
(incident) — are read from the catalog's CRA-14 entries and computed in UTC;
the awareness times keep their zone. Drafts carry the fields of Art. 14(2)
and (4) and cannot be submitted while one is missing.`,
		Example: `  dualmark art14 open case-spec.json --out case.json
  dualmark art14 open --scan scan.json --product product.json --out cases/
  dualmark art14 status case.json --at 2026-10-03T05:00:00Z
  dualmark art14 draft case.json --stage notification --set fields.json --format html --out ew.html
  dualmark art14 submit case.json --stage notification --channel "ENISA SRP" --receipt SRP-123`,
	}
	cmd.AddCommand(newArt14OpenCmd(), newArt14StatusCmd(), newArt14RecordCmd(), newArt14DraftCmd(), newArt14SubmitCmd(), newArt14CSIRTsCmd())
	return cmd
}

// atFlag is the --at time of a command (default: now).
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, usageError(fmt.Errorf("--at %q: want RFC 3339, e.g. 2026-10-02T09:30:00+02:00", s))
	}
	return t, nil
}

func parseTime(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, usageError(fmt.Errorf("%s %q: want RFC 3339, e.g. 2026-10-02T09:30:00+02:00", flag, s))
	}
	return t, nil
}

func loadCase(path string) (*art14.Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError(err)
	}
	defer f.Close()
	c, err := art14.ReadCase(f, path)
	if err != nil {
		return nil, usageError(err)
	}
	return c, nil
}

// saveCase writes the case file atomically (temporary file and rename).
func saveCase(path string, c *art14.Case) error {
	var buf bytes.Buffer
	if err := art14.WriteCase(&buf, c); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// caseAt loads the rules, the case file and the --at time.
func caseAt(path, at string) (*art14.Rules, *art14.Case, time.Time, error) {
	rs, err := rules()
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	c, err := loadCase(path)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	when, err := parseAt(at)
	return rs, c, when, err
}

func rules() (*art14.Rules, error) {
	rs, err := art14.DefaultRules()
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return rs, nil
}

func newArt14OpenCmd() *cobra.Command {
	var out, scan, product, at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "open [SPEC.json]",
		Short: "Open a case from a case spec, or one case per KEV finding of a scan",
		Long: `SPEC.json is a case file without drafts or audit: id, kind (vulnerability or
incident), product, awareness (detected, optional acknowledged, policy
detection|acknowledgement), and optionally vulnerability, kev, ransomware.
With --scan and --product, one Art. 14(1) case is opened per KEV-listed
finding of the scan (dualmark scan --json), detected at --at, into --out (a
folder). Awareness before 11 Sep 2026 is refused; products placed on the
market at any time are covered (Art. 69(3)).`,
		Example: `  dualmark art14 open spec.json --out case.json
  dualmark art14 open --scan scan.json --product product.json --out cases/ --at 2026-10-02T07:30:00Z`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := rules()
			if err != nil {
				return err
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError(errors.New("--out is required"))
			}
			var cases []*art14.Case
			switch {
			case len(args) == 1 && scan == "":
				spec, err := loadCase(args[0])
				if err != nil {
					return err
				}
				c, err := art14.Open(rs, *spec, when)
				if err != nil {
					return usageError(err)
				}
				if err := saveCase(out, c); err != nil {
					return err
				}
				cases = append(cases, c)
			case len(args) == 0 && scan != "" && product != "":
				var p art14.Product
				if err := readJSONFile(product, &p); err != nil {
					return err
				}
				var res match.Result
				if err := readJSONFile(scan, &res); err != nil {
					return err
				}
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				seen := map[string]bool{}
				for _, f := range res.Findings {
					if !f.KEV || f.Suppressed {
						continue
					}
					c, err := art14.Open(rs, art14.FromFinding(p, f, when, "KEV finding in "+scan), when)
					if err != nil {
						return usageError(err)
					}
					if seen[c.ID] {
						continue
					}
					seen[c.ID] = true
					if err := saveCase(filepath.Join(out, sanitizeFile(c.ID)+".case.json"), c); err != nil {
						return err
					}
					cases = append(cases, c)
				}
			default:
				return usageError(errors.New("give SPEC.json, or --scan and --product"))
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(w, cases)
			}
			for _, c := range cases {
				fmt.Fprintf(w, "opened %s (%s, priority %s)\n", c.ID, c.Kind, c.Priority())
			}
			if len(cases) == 0 {
				fmt.Fprintln(w, "no KEV-listed finding: no case opened")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "case file to write (with SPEC.json) or folder (with --scan)")
	cmd.Flags().StringVar(&scan, "scan", "", "scan result JSON (dualmark scan --json)")
	cmd.Flags().StringVar(&product, "product", "", "product JSON (name, version, manufacturer, mainEstablishment, memberStates, …)")
	cmd.Flags().StringVar(&at, "at", "", "time the case is opened (and, with --scan, detected); RFC 3339, default now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the opened cases as JSON")
	return cmd
}

func sanitizeFile(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return usageError(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return usageError(fmt.Errorf("%s: %w", path, err))
	}
	return nil
}

func newArt14StatusCmd() *cobra.Command {
	var at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status CASE.json",
		Short: "Show a case's clocks at a time: due, at 50 %, at 90 %, overdue, submitted",
		Long:  `Exit code 1 when a stage is overdue or was submitted late.`,
		Example: `  dualmark art14 status case.json
  dualmark art14 status case.json --at 2026-10-03T05:00:00Z --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, c, when, err := caseAt(args[0], at)
			if err != nil {
				return err
			}
			clocks, err := art14.Clocks(rs, c, when)
			if err != nil {
				return usageError(err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(w, map[string]any{"case": c.ID, "kind": c.Kind, "priority": c.Priority(), "at": when.UTC(), "clocks": clocks, "alerts": nonNil(art14.Alerts(clocks))})
			} else {
				printClocks(w, c, when, clocks, tableOptions(w))
			}
			if err != nil {
				return err
			}
			for _, ck := range clocks {
				if ck.State == art14.StateOverdue || ck.State == art14.StateLate {
					return failed()
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "evaluate the clocks at this time (RFC 3339), default now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the clocks as JSON")
	return cmd
}

func printClocks(w io.Writer, c *art14.Case, when time.Time, clocks []art14.Clock, opts termtable.Options) {
	fmt.Fprintf(w, "case %s — %s — priority %s — at %s\n", c.ID, c.Kind, c.Priority(), when.UTC().Format(time.RFC3339))
	tt := termtable.New(opts, "STAGE", "ARTICLE", "DUE (UTC)", "STATE", "NOTE").Wrap(4).Paint(3, clockColour)
	for _, ck := range clocks {
		due := "—"
		if !ck.Due.IsZero() {
			due = ck.Due.Format("2006-01-02 15:04")
			if ck.Provisional {
				due += " (provisional)"
			}
		}
		tt.Row(string(ck.Stage), ck.Source, due, string(ck.State), ck.Note)
	}
	tt.Write(w)
}

// clockColour colours a clock's state: overdue or late in red.
func clockColour(state string) termtable.Colour {
	switch art14.State(state) {
	case art14.StateOverdue, art14.StateLate:
		return termtable.Red
	}
	return termtable.None
}

func newArt14RecordCmd() *cobra.Command {
	var ack, measure, request, due, by, at string
	cmd := &cobra.Command{
		Use:   "record CASE.json",
		Short: "Record an acknowledgement, an available fix or a CSIRT's request for an intermediate report",
		Long: `Each event is appended to the case's audit trail at --at. An event dated
before the last recorded one, or a recorded time moved later (which would
extend a deadline), is refused: the clock never moves backwards.`,
		Example: `  dualmark art14 record case.json --acknowledged 2026-10-02T15:30:00+02:00
  dualmark art14 record case.json --measure-available 2026-10-10T12:00:00Z
  dualmark art14 record case.json --intermediate-request 2026-10-06T09:00:00Z --due 2026-10-08T09:00:00Z --by BSI`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadCase(args[0])
			if err != nil {
				return err
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			n := 0
			// each applies one flag's event to the case, if the flag is set.
			each := func(flag, value string, apply func(time.Time) error) error {
				if value == "" {
					return nil
				}
				n++
				t, err := parseTime(flag, value)
				if err != nil {
					return err
				}
				if err := apply(t); err != nil {
					return usageError(err)
				}
				return nil
			}
			var dueAt *time.Time
			if due != "" {
				d, err := parseTime("--due", due)
				if err != nil {
					return err
				}
				dueAt = &d
			}
			for _, ev := range []struct {
				flag, value string
				apply       func(time.Time) error
			}{
				{"--acknowledged", ack, func(t time.Time) error { return c.Acknowledge(t, when) }},
				{"--measure-available", measure, func(t time.Time) error { return c.SetMeasureAvailable(t, when) }},
				{"--intermediate-request", request, func(t time.Time) error {
					return c.RequestIntermediate(art14.Request{At: t, By: by, Due: dueAt})
				}},
			} {
				if err := each(ev.flag, ev.value, ev.apply); err != nil {
					return err
				}
			}
			if n == 0 {
				return usageError(errors.New("nothing to record: give --acknowledged, --measure-available or --intermediate-request"))
			}
			return saveCase(args[0], c)
		},
	}
	cmd.Flags().StringVar(&ack, "acknowledged", "", "the manufacturer's acknowledgement time")
	cmd.Flags().StringVar(&measure, "measure-available", "", "when a corrective or mitigating measure became available")
	cmd.Flags().StringVar(&request, "intermediate-request", "", "when a CSIRT asked for an intermediate report (Art. 14(6))")
	cmd.Flags().StringVar(&due, "due", "", "the deadline the CSIRT set for the intermediate report")
	cmd.Flags().StringVar(&by, "by", "", "who asked for the intermediate report")
	cmd.Flags().StringVar(&at, "at", "", "time the event is recorded (RFC 3339), default now")
	return cmd
}

func stageOf(s string) (art14.Stage, error) {
	switch st := art14.Stage(s); st {
	case art14.StageEarlyWarning, art14.StageNotification, art14.StageFinal, art14.StageIntermediate, art14.StageUserInfo:
		return st, nil
	}
	return "", usageError(fmt.Errorf("--stage %q: want early-warning, notification, final-report, intermediate or user-information", s))
}

// findDraft returns the last draft of a stage.
func findDraft(c *art14.Case, s art14.Stage) *art14.Draft {
	for i := len(c.Drafts) - 1; i >= 0; i-- {
		if c.Drafts[i].Stage == s {
			return &c.Drafts[i]
		}
	}
	return nil
}

func newArt14DraftCmd() *cobra.Command {
	var stage, set, format, out, at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "draft CASE.json",
		Short: "Create or update the draft of a stage and render it (JSON, printable HTML, text of the form)",
		Long: `The draft is prefilled from the case (product, member states, recipient
CSIRT of the main establishment, vulnerability, ransomware facts, deadline,
the Art. 64(10)(a) note) and stored in the case file. --set merges a JSON
object of draft fields (e.g. {"userMeasures": "…", "sensitivity": "TLP:AMBER"});
a submitted draft cannot be changed.`,
		Example: `  dualmark art14 draft case.json --stage early-warning
  dualmark art14 draft case.json --stage notification --set fields.json --format html --out notification.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				format = "json"
			}
			rs, c, when, err := caseAt(args[0], at)
			if err != nil {
				return err
			}
			st, err := stageOf(stage)
			if err != nil {
				return err
			}
			d := findDraft(c, st)
			if d == nil || (st == art14.StageIntermediate && d.Submission != nil) {
				if d, err = art14.NewDraft(rs, c, st, when); err != nil {
					return usageError(err)
				}
			}
			if set != "" {
				if d.Submission != nil {
					return usageError(fmt.Errorf("%s: %s: %w", args[0], st, art14.ErrSubmitted))
				}
				data, err := os.ReadFile(set)
				if err != nil {
					return usageError(err)
				}
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.DisallowUnknownFields()
				keep := *d
				if err := dec.Decode(d); err != nil {
					return usageError(fmt.Errorf("%s: %w", set, err))
				}
				d.Case, d.Kind, d.Stage, d.RequirementID, d.Source, d.Due, d.Submission = keep.Case, keep.Kind, keep.Stage, keep.RequirementID, keep.Source, keep.Due, nil
			}
			if err := saveCase(args[0], c); err != nil {
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
			switch format {
			case "json":
				return d.WriteJSON(w)
			case "html":
				return d.WriteHTML(w)
			case "text", "":
				return d.WriteText(w)
			}
			return usageError(fmt.Errorf("--format %q: want text, json or html", format))
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "early-warning, notification, final-report, intermediate or user-information")
	cmd.Flags().StringVar(&set, "set", "", "JSON file of draft fields to merge")
	cmd.Flags().StringVar(&format, "format", "text", "text (the form), json or html (printable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "shorthand for --format json")
	cmd.Flags().StringVar(&out, "out", "", "write the rendering to this file instead of stdout")
	cmd.Flags().StringVar(&at, "at", "", "time used for a new draft's deadline (RFC 3339), default now")
	return cmd
}

func newArt14SubmitCmd() *cobra.Command {
	var stage, channel, receipt, at string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "submit CASE.json",
		Short: "Mark a stage's draft submitted (time, channel, receipt id)",
		Long: `Refused (exit 2, naming the fields) when the draft misses a field its stage
requires, when the stage was already submitted, or when the time is before
the case's last event. Late submissions are recorded and shown as late.`,
		Example: `  dualmark art14 submit case.json --stage early-warning --channel "ENISA SRP" --receipt SRP-2026-0001 --at 2026-10-02T20:00:00Z`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadCase(args[0])
			if err != nil {
				return err
			}
			st, err := stageOf(stage)
			if err != nil {
				return err
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			d := findDraft(c, st)
			if d == nil {
				return usageError(fmt.Errorf("%s: no %s draft; run dualmark art14 draft first", args[0], st))
			}
			if err := c.Submit(d, art14.Submission{At: when, Channel: channel, ReceiptID: receipt}); err != nil {
				return usageError(err)
			}
			if err := saveCase(args[0], c); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s submitted at %s via %s, receipt %s\n", c.ID, st, when.UTC().Format(time.RFC3339), channel, receipt)
			return nil
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "the stage to submit")
	cmd.Flags().StringVar(&channel, "channel", "", "how it was sent (e.g. \"ENISA single reporting platform\")")
	cmd.Flags().StringVar(&receipt, "receipt", "", "the receipt id the platform returned")
	cmd.Flags().StringVar(&at, "at", "", "submission time (RFC 3339), default now")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the submitted draft as JSON")
	return cmd
}

func newArt14CSIRTsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "csirts",
		Short:   "List the member states' coordinator CSIRTs with their confidence tags",
		Example: `  dualmark art14 csirts --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs := art14.Coordinators()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), cs)
			}
			tt := termtable.New(tableOptions(cmd.OutOrStdout()), "STATE", "CSIRT", "CONFIDENCE").Wrap(1)
			for _, c := range cs {
				tt.Row(c.MemberState, c.CSIRT, c.Confidence)
			}
			return tt.Write(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
