package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/label/fromdossier"
	"github.com/dualmark/dualmark/internal/qr"
	"github.com/dualmark/dualmark/internal/termtable"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newLabelCmd) }

func newLabelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "label",
		Short: "Issue, verify, revoke and print signed labels (Ed25519 + ML-DSA-65, transparency log, QR code)",
		Long: `A dualmark label is an in-toto statement about a product's assessment, signed
twice (Ed25519 and post-quantum ML-DSA-65) and appended to a transparency log.
The bundle file holds the signed label, its inclusion proof and the log
checkpoint, so anyone can verify it offline with the bundle and a trust file.`,
		Example: `  dualmark keys generate --out keys --issuer "Acme Devices GmbH" --trust trust.json
  dualmark label issue examples/smart-plug --keys keys --log log --out smart-plug.label.json
  dualmark label verify smart-plug.label.json --trust trust.json
  dualmark label qr smart-plug.label.json --url-base https://registry.example.com/labels --out smart-plug-qr.png`,
		PersistentPreRun: func(*cobra.Command, []string) { tlog.QuietLibraryLogs() },
	}
	cmd.AddCommand(newLabelIssueCmd(), newLabelVerifyCmd(), newLabelShowCmd(), newLabelRevokeCmd(), newLabelQRCmd())
	cmd.AddCommand(newLabelWitnessCmd()) // witness.go
	return cmd
}

func openKeysAndLog(ctx context.Context, keyDir, logDir string) (*keys.Set, *tlog.Log, error) {
	if keyDir == "" || logDir == "" {
		return nil, nil, usageError(errors.New("--keys DIR and --log DIR are required"))
	}
	s, err := keys.LoadSet(keyDir)
	if err != nil {
		return nil, nil, err
	}
	l, err := tlog.Open(ctx, logDir, s)
	if err != nil {
		return nil, nil, err
	}
	return s, l, nil
}

func writeBundle(path string, b *label.Bundle) error {
	if err := os.WriteFile(path, b.Marshal(), 0o644); err != nil {
		return fmt.Errorf("writing bundle: %w", err)
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newLabelIssueCmd() *cobra.Command {
	var keyDir, logDir, out, firmware, sbomPath, db string
	var asJSON, allowNonconforming, allowOutside bool
	var wf witnessFlags // witness.go
	cmd := &cobra.Command{
		Use:   "issue PATH --keys DIR --log DIR --out BUNDLE",
		Short: "Sign an assessment (or assess a dossier and sign it) and append the label to the log",
		Long: `PATH is an assessment JSON file (from "dualmark assess --json") or a dossier
(a folder holding dossier.yaml, or the YAML file), which is assessed first; the
assessment JSON is then written next to the bundle as BUNDLE-without-.json
+ ".assessment.json", because the label signs its digest. A product with a
regime that does not conform or is incomplete gets no label (exit 1) unless
--allow-nonconforming is given.

With --witness URL (repeatable) and --trust FILE, the new checkpoint is
submitted to those witnesses; their cosignatures go into the bundle and the
cosigned checkpoint is published as DIR/checkpoint.cosigned. A witness that is
down is retried a few times without delaying the others; when fewer cosign
than needed the bundle is still written and the exit code is 1 (retry later
with "dualmark label witness").`,
		Example: `  dualmark label issue examples/smart-plug --keys keys --log log --out smart-plug.label.json
  dualmark label issue assessment.json --keys keys --log log --out plug.label.json --firmware fw.bin --sbom sbom.cdx.json
  dualmark label issue examples/smart-plug --keys keys --log log --out plug.label.json --trust trust.json --witness http://127.0.0.1:7380 --witness http://127.0.0.1:7381`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError(errors.New("--out BUNDLE is required"))
			}
			if wf.enabled() && wf.trust == "" {
				return usageError(errors.New("--witness needs --trust FILE with the witnesses' keys"))
			}
			sum, arts, err := summarizeInput(args[0], out, sbomPath, db, allowOutside)
			if err != nil {
				return err
			}
			if bad := negativeVerdicts(sum); len(bad) > 0 && !allowNonconforming {
				fmt.Fprintf(cmd.ErrOrStderr(), "dualmark: refusing to issue a label: %s (a label for such a product needs --allow-nonconforming, and its verdicts then show it in every view)\n", strings.Join(bad, ", "))
				return failed()
			}
			if firmware != "" {
				arts = append(arts, label.Artifact{Role: "firmware", Path: firmware})
			}
			ctx := cmd.Context()
			s, l, err := openKeysAndLog(ctx, keyDir, logDir)
			if err != nil {
				return err
			}
			b, err := label.Issue(ctx, sum, arts, s, l, time.Now())
			if cerr := l.Close(ctx); err == nil && cerr != nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			// Witnesses (witness.go): cosign the new checkpoint before writing.
			var wouts []witness.Outcome
			var wneed int
			if wf.enabled() {
				progress := cmd.OutOrStdout()
				if asJSON {
					progress = cmd.ErrOrStderr()
				}
				if wouts, wneed, err = wf.cosignBundle(ctx, progress, b, logDir); err != nil {
					return err
				}
			}
			if err := writeBundle(out, b); err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), map[string]any{"labelId": label.ID(&b.Envelope), "bundle": out, "logIndex": b.Log.LogIndex, "treeSize": b.Log.TreeSize, "witnesses": wouts}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "issued label %s for %s (%s)\nlog %s entry %d (tree size %d); wrote %s\n",
					label.ID(&b.Envelope), sum.Product.Name, verdictList(sum.Regimes), b.Log.Origin, b.Log.LogIndex, b.Log.TreeSize, out)
			}
			if wf.enabled() {
				return quorumResult(cmd.ErrOrStderr(), wouts, wneed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyDir, "keys", "", "key directory from 'dualmark keys generate' (required)")
	cmd.Flags().StringVar(&logDir, "log", "", "transparency-log directory, created on first use (required)")
	cmd.Flags().StringVar(&out, "out", "", "bundle file to write (required)")
	cmd.Flags().StringVar(&firmware, "firmware", "", "firmware image the label covers by digest")
	cmd.Flags().StringVar(&sbomPath, "sbom", "", "SBOM the label covers by digest (a dossier's own SBOM is used by default)")
	cmd.Flags().StringVar(&db, "db", "", "advisory database for the scan when PATH is a dossier")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	outsidePathsFlag(cmd, &allowOutside)
	cmd.Flags().BoolVar(&allowNonconforming, "allow-nonconforming", false, "issue the label even when a regime does not conform or is incomplete (the signed verdicts say so)")
	wf.register(cmd) // witness.go
	return cmd
}

// negativeVerdicts lists the regimes whose verdict is negative.
func negativeVerdicts(sum *label.Summary) []string {
	var out []string
	for id, v := range sum.Regimes {
		if assess.Negative(v.Verdict) || assess.Negative(v.Readiness) {
			out = append(out, id+" "+v.String())
		}
	}
	sort.Strings(out)
	return out
}

// summarizeInput reads an assessment JSON file, or assesses a dossier and
// writes its assessment JSON next to the bundle.
func summarizeInput(path, out, sbomPath, db string, allowOutside bool) (*label.Summary, []label.Artifact, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	var arts []label.Artifact
	if fi.IsDir() || strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
		version, _ := buildVersion()
		data, sum, darts, err := fromdossier.Assess(path, assess.RunOptions{SBOM: sbomPath, DB: db, Version: version, AllowOutsidePaths: allowOutside})
		if err != nil {
			return nil, nil, err
		}
		apath := strings.TrimSuffix(out, ".json") + ".assessment.json"
		if err := os.WriteFile(apath, data, 0o644); err != nil {
			return nil, nil, fmt.Errorf("writing assessment: %w", err)
		}
		sum.Assessment.Name = filepath.Base(apath)
		return sum, darts, nil
	}
	data, err := fsread.ReadFile(path, "assessment", label.MaxAssessmentBytes)
	if err != nil {
		return nil, nil, err
	}
	sum, err := label.Summarize(data, path)
	if err != nil {
		return nil, nil, usageError(err)
	}
	if sbomPath != "" {
		arts = append(arts, label.Artifact{Role: "sbom", Path: sbomPath})
	}
	return sum, arts, nil
}

func verdictList(r map[string]label.Verdict) string {
	var parts []string
	for id, v := range r {
		parts = append(parts, id+": "+v.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func newLabelVerifyCmd() *cobra.Command {
	var trust, checkpoint, logDir string
	var artifacts []string
	var classical, asJSON bool
	cmd := &cobra.Command{
		Use:   "verify BUNDLE --trust FILE",
		Short: "Verify a label offline: both signatures, keys, artifacts, inclusion proof, checkpoint, status",
		Long: `Checks, without any network access: the Ed25519 and the ML-DSA-65 signature
against the trust file, that the signing keys were valid when the label was
issued and are not revoked, the given artifacts against the label's subject
digests, the checkpoint's Ed25519 and ML-DSA-44 signatures, and the inclusion
proof. With --log DIR (the log directory or a copy) or --log URL (a log
served over HTTP in the C2SP tlog-tiles layout, such as a registry's
https://registry.example/log/) it also proves the log grew append-only since
the bundle and reports the label's current status (active, superseded or
revoked); --checkpoint FILE adds a newer checkpoint. Over HTTP nothing the
server sends is trusted: checkpoints are checked against the trust file and
tiles against them.

Exit codes: 0 valid, 1 invalid (each failed check is named), 2 error.`,
		Example: `  dualmark label verify plug.label.json --trust trust.json
  dualmark label verify plug.label.json --trust trust.json --artifact fw.bin --artifact sbom.cdx.json
  dualmark label verify plug.label.json --trust trust.json --log log --checkpoint newer-checkpoint.txt
  dualmark label verify plug.label.json --trust trust.json --log https://registry.example/log/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if trust == "" {
				return usageError(errors.New("--trust FILE is required"))
			}
			b, err := label.ReadBundle(args[0])
			if err != nil {
				return usageError(err)
			}
			tr, err := keys.LoadTrust(trust)
			if err != nil {
				return usageError(err)
			}
			p := label.Policy{Trust: tr, AllowClassicalOnly: classical, Artifacts: artifacts}
			if checkpoint != "" {
				if p.NewerCheckpoint, err = label.ReadCheckpointFile(checkpoint); err != nil {
					return usageError(err)
				}
			}
			if strings.HasPrefix(logDir, "http://") || strings.HasPrefix(logDir, "https://") {
				if p.Log, err = tlog.NewHTTPReader(logDir, nil); err != nil {
					return usageError(err)
				}
			} else if logDir != "" {
				p.Log = tlog.NewReader(logDir)
			}
			r, err := label.Verify(cmd.Context(), b, p)
			if err != nil {
				return usageError(err)
			}
			for _, w := range r.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "dualmark: WARNING:", w)
			}
			if asJSON {
				if err := printJSON(cmd.OutOrStdout(), r); err != nil {
					return err
				}
			} else {
				printResult(cmd.OutOrStdout(), r, tableOptions(cmd.OutOrStdout()))
			}
			if !r.Valid {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&trust, "trust", "", "trust file listing accepted keys (required)")
	cmd.Flags().StringArrayVar(&artifacts, "artifact", nil, "file that must match a subject digest (repeatable)")
	cmd.Flags().StringVar(&checkpoint, "checkpoint", "", "a newer signed checkpoint of the same log")
	cmd.Flags().StringVar(&logDir, "log", "", "log directory (or a copy), or the http(s):// URL of a tlog-tiles log, for status and consistency")
	cmd.Flags().BoolVar(&classical, "allow-classical-only", false, "accept a missing ML-DSA signature (legacy verifiers; NOT quantum-safe)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printResult(w io.Writer, r *label.Result, opts termtable.Options) {
	verdict := "VALID"
	if !r.Valid {
		verdict = "INVALID"
	}
	name := ""
	if r.Predicate != nil {
		name = fmt.Sprintf(" for %s (%s)", r.Predicate.Product.Name, verdictList(r.Predicate.Regimes))
	}
	status := r.Status
	if status == label.StatusUnknown {
		status = "not checked (pass --log DIR or URL)"
	}
	fmt.Fprintf(w, "label %s%s: %s, status %s\n", r.LabelID, name, verdict, status)
	if r.Predicate != nil && r.Predicate.PostQuantum != "" {
		fmt.Fprintf(w, "  post-quantum: %s\n", r.Predicate.PostQuantum)
	}
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		termtable.Hang(w, opts, fmt.Sprintf("  %s %-20s ", mark, c.Name), c.Detail)
	}
}

func newLabelShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show BUNDLE",
		Short: "Print what a label states (product, verdicts, support end, updates, post-quantum readiness) without verifying it",
		Long: `Decodes the signed statement of a bundle and prints what it says. Nothing
is verified: use "dualmark label verify" to check the signatures, keys and
log proofs before relying on it.

Exit codes: 0 printed, 2 error (unreadable bundle or statement).`,
		Example: `  dualmark label show plug.label.json
  dualmark label show plug.label.json --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := label.ReadBundle(args[0])
			if err != nil {
				return usageError(err)
			}
			st, p, err := label.Contents(b)
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", args[0], err))
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"labelId": label.ID(&b.Envelope), "verified": false, "subject": st.Subject, "predicate": p, "logIndex": b.Log.LogIndex})
			}
			printContents(cmd.OutOrStdout(), b, st, p)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printContents prints the statement of a label as it stands, unverified.
func printContents(w io.Writer, b *label.Bundle, st *label.Statement, p *label.Predicate) {
	fmt.Fprintf(w, "label %s (NOT verified: run dualmark label verify)\n", label.ID(&b.Envelope))
	pr := p.Product
	fmt.Fprintf(w, "  product:       %s\n", strings.Join(nonEmpty(pr.Name, pr.Model, pr.FirmwareVersion), ", "))
	if pr.Manufacturer != "" {
		fmt.Fprintf(w, "  manufacturer:  %s\n", pr.Manufacturer)
	}
	for _, id := range pr.Identifiers {
		fmt.Fprintf(w, "  identifier:    %s %s\n", id.Type, id.Value)
	}
	fmt.Fprintf(w, "  verdicts:      %s\n", verdictList(p.Regimes))
	if p.SupportPeriodEnd != "" {
		fmt.Fprintf(w, "  support until: %s\n", p.SupportPeriodEnd)
	}
	if u := p.UpdatePolicy; u != nil {
		fmt.Fprintf(w, "  updates:       %s, automatic %s, signed %s\n", u.Mechanism, boolWord(u.Automatic), boolWord(u.Signed))
	}
	if p.PostQuantum != "" {
		fmt.Fprintf(w, "  post-quantum:  %s\n", p.PostQuantum)
	}
	fmt.Fprintf(w, "  assessment:    %s sha256:%s\n", p.Assessment.Name, p.Assessment.Digest["sha256"])
	for _, s := range st.Subject[1:] {
		fmt.Fprintf(w, "  covers:        %s sha256:%s\n", s.Name, s.Digest["sha256"])
	}
	fmt.Fprintf(w, "  issuer:        %s, %s\n", p.Issuer, p.IssuedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "  log:           %s entry %d\n", b.Log.Origin, b.Log.LogIndex)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func boolWord(b *bool) string {
	switch {
	case b == nil:
		return "not stated"
	case *b:
		return "yes"
	}
	return "no"
}

func newLabelRevokeCmd() *cobra.Command {
	var keyDir, logDir, reason, out string
	cmd := &cobra.Command{
		Use:     "revoke BUNDLE --keys DIR --log DIR --reason TEXT",
		Short:   "Append a signed revocation of a label to the transparency log",
		Example: `  dualmark label revoke plug.label.json --keys keys --log log --reason "critical vulnerability CVE-2026-1234 unpatched"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError(errors.New("--reason is required"))
			}
			b, err := label.ReadBundle(args[0])
			if err != nil {
				return usageError(err)
			}
			ctx := cmd.Context()
			s, l, err := openKeysAndLog(ctx, keyDir, logDir)
			if err != nil {
				return err
			}
			rb, err := label.Revoke(ctx, b, reason, s, l, time.Now())
			if cerr := l.Close(ctx); err == nil && cerr != nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if out != "" {
				if err := writeBundle(out, rb); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked label %s: revocation is log entry %d (tree size %d)\n", label.ID(&b.Envelope), rb.Log.LogIndex, rb.Log.TreeSize)
			return nil
		},
	}
	cmd.Flags().StringVar(&keyDir, "keys", "", "key directory of the issuer (required)")
	cmd.Flags().StringVar(&logDir, "log", "", "transparency-log directory (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the label is revoked (required)")
	cmd.Flags().StringVar(&out, "out", "", "also write the revocation's own bundle here")
	return cmd
}

func newLabelQRCmd() *cobra.Command {
	var base, out, card string
	cmd := &cobra.Command{
		Use:   "qr BUNDLE --url-base URL --out FILE.png|FILE.svg",
		Short: "Write the label's QR code and a printable label image",
		Long: `The QR code encodes URL-BASE/LABEL-ID, the label's registry page. The printable
label (--label, default OUT-label.png/.svg) shows the QR code, the product name,
the verdict for each regime and the end of the security support period.`,
		Example: `  dualmark label qr plug.label.json --url-base https://registry.example.com/labels --out plug-qr.png
  dualmark label qr plug.label.json --url-base https://registry.example.com/labels --out plug-qr.svg --label plug-label.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if base == "" || out == "" {
				return usageError(errors.New("--url-base URL and --out FILE are required"))
			}
			b, err := label.ReadBundle(args[0])
			if err != nil {
				return usageError(err)
			}
			c, err := label.Card(b, base)
			if err != nil {
				return usageError(err)
			}
			if card == "" {
				ext := filepath.Ext(out)
				card = strings.TrimSuffix(out, ext) + "-label" + ext
			}
			code, err := qr.New(c.URL)
			if err != nil {
				return err
			}
			for _, f := range []struct {
				path      string
				png       func() ([]byte, error)
				svg       func() ([]byte, error)
				displayed string
			}{
				{out, func() ([]byte, error) { return code.PNG(10) }, func() ([]byte, error) { return code.SVG(10), nil }, "QR code"},
				{card, c.PNG, c.SVG, "printable label"},
			} {
				render := f.png
				switch strings.ToLower(filepath.Ext(f.path)) {
				case ".png":
				case ".svg":
					render = f.svg
				default:
					return usageError(fmt.Errorf("%s: use a .png or .svg file name", f.path))
				}
				data, err := render()
				if err != nil {
					return err
				}
				if err := os.WriteFile(f.path, data, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s %s\n", f.displayed, f.path)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "QR code links to %s\n", c.URL)
			return nil
		},
	}
	cmd.Flags().StringVar(&base, "url-base", "", "registry base URL; the label ID is appended (required)")
	cmd.Flags().StringVar(&out, "out", "", "QR code file, .png or .svg (required)")
	cmd.Flags().StringVar(&card, "label", "", "printable label file, .png or .svg (default: OUT-label.EXT)")
	return cmd
}
