package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dualmark/dualmark/internal/dossier"
)

func init() { subcommands = append(subcommands, newInitCmd) }

func newInitCmd() *cobra.Command {
	var (
		dir string
		a   dossier.Answers
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a product dossier (dossier.yaml) from a few questions or flags",
		Long: `init writes DIR/dossier.yaml with the product name, model, manufacturer and CRA
class filled in and every other section as a commented template. On a terminal
it asks for what the flags do not give; otherwise (a pipe, /dev/null, CI) it
asks nothing: --name, --model and --manufacturer are required and --category
defaults to "default". It never overwrites an existing dossier.

Categories: default, important-class-I, important-class-II, critical; the three
listed classes also need --item, the Annex III/IV item number (e.g. 17 for
smart-home security cameras, 12 for routers).`,
		Example: `  dualmark init
  dualmark init --out my-camera --name "IC-400 Camera" --model IC-400 --manufacturer "Lumora Vision B.V." --category important-class-I --item 17`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(dir, dossier.FileName)
			if _, err := os.Stat(path); err == nil {
				return usageError(fmt.Errorf("%s already exists; init never overwrites a dossier (edit it, or choose another --out)", path))
			}
			interactive := false
			if f, ok := cmd.InOrStdin().(*os.File); ok && isTerminal(f) {
				interactive = true
				if err := ask(f, cmd.OutOrStdout(), &a); err != nil {
					return err
				}
			}
			if a.Class == "" {
				a.Class = "default"
			}
			if !interactive {
				for _, need := range []struct{ flag, v string }{{"--name", a.Name}, {"--model", a.Model}, {"--manufacturer", a.Manufacturer}} {
					if strings.TrimSpace(need.v) == "" {
						return usageError(&cliError{cmd: cmd.CommandPath(), msg: need.flag + " is required when standard input is not a terminal", hint: helpHint(cmd)})
					}
				}
			}
			data, err := dossier.Scaffold(a)
			if err != nil {
				return usageError(&cliError{cmd: cmd.CommandPath(), msg: err.Error(), hint: helpHint(cmd)})
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %s. Fill in its sections, then run: dualmark assess %s\n", path, dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "out", ".", "folder to create the dossier in")
	aliasFlag(f, "out", "dir")
	f.StringVar(&a.Name, "name", "", "product name")
	f.StringVar(&a.Model, "model", "", "model designation")
	f.StringVar(&a.Manufacturer, "manufacturer", "", "manufacturer's registered name")
	f.StringVar(&a.Class, "category", "", "CRA class: default, important-class-I, important-class-II or critical")
	f.IntVar(&a.Item, "item", 0, "Annex III/IV item number for the listed classes")
	return cmd
}

// ask fills the answers the flags left empty by asking on the terminal.
func ask(in io.Reader, out io.Writer, a *dossier.Answers) error {
	r := bufio.NewReader(in)
	prompt := func(q, def string) (string, error) {
		if def != "" {
			fmt.Fprintf(out, "%s [%s]: ", q, def)
		} else {
			fmt.Fprintf(out, "%s: ", q)
		}
		line, err := r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("reading answer: %w", err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return def, nil
		}
		return line, nil
	}
	var err error
	for _, q := range []struct {
		text string
		dst  *string
		def  string
	}{
		{"Product name", &a.Name, ""},
		{"Model designation", &a.Model, ""},
		{"Manufacturer (registered name)", &a.Manufacturer, ""},
		{"CRA class (" + strings.Join(dossier.Classes, ", ") + ")", &a.Class, "default"},
	} {
		if *q.dst != "" {
			continue
		}
		if *q.dst, err = prompt(q.text, q.def); err != nil {
			return err
		}
	}
	if a.Class != "default" && a.Item == 0 {
		s, err := prompt("Annex III/IV item number (e.g. 17 security cameras, 12 routers)", "")
		if err != nil {
			return err
		}
		if a.Item, err = strconv.Atoi(s); err != nil {
			return usageError(fmt.Errorf("item %q is not a number", s))
		}
	}
	return nil
}
