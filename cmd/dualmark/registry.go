package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/client"
	"github.com/dualmark/dualmark/internal/registry/intake"
)

// This file is the thin client of a running registry (dualmark serve):
// login stores a token per registry URL in the user's config directory, the
// other commands call the API with it.

func init() { subcommands = append(subcommands, newRegistryCmd) }

// registryFlags are the flags every registry subcommand shares.
type registryFlags struct {
	server, token string
	asJSON        bool
}

// registryConfig is the file login writes: one token per registry URL and
// the URL used when --server is not given.
type registryConfig struct {
	Default string                    `json:"default,omitempty"`
	Servers map[string]registryServer `json:"servers"`
}

type registryServer struct {
	Token string `json:"token"`
	Org   string `json:"org,omitempty"`
	Kind  string `json:"kind,omitempty"`
}

// registryConfigPath is $XDG_CONFIG_HOME/dualmark/registry.json (or the
// platform's user config directory).
func registryConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory to keep the registry token in (%v): pass --token or set DUALMARK_TOKEN", err)
	}
	return filepath.Join(dir, "dualmark", "registry.json"), nil
}

func loadRegistryConfig() (*registryConfig, string, error) {
	path, err := registryConfigPath()
	if err != nil {
		return nil, "", err
	}
	c := &registryConfig{Servers: map[string]registryServer{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, path, nil
	}
	if err != nil {
		return nil, path, err
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, path, fmt.Errorf("%s: not a dualmark registry config (%v); remove it and log in again", path, err)
	}
	if c.Servers == nil {
		c.Servers = map[string]registryServer{}
	}
	return c, path, nil
}

// save writes the config readable by its owner only (0600, directory 0700),
// through a temporary file so a crash leaves the old file.
func (c *registryConfig) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".registry-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// normServer makes "http://h:1/" and "http://h:1" the same config key.
func normServer(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }

func (f *registryFlags) add(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.server, "server", envOr("DUALMARK_SERVER", ""), "registry URL (env DUALMARK_SERVER; default: the one you logged in to last)")
	cmd.PersistentFlags().StringVar(&f.token, "token", "", "API token dmr_… (default: env DUALMARK_TOKEN, else the one login stored)")
	cmd.PersistentFlags().BoolVar(&f.asJSON, "json", false, "print the registry's JSON answer")
}

// client returns a client of the chosen registry with the token from
// --token, $DUALMARK_TOKEN or the config file, in that order. needToken
// false allows public reads without one.
func (f *registryFlags) client(needToken bool) (*client.Client, error) {
	server, token := normServer(f.server), f.token
	if token == "" {
		token = os.Getenv("DUALMARK_TOKEN")
	}
	if server == "" || token == "" {
		c, _, err := loadRegistryConfig()
		if err != nil && (server == "" || needToken) {
			return nil, usageError(err)
		}
		if c != nil {
			if server == "" {
				server = c.Default
			}
			if token == "" {
				token = c.Servers[server].Token
			}
		}
	}
	if server == "" {
		return nil, usageError(&cliError{cmd: "dualmark registry", msg: "no registry given",
			hint: "pass --server URL (or set DUALMARK_SERVER), or log in once: dualmark registry login --server URL"})
	}
	if token == "" && needToken {
		return nil, usageError(&cliError{cmd: "dualmark registry", msg: "no API token for " + server,
			hint: "log in with: dualmark registry login --server " + server + " (or pass --token / set DUALMARK_TOKEN)"})
	}
	c, err := client.New(server, token, nil)
	if err != nil {
		return nil, usageError(err)
	}
	return c, nil
}

func newRegistryCmd() *cobra.Command {
	var f registryFlags
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Use a running registry (dualmark serve): log in, list products, upload, issue and revoke labels",
		Long: `A thin client of a registry's API (/api/v1). 'login' checks an API token
(made by the registry's operator or with POST /api/v1/tokens) and stores it
for that registry URL in $XDG_CONFIG_HOME/dualmark/registry.json (0600);
--token or $DUALMARK_TOKEN override it for one command.

Errors the registry answers (RFC 9457 problem documents) are printed with
their status, detail, the field at fault and the request id the operator
finds in the server log.

Exit codes: 0 success, 1 a negative result (label show: the label is not
valid), 2 an error (bad usage, a refused request, the registry unreachable).`,
		Example: `  dualmark registry login --server https://registry.example --token dmr_…
  dualmark registry products --search "smart plug"
  dualmark registry upload examples/smart-plug
  dualmark registry label issue VERSION_ID --bundle smart-plug.label.json
  dualmark registry label show LABEL_ID
  dualmark registry label revoke LABEL_ID --reason "CVE-2026-0001 unpatched"
  dualmark registry share PRODUCT_ID --lab LAB_ORG_ID                      # a manufacturer's token
  dualmark registry queue                                                  # a lab's token
  dualmark registry report attach VERSION_ID ctm-test-report.pdf --title "CTM test report" --accreditation "ISO/IEC 17025 …"`,
	}
	f.add(cmd)
	cmd.AddCommand(newRegistryLoginCmd(&f), newRegistryLogoutCmd(&f), newRegistryProductsCmd(&f), newRegistryUploadCmd(&f), newRegistryLabelCmd(&f),
		newRegistryShareCmd(&f), newRegistryQueueCmd(&f), newRegistryReportCmd(&f))
	return cmd
}

func newRegistryLoginCmd(f *registryFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "login --server URL [--token dmr_…]",
		Short: "Check an API token against the registry and store it for later commands",
		Long: `Reads the token from --token, $DUALMARK_TOKEN or the first line of standard
input, asks the registry whom it belongs to (GET /api/v1/whoami) and stores
it with the URL, which becomes the default registry.`,
		Example: `  dualmark registry login --server http://127.0.0.1:8080 --token dmr_…
  dualmark registry login --server https://registry.example < token.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.server == "" {
				return usageError(errors.New("--server URL is required (the registry to log in to)"))
			}
			token := f.token
			if token == "" {
				token = os.Getenv("DUALMARK_TOKEN")
			}
			if token == "" {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return usageError(errors.New("no token: pass --token, set DUALMARK_TOKEN or give it on standard input"))
				}
				token = strings.TrimSpace(line)
			}
			c, err := client.New(normServer(f.server), token, nil)
			if err != nil {
				return usageError(err)
			}
			who, err := c.WhoAmI(cmd.Context())
			if err != nil {
				return registryError(err)
			}
			conf, path, err := loadRegistryConfig()
			if err != nil {
				return usageError(err)
			}
			conf.Default = c.Server()
			conf.Servers[c.Server()] = registryServer{Token: token, Org: who.Org.Name, Kind: who.Org.Kind}
			if err := conf.save(path); err != nil {
				return err
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), who)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged in to %s as %s (%s), scopes %s; token stored in %s\n",
				c.Server(), who.Org.Name, who.Org.Kind, strings.Join(who.Scopes, ", "), path)
			return nil
		},
	}
}

func newRegistryLogoutCmd(f *registryFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "logout [--server URL]",
		Short:   "Forget the stored token of a registry (it stays valid on the server: revoke it there)",
		Example: `  dualmark registry logout --server http://127.0.0.1:8080`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			conf, path, err := loadRegistryConfig()
			if err != nil {
				return usageError(err)
			}
			server := normServer(f.server)
			if server == "" {
				server = conf.Default
			}
			if _, ok := conf.Servers[server]; !ok {
				return usageError(fmt.Errorf("no token stored for %q", server))
			}
			delete(conf.Servers, server)
			if conf.Default == server {
				conf.Default = ""
			}
			if err := conf.save(path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "forgot the token of %s\n", server)
			return nil
		},
	}
}

func newRegistryProductsCmd(f *registryFlags) *cobra.Command {
	var search, after string
	var limit int
	cmd := &cobra.Command{
		Use:   "products [--search TEXT] [--limit N] [--after ID]",
		Short: "List the products the token may read (its organisation's; an authority's: all)",
		Example: `  dualmark registry products
  dualmark registry products --search Voltic --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(true)
			if err != nil {
				return err
			}
			l, err := c.Products(cmd.Context(), search, after, limit)
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), l)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMANUFACTURER\tPRODUCT\tMODEL\tUPDATED")
			for _, p := range l.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Manufacturer, p.Name, p.Model, p.Updated.Format("2006-01-02"))
			}
			tw.Flush()
			if l.Next != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "more: --after %s\n", l.Next)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&search, "search", "", "only products whose manufacturer, brand, model or name contains TEXT")
	cmd.Flags().IntVar(&limit, "limit", 0, "products per page (registry default 50, at most 500)")
	cmd.Flags().StringVar(&after, "after", "", "the page after this product ID (what the previous page printed)")
	return cmd
}

func newRegistryUploadCmd(f *registryFlags) *cobra.Command {
	var product, key string
	cmd := &cobra.Command{
		Use:   "upload DIR [--product ID] [--idempotency-key KEY]",
		Short: "Register a product (or a new version of one) from a dossier folder",
		Long: `Sends DIR/dossier.yaml, the SBOM it names, its CBOM and every evidence file it
names to the registry, which assesses the version (and scans it with its
advisory database) and stores it, or stores nothing and says why. The
idempotency key defaults to a digest of the files, so running the same
upload again answers with the version registered the first time.`,
		Example: `  dualmark registry upload examples/smart-plug
  dualmark registry upload examples/smart-plug --product PRODUCT_ID
  dualmark registry upload plug-2.4/ --product PRODUCT_ID --idempotency-key release-2.4.0 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			up, err := intake.FromDir(args[0])
			if err != nil {
				return usageError(fmt.Errorf("reading the dossier folder: %w", err))
			}
			c, err := f.client(true)
			if err != nil {
				return err
			}
			cr, err := c.Upload(cmd.Context(), up, product, key)
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), cr)
			}
			verb := "registered"
			if cr.Replayed {
				verb = "already registered (same files, same idempotency key)"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s version %s\nproduct %s\nversion %s\nverdicts %s\n",
				verb, cr.Product.Manufacturer, cr.Product.Name, cr.Version.Version, cr.Product.ID, cr.Version.ID, cr.Version.Verdicts)
			return nil
		},
	}
	cmd.Flags().StringVar(&product, "product", "", "register a new version of this product instead of a new product")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "idempotency key (default: a digest of the files)")
	return cmd
}

func newRegistryLabelCmd(f *registryFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "label",
		Short: "Issue, revoke and show labels the registry signs",
	}
	cmd.AddCommand(newRegistryLabelIssueCmd(f), newRegistryLabelRevokeCmd(f), newRegistryLabelShowCmd(f))
	return cmd
}

// writeNew writes data to path, refusing to replace a file.
func writeNew(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return usageError(fmt.Errorf("%s exists: choose a new file", path))
		}
		return err
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func newRegistryLabelIssueCmd(f *registryFlags) *cobra.Command {
	var bundle string
	cmd := &cobra.Command{
		Use:   "issue VERSION_ID [--bundle FILE]",
		Short: "Have the registry sign a label for a version and append it to its log",
		Example: `  dualmark registry label issue VERSION_ID
  dualmark registry label issue VERSION_ID --bundle plug.label.json   # then: dualmark label verify plug.label.json --trust trust.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if bundle != "" {
				if _, err := os.Stat(bundle); err == nil {
					return usageError(fmt.Errorf("%s exists: choose a new file", bundle))
				}
			}
			c, err := f.client(true)
			if err != nil {
				return err
			}
			l, err := c.IssueLabel(cmd.Context(), args[0])
			if err != nil {
				return registryError(err)
			}
			if bundle != "" {
				b, err := c.Bundle(cmd.Context(), l.Label.ID)
				if err != nil {
					return registryError(err)
				}
				if err := writeNew(bundle, b); err != nil {
					return err
				}
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), l)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "issued label %s (log entry %d)\npublic page %s\n", l.Label.ID, l.Label.LogIndex, l.URL)
			for _, w := range l.Witnesses {
				state := "cosigned"
				if !w.Cosigned {
					state = "did not cosign: " + w.Error
				}
				fmt.Fprintf(cmd.OutOrStdout(), "witness %s %s\n", w.Witness, state)
			}
			if bundle != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", bundle)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&bundle, "bundle", "", "also download the label bundle to FILE (must not exist)")
	return cmd
}

func newRegistryLabelRevokeCmd(f *registryFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "revoke LABEL_ID --reason TEXT",
		Short:   "Revoke a label: a signed revocation goes into the registry's log and the public page says so",
		Example: `  dualmark registry label revoke LABEL_ID --reason "CVE-2026-0001 unpatched"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageError(errors.New("--reason TEXT is required (it is shown on the public page)"))
			}
			c, err := f.client(true)
			if err != nil {
				return err
			}
			l, err := c.RevokeLabel(cmd.Context(), args[0], reason)
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), l)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked label %s: %s\n", l.ID, l.Reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the label is revoked, shown on the public page (required)")
	return cmd
}

func newRegistryLabelShowCmd(f *registryFlags) *cobra.Command {
	var bundle string
	cmd := &cobra.Command{
		Use:   "show ID [--bundle FILE]",
		Short: "Show a label's live status and what its public page says (no token needed)",
		Long: `ID is a label ID (what the QR code carries) or a product ID (its newest
version). Exit code 1 when the label is revoked or superseded, or the
version has none.`,
		Example: `  dualmark registry label show LABEL_ID
  dualmark registry label show LABEL_ID --bundle plug.label.json --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(false)
			if err != nil {
				return err
			}
			p, err := c.Public(cmd.Context(), args[0])
			if err != nil {
				return registryError(err)
			}
			if bundle != "" && p.Label != nil {
				b, err := c.Bundle(cmd.Context(), p.Label.ID)
				if err != nil {
					return registryError(err)
				}
				if err := writeNew(bundle, b); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if f.asJSON {
				if err := printJSON(out, p); err != nil {
					return err
				}
			} else {
				if rec := p.Record; rec != nil {
					fmt.Fprintf(out, "product %s (%s), version %s\n", rec.Product.Name, rec.Manufacturer.Name, p.Version)
					if rec.SupportEnd != "" {
						ended := ""
						if p.SupportEnded {
							ended = " (ended)"
						}
						fmt.Fprintf(out, "security updates until %s%s\n", rec.SupportEnd, ended)
					}
				}
				if l := p.Label; l != nil {
					fmt.Fprintf(out, "label %s: %s", l.ID, l.Status)
					if l.Reason != "" {
						fmt.Fprintf(out, " (%s)", l.Reason)
					}
					fmt.Fprintf(out, "\nissued %s, log entry %d\npage %s\nbundle %s\ntrust %s\n", l.Issued.Format("2006-01-02"), l.LogIndex, l.URL, l.Bundle, l.Trust)
				} else {
					fmt.Fprintln(out, "no label issued for this version")
				}
				if bundle != "" && p.Label != nil {
					fmt.Fprintf(out, "wrote %s\n", bundle)
				}
			}
			if p.Label == nil || p.Label.Status != "valid" {
				return failed()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&bundle, "bundle", "", "also download the label bundle to FILE (must not exist)")
	return cmd
}

// registryError turns a client error into dualmark's exit code 2 with the
// problem's message; hints.go adds what to do for the common statuses.
func registryError(err error) error { return usageError(err) }

func newRegistryShareCmd(f *registryFlags) *cobra.Command {
	var lab string
	var remove bool
	cmd := &cobra.Command{
		Use:   "share PRODUCT_ID --lab LAB_ORG_ID [--remove]",
		Short: "Share a product with a lab (it then reads it and attaches test reports), or end that with --remove",
		Example: `  dualmark registry share PRODUCT_ID --lab LAB_ORG_ID
  dualmark registry share PRODUCT_ID --lab LAB_ORG_ID --remove`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lab == "" {
				return usageError(errors.New("--lab LAB_ORG_ID is required (the lab organisation's ID, from the registry's operator)"))
			}
			c, err := f.client(true)
			if err != nil {
				return err
			}
			if remove {
				if err := c.Unshare(cmd.Context(), args[0], lab); err != nil {
					return registryError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "product %s is no longer shared with lab %s\n", args[0], lab)
				return nil
			}
			sh, err := c.Share(cmd.Context(), args[0], lab)
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), sh)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "product %s shared with %s (%s)\n", sh.ProductID, sh.OrgName, sh.OrgID)
			return nil
		},
	}
	cmd.Flags().StringVar(&lab, "lab", "", "the lab organisation's ID (required)")
	cmd.Flags().BoolVar(&remove, "remove", false, "end the lab's access instead")
	return cmd
}

func newRegistryQueueCmd(f *registryFlags) *cobra.Command {
	var after string
	var limit int
	cmd := &cobra.Command{
		Use:     "queue [--limit N] [--after ID]",
		Short:   "List the products shared with your lab (a lab's token)",
		Example: `  dualmark registry queue --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(true)
			if err != nil {
				return err
			}
			l, err := c.Queue(cmd.Context(), after, limit)
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), l)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tMANUFACTURER\tPRODUCT\tMODEL")
			for _, p := range l.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Manufacturer, p.Name, p.Model)
			}
			tw.Flush()
			if l.Next != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "more: --after %s\n", l.Next)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "products per page (registry default 50, at most 500)")
	cmd.Flags().StringVar(&after, "after", "", "the page after this product ID")
	return cmd
}

func newRegistryReportCmd(f *registryFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Attach a lab's test report to a version, or list a version's reports",
	}
	var title, accreditation string
	attach := &cobra.Command{
		Use:   "attach VERSION_ID FILE --title TEXT --accreditation TEXT",
		Short: "Attach a test report (a lab's token); the registry signs an attestation of it",
		Long: `Sends FILE to the registry as a test report of a version shared with your lab.
The registry stores it with its SHA-256 and signs an attestation (producer
accredited-lab, your lab, the accreditation you state, the version) that the
manufacturer can cite in its dossier's evidence.`,
		Example: `  dualmark registry report attach VERSION_ID ctm-test-report.md --title "US Cyber Trust Mark test report" --accreditation "FCC-recognised CyberLAB, ISO/IEC 17025"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(title) == "" || strings.TrimSpace(accreditation) == "" {
				return usageError(errors.New("--title TEXT and --accreditation TEXT are required"))
			}
			content, err := os.ReadFile(args[1])
			if err != nil {
				return usageError(fmt.Errorf("reading the report: %w", err))
			}
			c, err := f.client(true)
			if err != nil {
				return err
			}
			r, err := c.AttachReport(cmd.Context(), args[0], registry.ReportRequest{Name: filepath.Base(args[1]), Title: title, Accreditation: accreditation, Content: content})
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), r)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "attached report %s (%s, %d bytes, sha256 %s) by %s to version %s\n", r.ID, r.Name, r.Size, r.SHA256, r.Lab, r.VersionID)
			return nil
		},
	}
	attach.Flags().StringVar(&title, "title", "", "the report's title (required)")
	attach.Flags().StringVar(&accreditation, "accreditation", "", "your lab's accreditation, e.g. ISO/IEC 17025 with its number (required)")
	list := &cobra.Command{
		Use:     "list VERSION_ID",
		Short:   "List a version's test reports with their attestations",
		Example: `  dualmark registry report list VERSION_ID --json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(true)
			if err != nil {
				return err
			}
			l, err := c.Reports(cmd.Context(), args[0])
			if err != nil {
				return registryError(err)
			}
			if f.asJSON {
				return printJSON(cmd.OutOrStdout(), l)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLAB\tNAME\tSHA-256\tATTACHED")
			for _, r := range l.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Lab, r.Name, r.SHA256, r.Created.Format("2006-01-02"))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(attach, list)
	return cmd
}
