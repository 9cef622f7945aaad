package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/dualmark/dualmark/internal/registry"
	"github.com/dualmark/dualmark/internal/registry/auth"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newServeCmd) }

// serveFlags are the flags every serve subcommand shares.
type serveFlags struct {
	data, database, baseURL, issuer, advisories string
}

func (f *serveFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", envOr("DUALMARK_DATA", ""), "data directory: SQLite database, keys, trust file, log (env DUALMARK_DATA; required)")
	cmd.Flags().StringVar(&f.database, "database", envOr("DUALMARK_DATABASE", ""), "postgres://… URL instead of SQLite in DIR (env DUALMARK_DATABASE)")
	cmd.Flags().StringVar(&f.baseURL, "base-url", envOr("DUALMARK_BASE_URL", ""), "public URL of the registry, used in QR codes (default http://ADDR)")
	cmd.Flags().StringVar(&f.issuer, "issuer", "dualmark registry", "issuer name in the labels the registry signs (first start only)")
	cmd.Flags().StringVar(&f.advisories, "db", envOr("DUALMARK_ADVISORIES", ""), "advisory database folder to scan uploads with (from 'dualmark db import'; env DUALMARK_ADVISORIES)")
	aliasFlag(cmd.Flags(), "db", "advisories")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (f *serveFlags) config(addr string) (registry.Config, error) {
	if f.data == "" {
		return registry.Config{}, usageError(errors.New("--data DIR is required"))
	}
	base := f.baseURL
	if base == "" {
		base = "http://" + addr
	}
	return registry.Config{Data: f.data, Database: f.database, BaseURL: base, Issuer: f.issuer, AdvisoryDB: f.advisories}, nil
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	var addr string
	var maxUpload int64
	var initAdmin, insecureCookies, webhooksPrivate bool
	var witnesses []string
	var witnessTrust, appender string
	logAppender := true
	var watch watchOptions
	cmd := &cobra.Command{
		Use:   "serve --data DIR [--database postgres://…] [--addr 127.0.0.1:8080] [--init-admin] [--witness URL… --trust FILE]",
		Short: "Run the public registry: product pages behind the QR codes, the log, the API and the members' UI",
		Long: `Runs the registry where every label's QR code leads. Everything lives in DIR:
registry.db (SQLite), the registry's signing keys (keys/, made on first start),
trust.json, the transparency log (log/) and the session key. With --database
postgres://… the products, versions and labels are kept in PostgreSQL instead.

Public: /p/{label or product id} (HTML, or JSON with Accept: application/json),
/search, /trust.json, /log/ (C2SP tlog-tiles). Members: /login, /dashboard.
API: /api/v1 (OpenAPI document at /api/v1/openapi.json). Operations: /healthz,
/readyz, /metrics. SIGTERM or SIGINT lets requests in flight finish, then exits.

--init-admin prints a new admin API token once (the operator organisation is
created when missing); use it to create organisations, members and tokens.

--witness URL (repeatable) with --trust FILE (the witnesses' keys and quorum,
as 'label issue --witness' reads it): after every label the registry asks the
witnesses to cosign the log's checkpoint, stores the cosigned checkpoint in
the bundle, publishes it as /log/checkpoint.cosigned and says in the API
answer which witnesses cosigned. A witness that is down is retried a bounded
number of times and delays nothing else; the label is issued either way.

Webhooks (/api/v1/subscriptions): events such as a revoked label are sent,
signed, to the organisations' subscribed URLs, with retries; they reach
public addresses only unless --webhooks-private is given.

Several replicas behind a load balancer share one --database postgres://…;
exactly one of them appends to the log (the default, --log-appender). Start
the others with --log-appender=false --appender URL (the appender's address
as the replicas reach it) and the appender's session.key copied into their
--data: they forward label issuance and revocation, /trust.json and /log/ to
the appender and serve everything else from the database.`,
		Example: `  dualmark serve --data reg/ --init-admin
  dualmark serve --data reg/ --addr 127.0.0.1:8080 --base-url https://registry.example
  dualmark serve --data reg/ --trust witnesses.json --witness http://127.0.0.1:17381 --witness http://127.0.0.1:17382
  dualmark serve --data reg/ --database postgres://postgres@127.0.0.1:5432/test?sslmode=disable
  dualmark serve --data reg-b/ --database postgres://… --addr 127.0.0.1:8081 --log-appender=false --appender http://127.0.0.1:8080
  dualmark serve member --data reg/ --org "Voltic Home Devices GmbH" --email anna@voltic.example
  dualmark serve seed --data bench-reg/ --count 10000
  dualmark serve backup --data reg/ --out reg-backup.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.config(addr)
			if err != nil {
				return err
			}
			cfg.MaxUpload, cfg.InsecureCookies = maxUpload, insecureCookies
			cfg.Notify.AllowPrivate = webhooksPrivate
			if len(witnesses) > 0 && witnessTrust == "" {
				return usageError(errors.New("--witness needs --trust FILE with the witnesses' keys"))
			}
			cfg.Witnesses, cfg.WitnessTrust = witnesses, witnessTrust
			switch {
			case logAppender && appender != "":
				return usageError(errors.New("--appender URL is for a replica that does not append: add --log-appender=false"))
			case !logAppender && appender == "":
				return usageError(errors.New("--log-appender=false needs --appender URL, the replica that appends to the log"))
			case !logAppender && f.database == "":
				return usageError(errors.New("--log-appender=false needs --database postgres://…, the database the appender uses"))
			}
			cfg.Appender = appender
			cfg.Logger = slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			if err := watch.check(cfg); err != nil {
				return err
			}
			return serveWith(cmd.Context(), cmd.OutOrStdout(), cfg, addr, initAdmin, watch)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().Int64Var(&maxUpload, "max-upload", registry.DefaultMaxUpload, "largest upload request body in bytes")
	cmd.Flags().BoolVar(&initAdmin, "init-admin", false, "print a new admin API token (shown once)")
	cmd.Flags().BoolVar(&insecureCookies, "insecure-cookies", false, "session cookies without the Secure flag, for plain-HTTP loopback use only")
	cmd.Flags().BoolVar(&webhooksPrivate, "webhooks-private", false, "let webhooks reach loopback and private addresses (by default they reach public addresses only)")
	cmd.Flags().StringArrayVar(&witnesses, "witness", nil, "witness submission URL asked to cosign every new checkpoint (repeatable; its keys must be in --trust)")
	cmd.Flags().StringVar(&witnessTrust, "trust", "", "trust file with the witnesses' keys and quorum (with --witness)")
	cmd.Flags().BoolVar(&logAppender, "log-appender", true, "this replica holds the keys and appends to the log (exactly one per database)")
	cmd.Flags().StringVar(&appender, "appender", envOr("DUALMARK_APPENDER", ""), "with --log-appender=false: URL of the replica that appends, to forward labels and /log/ to (env DUALMARK_APPENDER)")
	watch.add(cmd)
	cmd.AddCommand(newServeMemberCmd(), newServeSeedCmd(), newServeBackupCmd(), newServeRematchCmd(), newServeCSAFCmd())
	return cmd
}

// serve runs the registry until ctx ends or SIGTERM/SIGINT arrives.
func serve(ctx context.Context, out io.Writer, cfg registry.Config, addr string, initAdmin bool) error {
	return serveWith(ctx, out, cfg, addr, initAdmin, watchOptions{})
}

// serveWith is serve with the monitoring options (crisis.go).
func serveWith(ctx context.Context, out io.Writer, cfg registry.Config, addr string, initAdmin bool, watch watchOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	start := time.Now()
	s, err := registry.Open(ctx, cfg)
	if err != nil {
		return err
	}
	closeServer := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.Close(cctx)
	}
	if initAdmin {
		tok, err := s.InitAdmin(ctx)
		if err != nil {
			closeServer()
			return err
		}
		fmt.Fprintf(out, "admin token (shown once, keep it secret):\n%s\n", tok)
	}
	if err := watch.start(ctx, out, s, cfg); err != nil {
		closeServer()
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		closeServer()
		return err
	}
	hs := registry.HTTPServer(s.Handler(), registry.Timeouts{}) // slowloris: header, body and idle timeouts, 64 KiB of headers
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(out, "dualmark registry listening on http://%s (public URL %s), ready in %s\n", ln.Addr(), cfg.BaseURL, time.Since(start).Round(time.Millisecond))
	select {
	case err := <-errc:
		closeServer()
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx) // in-flight requests finish; uploads are stored in one transaction or not at all
	if cerr := closeServer(); err == nil {
		err = cerr
	}
	fmt.Fprintln(out, "dualmark registry stopped")
	return err
}

func newServeMemberCmd() *cobra.Command {
	var f serveFlags
	var org, kind, email string
	cmd := &cobra.Command{
		Use:   "member --data DIR --org NAME --email ADDRESS",
		Short: "Add a member who logs in to the web UI (the organisation is created when missing)",
		Long: `Reads the password from $DUALMARK_PASSWORD or, when unset, from the first line
of standard input (at least 12 characters).`,
		Example: `  DUALMARK_PASSWORD='correct horse battery' dualmark serve member --data reg/ --org "Voltic Home Devices GmbH" --email anna@voltic.example
  dualmark serve member --data reg/ --org "CSIRT Example" --kind authority --email duty@csirt.example < password.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if org == "" || email == "" {
				return usageError(errors.New("--org NAME and --email ADDRESS are required"))
			}
			password := os.Getenv("DUALMARK_PASSWORD")
			if password == "" {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return usageError(errors.New("no password: set DUALMARK_PASSWORD or give it on standard input"))
				}
				password = strings.TrimRight(line, "\r\n")
			}
			if len(password) < 12 {
				return usageError(errors.New("the password must have at least 12 characters"))
			}
			cfg, err := f.config("127.0.0.1:8080")
			if err != nil {
				return err
			}
			id, err := addMember(cmd.Context(), cfg, org, kind, email, password)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "member %s added to %s (%s, organisation %s)\n", email, org, kind, id)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&org, "org", "", "organisation name (required)")
	cmd.Flags().StringVar(&kind, "kind", store.KindManufacturer, "organisation kind when it is created: manufacturer, lab or authority")
	cmd.Flags().StringVar(&email, "email", "", "the member's e-mail address, their login (required)")
	return cmd
}

func addMember(ctx context.Context, cfg registry.Config, orgName, kind, email, password string) (string, error) {
	switch kind {
	case store.KindManufacturer, store.KindLab, store.KindAuthority:
	default:
		return "", usageError(fmt.Errorf("--kind %q: use manufacturer, lab or authority", kind))
	}
	// the store alone: a running server holds the log's lock
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return "", err
	}
	st, err := store.Open(ctx, dsn(cfg))
	if err != nil {
		return "", err
	}
	defer st.Close()
	a := store.Actor{UserID: "serve member", Remote: "local"}
	orgs, err := st.ListOrgs(ctx)
	if err != nil {
		return "", err
	}
	var o *store.Org
	for i := range orgs {
		if orgs[i].Name == orgName {
			o = &orgs[i]
		}
	}
	if o == nil {
		o = &store.Org{Name: orgName, Kind: kind}
		if err := st.CreateOrg(ctx, a, o); err != nil {
			return "", err
		}
	}
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return "", err
	}
	a.OrgID = o.ID
	if err := st.CreateUser(ctx, a, &store.User{OrgID: o.ID, Email: email, PasswordHash: hash}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return "", usageError(fmt.Errorf("a member with e-mail %s exists already", email))
		}
		return "", err
	}
	return o.ID, nil
}

// dsn is the store a configuration names.
func dsn(cfg registry.Config) string {
	if cfg.Database != "" {
		return cfg.Database
	}
	return filepath.Join(cfg.Data, "registry.db")
}

func newServeSeedCmd() *cobra.Command {
	var f serveFlags
	var count int
	var example string
	var sboms []string
	var split int
	cmd := &cobra.Command{
		Use:   "seed --data DIR --count N [--example DIR] [--sbom FILE]... [--split N]",
		Short: "Fill a registry with N products for benchmarks and demonstrations",
		Long: `Assesses the example product once per SBOM (its own, or each --sbom in turn with
the dossier's SBOM path and digest replaced) and registers N products named
"Seed product 1…N" across ten seed manufacturers, reusing those versions.
--split cuts each --sbom with more components into SBOMs of that many, for a portfolio of
many distinct components (the monitoring benchmark's: then serve rematch indexes
and matches it).`,
		Example: `  dualmark serve seed --data bench-reg/ --count 10000
  dualmark serve seed --data bench-reg/ --count 1000 --sbom ../shared/data/bench/synth-1000.cdx.json
  dualmark serve seed --data bench-reg/ --db adv/ --count 10000 --sbom ../shared/data/bench/synth-10000.cdx.json --split 500 \
    --sbom examples/home-router/sbom.cdx.json && dualmark serve rematch --data bench-reg/ --db adv/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if count < 1 {
				return usageError(errors.New("--count must be at least 1"))
			}
			cfg, err := f.config("127.0.0.1:8080")
			if err != nil {
				return err
			}
			s, err := registry.Open(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer s.Close(context.Background())
			start := time.Now()
			if split < 0 || (split > 0 && len(sboms) == 0) {
				return usageError(errors.New("--split needs at least one --sbom and a size of 1 or more"))
			}
			n, err := s.Seed(cmd.Context(), registry.SeedOptions{Count: count, Example: example, SBOMs: sboms, Split: split})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %d products in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().IntVar(&count, "count", 1000, "number of products")
	cmd.Flags().StringVar(&example, "example", filepath.Join("examples", "smart-plug"), "example product folder")
	cmd.Flags().StringArrayVar(&sboms, "sbom", nil, "SBOM file to use in turn instead of the example's (repeatable)")
	cmd.Flags().IntVar(&split, "split", 0, "cut each larger --sbom (CycloneDX JSON) into SBOMs of this many components")
	return cmd
}

func newServeBackupCmd() *cobra.Command {
	var data, out string
	cmd := &cobra.Command{
		Use:   "backup --data DIR --out FILE",
		Short: "Write a consistent copy of the SQLite database (safe while the server runs)",
		Long: `Copies DIR/registry.db with SQLite's VACUUM INTO. Back up DIR/keys, DIR/trust.json,
DIR/session.key and DIR/log as files too. For PostgreSQL use pg_dump (see
docs/REGISTRY.md).`,
		Example: `  dualmark serve backup --data reg/ --out backups/registry-$(date +%F).db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" || out == "" {
				return usageError(errors.New("--data DIR and --out FILE are required"))
			}
			if _, err := os.Stat(out); err == nil {
				return usageError(fmt.Errorf("%s exists: choose a new file", out))
			}
			db, err := store.Open(cmd.Context(), filepath.Join(data, "registry.db"))
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.Backup(cmd.Context(), out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory (required)")
	cmd.Flags().StringVar(&out, "out", "", "backup file to write; must not exist (required)")
	return cmd
}
