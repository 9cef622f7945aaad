// Command baredecode is the yardstick of the cold-scan target: it reads an
// SBOM file and decodes it with encoding/json into map[string]any, nothing
// else, so "dualmark scan" can be timed against the least any Go program
// reading that JSON must do. It lives in testdata so that ./... leaves it
// out; build it with
//
//	go build -o /tmp/baredecode ./internal/match/testdata/baredecode
//
// (see docs/BENCHMARKS.md, "Firmware matching").
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: baredecode FILE.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(len(v))
}
