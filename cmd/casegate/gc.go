package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target that serve sets when GOGC is not in the
// environment. Go's default, 100, collects whenever the live heap has doubled: at 1,500 case
// reads a second on two cores the collector then took about a sixth of the server's CPU, taken
// from the PostgreSQL backends that share the cores. At 400 it runs about a quarter as often; the heap
// may grow to five times the live data (peak RSS 138 MiB under casegate-load against 73 MiB,
// within the 300 MiB budget; docs/performance.md). GOGC set in the environment wins.
const gcPercent = 400

// tuneGC sets gcPercent unless the operator chose GOGC.
func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(gcPercent)
	}
}
