package main

import "github.com/spf13/cobra"

// outsidePathsFlag registers --allow-outside-paths on a command that loads
// a dossier: the explicit opt-in for SBOM, HBOM, CBOM and evidence paths
// leading outside the dossier's folder (dossier.Options.AllowOutsidePaths),
// which are refused by default so that a dossier received from someone
// else cannot make dualmark read, and print the digest of, any file.
func outsidePathsFlag(cmd *cobra.Command, allow *bool) {
	cmd.Flags().BoolVar(allow, "allow-outside-paths", false, "let the dossier name files outside its folder (\"..\", symbolic links leading out); only for a dossier you trust")
}
