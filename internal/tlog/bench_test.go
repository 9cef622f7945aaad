package tlog

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAppend10000 appends 10,000 label-sized entries (≈ 7 KB, the size
// of a hybrid-signed envelope) to a fresh POSIX log in one process, queued
// together so Tessera batches them, and waits until all are published.
func BenchmarkAppend10000(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	s := testSet(b)
	entry := make([]byte, 7000)
	for b.Loop() {
		dir := b.TempDir()
		start := time.Now()
		l, err := Open(ctx, dir, s)
		if err != nil {
			b.Fatal(err)
		}
		waits := make([]func() (*Entry, error), n)
		for i := range n {
			e := append([]byte(fmt.Sprintf("%08d", i)), entry...)
			waits[i] = l.Add(ctx, e)
		}
		for _, w := range waits {
			if _, err := w(); err != nil {
				b.Fatal(err)
			}
		}
		if err := l.Close(ctx); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(n)/el.Seconds(), "entries/s")
		if el > 5*time.Minute {
			b.Fatalf("10,000 appends took %v", el)
		}
	}
}
