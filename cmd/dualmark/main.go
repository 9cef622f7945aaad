// Command dualmark assesses a connected consumer product once against the EU
// Cyber Resilience Act, the US Cyber Trust Mark baseline (NIST IR 8425 and the
// FCC label rules) and ETSI EN 303 645, scans its SBOM for known and actively
// exploited vulnerabilities, writes the paperwork each market asks for and
// issues a signed, post-quantum-safe label.
//
// Run "dualmark --help" for the commands.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the process exit code:
// 0 success, 1 a negative verdict (findings, non-conformity, invalid label),
// 2 an error (bad usage, unreadable input).
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := styleUnknownCommand(root, args, root.Execute())
	if err == nil {
		return 0
	}
	var ec *exitError
	if !errors.As(err, &ec) || ec.err != nil {
		fmt.Fprintln(os.Stderr, "dualmark:", describe(err))
	}
	return exitCode(err)
}

// exitCode maps the error a command returned to dualmark's exit code: 0 for
// none, the code an exitError carries, and 2 for any other error.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ec *exitError
	if errors.As(err, &ec) {
		return ec.code
	}
	return 2
}
