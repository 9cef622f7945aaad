package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newVersionCmd) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print dualmark's version and the Go version it was built with",
		Example: "  dualmark version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			version, goVersion := buildVersion()
			fmt.Fprintf(cmd.OutOrStdout(), "dualmark %s (%s)\n", version, goVersion)
			return nil
		},
	}
}

// buildVersion returns dualmark's module version ("(devel)" for a build
// from a checkout without one) and the Go version it was built with; every
// report records the first.
func buildVersion() (version, goVersion string) {
	version, goVersion = "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
	}
	return version, goVersion
}
