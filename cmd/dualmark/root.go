package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// exitError carries a specific exit code out of a command. A nil err means
// the command already reported what it had to say (for example a failing
// verdict) and only the code matters.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// failed returns an error that makes dualmark exit with code 1 (a negative
// verdict) without printing anything more.
func failed() error { return &exitError{code: 1} }

// usageError returns an error that makes dualmark print err and exit 2.
func usageError(err error) error { return &exitError{code: 2, err: err} }

// subcommands is filled by each command file's init function, so that the
// command files never have to touch one another.
var subcommands []func() *cobra.Command

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "dualmark",
		Short: "Assess a connected product once for the EU CRA, the US Cyber Trust Mark and EN 303 645",
		Long: `dualmark turns one product description (dossier + SBOM + evidence) into verdicts
for the EU Cyber Resilience Act, the US Cyber Trust Mark baseline (NIST IR 8425
and the FCC label rules) and ETSI EN 303 645 at the same time, through a
crosswalk of their requirements; it scans the SBOM for known and actively
exploited vulnerabilities, writes the paperwork each market asks for, and
issues a signed label (Ed25519 + ML-DSA-65) recorded in a transparency log.

Exit codes: 0 success, 1 a negative result (findings, non-conformity, an
invalid label), 2 an error.`,
		Example: `  dualmark catalog coverage
  dualmark sbom inspect firmware.cdx.json
  dualmark scan firmware.cdx.json --db ~/.cache/dualmark/db
  dualmark assess examples/smart-plug`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	for _, mk := range subcommands {
		root.AddCommand(mk())
	}
	styleArgs(root)
	return root
}
