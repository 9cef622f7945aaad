package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/sbom"
)

func main() {
	f, _ := os.Create("/tmp/scan.prof")
	pprof.StartCPUProfile(f)
	t0 := time.Now()
	doc, err := sbom.ParseFile(os.Args[1], sbom.Options{})
	if err != nil {
		panic(err)
	}
	t1 := time.Now()
	db, err := advisory.OpenDB(os.Args[2])
	if err != nil {
		panic(err)
	}
	t2 := time.Now()
	res, err := match.ScanDocument(doc, db, match.Options{})
	if err != nil {
		panic(err)
	}
	t3 := time.Now()
	match.Render(io.Discard, res, os.Args[3], match.RenderOptions{})
	t4 := time.Now()
	pprof.StopCPUProfile()
	fmt.Fprintln(os.Stderr, "parse", t1.Sub(t0), "open", t2.Sub(t1), "scan", t3.Sub(t2), "render", t4.Sub(t3))
}
