package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/assess"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/registry/client"
)

// This file is the one place where an error from the packages below cmd/
// meets the command line: the packages return sentinel or typed errors whose
// messages name no flag or command, and hintsFor adds what to type next (as
// age's errorWithHint does). A server maps the same errors to HTTP statuses.

// hintRule gives a hint for the errors it matches.
type hintRule struct {
	is   func(error) bool
	hint func(error) string
}

// isErr returns a matcher for errors.Is(err, target).
func isErr(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// fixed returns a hint that does not depend on the error.
func fixed(s string) func(error) string { return func(error) string { return s } }

var hintRules = []hintRule{
	{isErr(dossier.ErrNotADossier), func(err error) string {
		file := "FILE"
		var nd *dossier.NotADossierError
		if errors.As(err, &nd) {
			if nd.Kind == dossier.KindVEX {
				return "give a VEX document with --vex " + nd.File + ", together with the advisory database (--db DIR)"
			}
			file = nd.File
		}
		return "give the product dossier (a folder holding dossier.yaml; dualmark init creates one) and this file with --sbom " + file + ", or scan it alone: dualmark scan " + file + " --db DIR"
	}},
	{isErr(dossier.ErrOutsideFolder), fixed("move the file into the dossier's folder; if you trust this dossier, allow paths outside it with --allow-outside-paths")},
	{isErr(dossier.ErrMissing), fixed("create a dossier with: dualmark init --out DIR")},
	{isErr(dossier.ErrEmpty), fixed("scaffold a dossier with: dualmark init --out DIR")},
	{isErr(dossier.ErrUnknownRequirement), fixed("list the requirement IDs with: dualmark catalog list (or dualmark catalog show ID)")},
	{isErr(advisory.ErrNoDatabase), func(err error) string {
		dir := "DIR"
		var nd *advisory.NoDatabaseError
		if errors.As(err, &nd) {
			dir = nd.Dir
		}
		return fmt.Sprintf("create it with: dualmark db import --db %s SOURCE... (or dualmark db update --db %s)", dir, dir)
	}},
	{isErr(advisory.ErrCorrupt), fixed("re-import it with: dualmark db import --db DIR SOURCE... (or dualmark db update --db DIR)")},
	{isErr(advisory.ErrLimit), fixed("if the input is genuine, raise the limit with dualmark db import --max-decompressed BYTES or --max-records N (a negative value: no limit); the database was left unchanged")},
	{isErr(assess.ErrVEXWithoutScan), fixed("--vex needs --db DIR as well (the advisory database to scan the SBOM against)")},
	{isErr(assess.ErrNothingToScan), fixed("pass the SBOM with --sbom FILE")},
	{isErr(label.ErrNotAssessment), fixed("give the dossier itself (dualmark label issue DOSSIER-DIR …), or an assessment made by this dualmark: dualmark assess DOSSIER-DIR --format json > assessment.json")},
	{func(err error) bool { return client.StatusOf(err) != 0 }, registryHint},
	{func(err error) bool { var ce *cliError; return errors.As(err, &ce) && ce.hint != "" }, func(err error) string {
		var ce *cliError
		errors.As(err, &ce)
		return ce.hint
	}},
}

// hintsFor returns the hints for err, in rule order, each once.
func hintsFor(err error) []string {
	var out []string
	for _, r := range hintRules {
		if r.is(err) {
			if h := r.hint(err); h != "" && !contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describe returns what dualmark prints for err on standard error: the
// message, then one "hint:" line per hint.
func describe(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	for _, h := range hintsFor(err) {
		b.WriteString("\nhint: ")
		b.WriteString(h)
	}
	return b.String()
}

// cliError is a usage error in dualmark's words: which command, what went
// wrong, and where to look (its --help). It replaces cobra's and pflag's own
// messages.
type cliError struct {
	cmd  string // command path, e.g. "dualmark assess"
	msg  string
	hint string
}

// Error names the command without the leading "dualmark", which main
// prints already.
func (e *cliError) Error() string {
	if _, sub, ok := strings.Cut(e.cmd, " "); ok {
		return sub + ": " + e.msg
	}
	return e.msg
}

// helpHint points at a command's help.
func helpHint(c *cobra.Command) string {
	return "see " + c.CommandPath() + " --help for its usage and examples"
}

// flagError rewrites a pflag error ("unknown flag: --x", "flag needs an
// argument: --db", "invalid argument ...") into dualmark's style, exit 2.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown flag: "):
		msg = "unknown flag " + strings.TrimPrefix(msg, "unknown flag: ")
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		msg = "unknown flag " + strings.TrimPrefix(msg, "unknown shorthand flag: ")
	case strings.HasPrefix(msg, "flag needs an argument: "):
		msg = strings.TrimPrefix(msg, "flag needs an argument: ") + " needs a value"
	}
	return usageError(&cliError{cmd: c.CommandPath(), msg: msg, hint: helpHint(c)})
}

// styleArgs wraps the argument validators of c and its subcommands so that
// cobra's "accepts 1 arg(s), received 0" becomes a sentence naming the
// command's usage line. Validators that already speak dualmark's language
// (returning an exitError) are left as they are.
func styleArgs(c *cobra.Command) {
	group := c.HasParent() && c.HasSubCommands() && !c.Runnable()
	if orig := c.Args; orig != nil && !group {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := orig(cmd, args)
			var ec *exitError
			if err == nil || errors.As(err, &ec) {
				return err
			}
			return usageError(&cliError{cmd: cmd.CommandPath(),
				msg:  fmt.Sprintf("wrong arguments (%d given; usage: %s)", len(args), cmd.UseLine()),
				hint: helpHint(cmd)})
		}
	}
	if group {
		// A command group: cobra would print its help for any argument,
		// a mistyped subcommand included, and exit 0.
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		}
	}
	for _, sub := range c.Commands() {
		styleArgs(sub)
	}
}

// unknownCommand is the error for name given where c expects a subcommand.
func unknownCommand(c *cobra.Command, name string) error {
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's own default
	}
	hint := helpHint(c)
	if s := c.SuggestionsFor(name); len(s) > 0 {
		hint = "did you mean " + c.CommandPath() + " " + strings.Join(s, " or ") + "? " + hint
	}
	return usageError(&cliError{cmd: c.CommandPath(), msg: fmt.Sprintf("unknown command %q", name), hint: hint})
}

// styleUnknownCommand rewrites cobra's "unknown command" error, which
// cobra returns untyped, into dualmark's style with its suggestions.
func styleUnknownCommand(root *cobra.Command, args []string, err error) error {
	if err == nil || !strings.HasPrefix(err.Error(), "unknown command ") {
		return err
	}
	c, rest, ferr := root.Find(args)
	if ferr == nil || c == nil || len(rest) == 0 {
		c, rest = root, args
	}
	name := ""
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			name = a
			break
		}
	}
	return unknownCommand(c, name)
}

// registryHint says what to do about a problem a registry answered
// (dualmark registry …): by status, and by problem type where it says more.
func registryHint(err error) string {
	var e *client.Error
	errors.As(err, &e)
	switch {
	case e.Status == 400 && e.Problem.Field != "":
		return "fix the request's " + e.Problem.Field + " and try again"
	case e.Status == 401:
		return "log in with: dualmark registry login --server URL --token dmr_… (or pass --token / set DUALMARK_TOKEN)"
	case e.Status == 403:
		return "this token or its organisation may not do this: ask the registry's operator for a token with the scope (read, write, label) or use a manufacturer's token"
	case e.Status == 404:
		return "check the ID: dualmark registry products lists yours (another organisation's IDs answer not found too)"
	case e.Status == 413:
		return "the registry's upload limit is smaller than this upload; its operator sets it with dualmark serve --max-upload BYTES"
	case e.Kind() == "idempotency-key-reused":
		return "the key was used for other files: pass a new --idempotency-key, or leave it out to use a digest of the files"
	case e.Status == 422:
		return "nothing was stored; check the dossier folder locally with: dualmark assess DIR"
	case e.Status == 409:
		return "the label was revoked already, or the resource changed meanwhile: dualmark registry label show ID"
	case e.Status >= 500:
		return "the registry failed; give its operator the request id above"
	}
	return ""
}
