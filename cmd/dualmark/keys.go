package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newKeysCmd) }

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create label signing keys and manage the trust file verifiers use",
		Long: `A key directory holds four keys: Ed25519 and ML-DSA-65 keys that sign labels,
and Ed25519 and ML-DSA-44 keys that sign the transparency log's checkpoints.
Private keys are PKCS#8 PEM files written with mode 0600 and never overwritten.

A trust file lists every public key a verifier accepts, with its validity
period and revocation. Rotate keys by generating a new directory and adding it
with --supersede: old labels keep verifying, new ones must use the new keys.`,
		Example: `  dualmark keys generate --out keys/2026 --issuer "Acme Devices GmbH" --trust trust.json
  dualmark keys public keys/2026
  dualmark keys generate --out keys/2027 --issuer "Acme Devices GmbH" --origin dualmark.local/log/1a2b3c4d5e6f7a8b
  dualmark keys public keys/2027 --trust trust.json --supersede
  dualmark keys revoke 9f3c2a1b --trust trust.json --reason "laptop stolen"`,
	}
	cmd.AddCommand(newKeysGenerateCmd(), newKeysPublicCmd(), newKeysRevokeCmd())
	return cmd
}

func newKeysGenerateCmd() *cobra.Command {
	var out, issuer, origin, trust string
	cmd := &cobra.Command{
		Use:   "generate --out DIR --issuer NAME",
		Short: "Generate a new key directory (never overwrites existing keys)",
		Example: `  dualmark keys generate --out keys/2026 --issuer "Acme Devices GmbH"
  dualmark keys generate --out keys/2026 --issuer "Acme Devices GmbH" --trust trust.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError(errors.New("--out DIR is required"))
			}
			s, err := keys.GenerateSet(issuer, origin, nil, time.Now())
			if err != nil {
				return usageError(err)
			}
			if err := s.Write(out); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote key directory %s for %s (log origin %s)\n", out, s.Issuer, s.LogOrigin)
			printKeys(w, s)
			if trust != "" {
				return addToTrust(cmd, s, trust, time.Now(), false)
			}
			fmt.Fprintf(w, "next: dualmark keys public %s --trust trust.json\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "new key directory (must not exist or be empty)")
	cmd.Flags().StringVar(&issuer, "issuer", "", "issuer name shown in labels, e.g. the manufacturer (required)")
	cmd.Flags().StringVar(&origin, "origin", "", "transparency-log origin; reuse the old one when rotating keys of an existing log")
	cmd.Flags().StringVar(&trust, "trust", "", "also add the public keys to this trust file (created if missing)")
	return cmd
}

func printKeys(w interface{ Write([]byte) (int, error) }, s *keys.Set) {
	for _, rk := range s.PublicKeys() {
		fmt.Fprintf(w, "  %-5s %-9s %s\n", rk.Role, keys.AlgorithmTitle(rk.Key.Alg), rk.Key.ID())
	}
}

func addToTrust(cmd *cobra.Command, s *keys.Set, path string, from time.Time, supersede bool) error {
	t := &keys.Trust{Version: keys.TrustVersion}
	if _, err := os.Stat(path); err == nil {
		if t, err = keys.LoadTrust(path); err != nil {
			return err
		}
	}
	if err := t.AddSet(s, from, supersede); err != nil {
		return usageError(err)
	}
	if err := t.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "added %d keys of %s to %s (valid from %s)\n", len(s.PublicKeys()), s.Issuer, path, from.UTC().Format(time.RFC3339))
	return nil
}

func newKeysPublicCmd() *cobra.Command {
	var trust, from string
	var supersede, asJSON bool
	cmd := &cobra.Command{
		Use:   "public DIR",
		Short: "Print a key directory's public keys, or add them to a trust file",
		Example: `  dualmark keys public keys/2026
  dualmark keys public keys/2026 --json
  dualmark keys public keys/2027 --trust trust.json --supersede`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := keys.LoadSet(args[0])
			if err != nil {
				return err
			}
			if trust != "" {
				at := time.Now()
				if from != "" {
					if at, err = time.Parse(time.RFC3339, from); err != nil {
						return usageError(fmt.Errorf("--valid-from: %v (want RFC 3339, e.g. 2026-12-01T00:00:00Z)", err))
					}
				}
				return addToTrust(cmd, s, trust, at, supersede)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				type pk struct {
					Role      string `json:"role"`
					Algorithm string `json:"algorithm"`
					KeyID     string `json:"keyid"`
					PublicKey string `json:"publicKey"`
				}
				out := struct {
					Issuer    string   `json:"issuer"`
					LogOrigin string   `json:"logOrigin"`
					VKeys     []string `json:"vkeys"`
					Keys      []pk     `json:"keys"`
				}{Issuer: s.Issuer, LogOrigin: s.LogOrigin, VKeys: tlog.VKeys(s)}
				for _, rk := range s.PublicKeys() {
					out.Keys = append(out.Keys, pk{rk.Role, rk.Key.Alg, rk.Key.ID(), string(rk.Key.PEM())})
				}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(w, "issuer %s, log origin %s\n", s.Issuer, s.LogOrigin)
			for _, rk := range s.PublicKeys() {
				fmt.Fprintf(w, "\n%s key, %s, key ID %s\n%s", rk.Role, keys.AlgorithmTitle(rk.Key.Alg), rk.Key.ID(), rk.Key.PEM())
			}
			fmt.Fprintln(w, "\nC2SP checkpoint verifier keys:")
			for _, v := range tlog.VKeys(s) {
				fmt.Fprintln(w, " ", v)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&trust, "trust", "", "add the keys to this trust file instead of printing them (created if missing)")
	cmd.Flags().BoolVar(&supersede, "supersede", false, "rotation: end the validity of the issuer's current label keys when the new ones start")
	cmd.Flags().StringVar(&from, "valid-from", "", "start of validity, RFC 3339 (default now)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newKeysRevokeCmd() *cobra.Command {
	var trust, reason, at string
	cmd := &cobra.Command{
		Use:     "revoke KEYID --trust FILE --reason TEXT",
		Short:   "Mark a key as revoked in a trust file: every label it signed stops verifying",
		Example: `  dualmark keys revoke 9f3c2a1b --trust trust.json --reason "private key leaked"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if trust == "" {
				return usageError(errors.New("--trust FILE is required"))
			}
			t, err := keys.LoadTrust(trust)
			if err != nil {
				return err
			}
			when := time.Now()
			if at != "" {
				if when, err = time.Parse(time.RFC3339, at); err != nil {
					return usageError(fmt.Errorf("--at: %v (want RFC 3339)", err))
				}
			}
			k, err := t.Revoke(args[0], when, reason)
			if err != nil {
				return usageError(err)
			}
			if err := t.Save(trust); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s key %s (%s) in %s\n", keys.AlgorithmTitle(k.Algorithm), k.KeyID, reason, trust)
			return nil
		},
	}
	cmd.Flags().StringVar(&trust, "trust", "", "trust file to edit (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the key is revoked (required)")
	cmd.Flags().StringVar(&at, "at", "", "revocation time, RFC 3339 (default now)")
	return cmd
}
