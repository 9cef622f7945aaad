package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/dualmark/dualmark/internal/witness"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newWitnessCmd) }

func newWitnessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Run a C2SP transparency-log witness, and manage the witnesses and quorum of a trust file",
		Long: `A witness checks that each new checkpoint of a log it follows is consistent
with the last one it cosigned, and cosigns it (c2sp.org/tlog-witness,
c2sp.org/tlog-cosignature: ML-DSA-44 and Ed25519). Logs ask witnesses with
"dualmark label issue --witness URL"; verifiers require a quorum of witness
cosignatures, set in the trust file with "dualmark witness policy".`,
		Example: `  dualmark witness keys generate --out wkeys --name witness.example.org/w1 --trust trust.json --url http://127.0.0.1:7380
  dualmark witness serve --keys wkeys --trust trust.json --state w1.db --addr 127.0.0.1:7380
  dualmark witness policy --trust trust.json --quorum 2
  dualmark label issue examples/smart-plug --keys keys --log log --out plug.label.json --trust trust.json --witness http://127.0.0.1:7380`,
		PersistentPreRun: func(*cobra.Command, []string) { tlog.QuietLibraryLogs() },
	}
	keysCmd := &cobra.Command{
		Use:   "keys",
		Short: "Create witness keys and add them to a trust file",
		Example: `  dualmark witness keys generate --out wkeys --name witness.example.org/w1
  dualmark witness keys public wkeys --trust trust.json --url https://witness.example.org/w1`,
	}
	keysCmd.AddCommand(newWitnessKeysGenerateCmd(), newWitnessKeysPublicCmd())
	cmd.AddCommand(newWitnessServeCmd(), keysCmd, newWitnessPolicyCmd(), newWitnessStatusCmd())
	return cmd
}

// witnessTrustFlags adds a witness key set to a trust file.
type witnessTrustFlags struct {
	trust, url string
	replace    bool
}

func (f *witnessTrustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.trust, "trust", "", "add the witness to this trust file (created if missing)")
	cmd.Flags().StringVar(&f.url, "url", "", "the witness's submission URL, for logs that submit to it")
	cmd.Flags().BoolVar(&f.replace, "replace", false, "replace a witness of the same name already in the trust file")
}

func (f *witnessTrustFlags) apply(w io.Writer, ws *keys.WitnessSet) error {
	if f.trust == "" {
		return nil
	}
	t := &keys.Trust{Version: keys.TrustVersion}
	if _, err := os.Stat(f.trust); err == nil {
		if t, err = keys.LoadTrust(f.trust); err != nil {
			return err
		}
	}
	var vk []string
	for _, v := range ws.VKeys() {
		vk = append(vk, v.String())
	}
	tw, err := keys.NewTrustedWitness(ws.Name, strings.TrimSuffix(f.url, "/"), vk)
	if err != nil {
		return usageError(err)
	}
	if err := t.AddWitness(tw, f.replace); err != nil {
		return usageError(err)
	}
	if err := t.Save(f.trust); err != nil {
		return err
	}
	fmt.Fprintf(w, "added witness %s to %s (%d witnesses; set the quorum with: dualmark witness policy --trust %s --quorum N)\n", ws.Name, f.trust, len(t.Witnesses), f.trust)
	return nil
}

func printWitnessKeys(w io.Writer, ws *keys.WitnessSet) {
	fmt.Fprintf(w, "witness %s, C2SP cosigner verifier keys:\n", ws.Name)
	for _, v := range ws.VKeys() {
		fmt.Fprintln(w, " ", v)
	}
}

func newWitnessKeysGenerateCmd() *cobra.Command {
	var out, name string
	var tf witnessTrustFlags
	cmd := &cobra.Command{
		Use:   "generate --out DIR --name NAME",
		Short: "Generate witness keys (ML-DSA-44 and Ed25519; never overwrites)",
		Example: `  dualmark witness keys generate --out wkeys --name witness.example.org/w1
  dualmark witness keys generate --out wkeys --name witness.example.org/w1 --trust trust.json --url https://witness.example.org/w1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" || name == "" {
				return usageError(errors.New("--out DIR and --name NAME are required"))
			}
			ws, err := keys.GenerateWitnessSet(name, nil, time.Now())
			if err != nil {
				return usageError(err)
			}
			if err := ws.Write(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote witness key directory %s\n", out)
			printWitnessKeys(cmd.OutOrStdout(), ws)
			return tf.apply(cmd.OutOrStdout(), ws)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "new key directory (must not exist or be empty)")
	cmd.Flags().StringVar(&name, "name", "", "cosigner name, a schema-less URL such as witness.example.org/w1 (required)")
	tf.register(cmd)
	return cmd
}

func newWitnessKeysPublicCmd() *cobra.Command {
	var tf witnessTrustFlags
	cmd := &cobra.Command{
		Use:   "public DIR",
		Short: "Print a witness's verifier keys, or add the witness to a trust file",
		Example: `  dualmark witness keys public wkeys
  dualmark witness keys public wkeys --trust trust.json --url https://witness.example.org/w1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := keys.LoadWitnessSet(args[0])
			if err != nil {
				return err
			}
			if tf.trust != "" {
				return tf.apply(cmd.OutOrStdout(), ws)
			}
			printWitnessKeys(cmd.OutOrStdout(), ws)
			return nil
		},
	}
	tf.register(cmd)
	return cmd
}

func newWitnessPolicyCmd() *cobra.Command {
	var trust string
	var quorum int
	var names []string
	cmd := &cobra.Command{
		Use:   "policy --trust FILE --quorum N",
		Short: "Require N witness cosignatures on every checkpoint a label relies on",
		Long: `Sets the trust file's witness policy: "label verify" then fails unless at
least N of the named witnesses (default: every witness in the trust file)
cosigned the bundle's checkpoint. The trust file becomes version 2, which
dualmark versions without witness support refuse rather than ignore.`,
		Example: `  dualmark witness policy --trust trust.json --quorum 2
  dualmark witness policy --trust trust.json --quorum 1 --witness witness.example.org/w1 --witness witness.example.net/w2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if trust == "" {
				return usageError(errors.New("--trust FILE is required"))
			}
			t, err := keys.LoadTrust(trust)
			if err != nil {
				return usageError(err)
			}
			if err := t.SetWitnessPolicy(quorum, names); err != nil {
				return usageError(err)
			}
			if err := t.Save(trust); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: checkpoints need %d of %d witness cosignatures\n", trust, quorum, len(t.PolicyWitnesses()))
			return nil
		},
	}
	cmd.Flags().StringVar(&trust, "trust", "", "trust file to edit (required)")
	cmd.Flags().IntVar(&quorum, "quorum", 0, "how many witnesses must cosign (required)")
	cmd.Flags().StringArrayVar(&names, "witness", nil, "a witness the quorum counts (repeatable; default all)")
	return cmd
}

func newWitnessServeCmd() *cobra.Command {
	var keyDir, trust, db, addr string
	var origins []string
	cmd := &cobra.Command{
		Use:   "serve --keys DIR --trust FILE --state FILE --addr HOST:PORT",
		Short: "Serve POST /add-checkpoint for the logs in a trust file",
		Long: `Follows every log whose keys are in the trust file (or only --origin ones),
keeping the latest cosigned checkpoint of each in the SQLite file --state, and
serves c2sp.org/tlog-witness: POST /add-checkpoint and
GET /<hex SHA-256 of origin>/checkpoint. It runs until interrupted.`,
		Example: `  dualmark witness serve --keys wkeys --trust trust.json --state w1.db --addr 127.0.0.1:7380`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyDir == "" || trust == "" || db == "" || addr == "" {
				return usageError(errors.New("--keys DIR, --trust FILE, --state FILE and --addr HOST:PORT are required"))
			}
			ws, err := keys.LoadWitnessSet(keyDir)
			if err != nil {
				return usageError(err)
			}
			tr, err := keys.LoadTrust(trust)
			if err != nil {
				return usageError(err)
			}
			st, err := witness.OpenStore(db)
			if err != nil {
				return err
			}
			defer st.Close()
			w, err := witness.New(witness.Config{Keys: ws, Trust: tr, Origins: origins, Store: st})
			if err != nil {
				return usageError(err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			follow := w.Origins()
			sort.Strings(follow)
			fmt.Fprintf(cmd.ErrOrStderr(), "witness %s listening on http://%s, following %s\n", ws.Name, ln.Addr(), strings.Join(follow, ", "))
			srv := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(sctx)
			}()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyDir, "keys", "", "witness key directory (required)")
	cmd.Flags().StringVar(&trust, "trust", "", "trust file whose log keys say which logs to follow (required)")
	cmd.Flags().StringVar(&db, "state", "", "SQLite state file, created on first use (required)")
	aliasFlag(cmd.Flags(), "state", "db")
	cmd.Flags().StringVar(&addr, "addr", "", "listen address, e.g. 127.0.0.1:7380 (required)")
	cmd.Flags().StringArrayVar(&origins, "origin", nil, "follow only this log origin (repeatable)")
	return cmd
}

func newWitnessStatusCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "status --state FILE",
		Short:   "Show the latest cosigned checkpoint of each log, and refused checkpoints",
		Example: `  dualmark witness status --state w1.db --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if db == "" {
				return usageError(errors.New("--state FILE is required"))
			}
			if _, err := os.Stat(db); err != nil {
				return usageError(err)
			}
			st, err := witness.OpenStore(db)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := cmd.Context()
			logs, err := st.Origins(ctx)
			if err != nil {
				return err
			}
			type row struct {
				Origin   string    `json:"origin"`
				Size     uint64    `json:"size"`
				Updated  time.Time `json:"updated"`
				Refused  int       `json:"refused"`
				LastWhy  string    `json:"lastRefusal,omitempty"`
				Cosigned string    `json:"checkpoint"`
			}
			var rows []row
			for o, s := range logs {
				ref, err := st.RefusedCheckpoints(ctx, o)
				if err != nil {
					return err
				}
				r := row{Origin: o, Size: s.Size, Updated: s.Updated, Refused: len(ref), Cosigned: string(s.Note)}
				if len(ref) > 0 {
					r.LastWhy = ref[len(ref)-1].Reason
				}
				rows = append(rows, r)
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i].Origin < rows[j].Origin })
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rows)
			}
			for _, r := range rows {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: size %d, cosigned %s, %d refused checkpoint(s)", r.Origin, r.Size, r.Updated.Format(time.RFC3339), r.Refused)
				if r.LastWhy != "" {
					fmt.Fprintf(cmd.OutOrStdout(), " (last: %s)", r.LastWhy)
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "state", "", "witness state file (required)")
	aliasFlag(cmd.Flags(), "state", "db")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// witnessFlags are the witness options of "label issue" and "label witness".
type witnessFlags struct {
	urls   []string
	trust  string
	quorum int
}

func (f *witnessFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.urls, "witness", nil, "witness submission URL to ask for a cosignature (repeatable; its keys must be in --trust)")
	cmd.Flags().StringVar(&f.trust, "trust", "", "trust file listing the witnesses' keys (with --witness)")
	cmd.Flags().IntVar(&f.quorum, "witness-quorum", 0, "cosignatures needed (default: the trust file's witness policy, else all witnesses asked)")
}

func (f *witnessFlags) enabled() bool { return len(f.urls) > 0 }

// cosignBundle asks the witnesses to cosign the bundle's checkpoint,
// publishes the cosigned checkpoint in the log directory and reports each
// witness on w. It returns how many cosigned and how many were needed.
func (f *witnessFlags) cosignBundle(ctx context.Context, w io.Writer, b *label.Bundle, logDir string) ([]witness.Outcome, int, error) {
	if f.trust == "" {
		return nil, 0, usageError(errors.New("--witness needs --trust FILE with the witnesses' keys"))
	}
	tr, err := keys.LoadTrust(f.trust)
	if err != nil {
		return nil, 0, usageError(err)
	}
	eps, err := witness.EndpointsFromTrust(tr, f.urls)
	if err != nil {
		return nil, 0, usageError(err)
	}
	need := f.quorum
	if need == 0 && tr.WitnessPolicy != nil {
		need = tr.WitnessPolicy.Quorum
	}
	if need == 0 {
		need = len(eps)
	}
	outs, err := label.Witness(ctx, b, tlog.NewReader(logDir), &witness.Client{}, eps, need)
	if err != nil {
		return nil, need, err
	}
	if _, err := tlog.PublishCosigned(logDir, []byte(b.Log.Checkpoint)); err != nil {
		return nil, need, err
	}
	for _, o := range outs {
		if o.Cosigned {
			fmt.Fprintf(w, "  witness %s: cosigned (%v, %d attempt(s))\n", o.Witness, o.Latency.Round(time.Millisecond), o.Attempts)
		} else {
			fmt.Fprintf(w, "  witness %s: NOT cosigned after %d attempt(s): %s\n", o.Witness, o.Attempts, o.Error)
		}
	}
	return outs, need, nil
}

func countCosigned(outs []witness.Outcome) int {
	n := 0
	for _, o := range outs {
		if o.Cosigned {
			n++
		}
	}
	return n
}

func newLabelWitnessCmd() *cobra.Command {
	var logDir string
	var wf witnessFlags
	cmd := &cobra.Command{
		Use:   "witness BUNDLE --log DIR --trust FILE --witness URL…",
		Short: "Ask witnesses (again) to cosign a bundle's checkpoint, and update the bundle",
		Long: `For a bundle issued while witnesses were down, or before they were configured:
submits its checkpoint (or the log's newer one, with a new inclusion proof) to
the witnesses and writes the cosigned checkpoint into the bundle.

Exit codes: 0 quorum met, 1 fewer cosignatures than needed (the bundle is
still updated with those collected), 2 error.`,
		Example: `  dualmark label witness plug.label.json --log log --trust trust.json --witness https://w1.example.org --witness https://w2.example.net`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if logDir == "" || !wf.enabled() {
				return usageError(errors.New("--log DIR and at least one --witness URL are required"))
			}
			b, err := label.ReadBundle(args[0])
			if err != nil {
				return usageError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "label %s, log %s tree size %d:\n", label.ID(&b.Envelope), b.Log.Origin, b.Log.TreeSize)
			outs, need, err := wf.cosignBundle(cmd.Context(), cmd.OutOrStdout(), b, logDir)
			if err != nil {
				return err
			}
			if err := writeBundle(args[0], b); err != nil {
				return err
			}
			return quorumResult(cmd.ErrOrStderr(), outs, need)
		},
	}
	cmd.Flags().StringVar(&logDir, "log", "", "the log directory (required)")
	wf.register(cmd)
	return cmd
}

// quorumResult warns and returns exit 1 when fewer witnesses cosigned than
// needed.
func quorumResult(w io.Writer, outs []witness.Outcome, need int) error {
	if got := countCosigned(outs); got < need {
		fmt.Fprintf(w, "dualmark: WARNING: %d of %d witnesses cosigned, %d needed: the bundle fails verification under that quorum until 'dualmark label witness' succeeds\n", got, len(outs), need)
		return failed()
	}
	return nil
}
