package jobs_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/casegate/casegate/internal/dbtest"
)

// TestMain checks for leaked goroutines after every test and every database has been cleaned up,
// which goleak.VerifyTestMain cannot do here because dbtest.Run must wrap m.Run.
func TestMain(m *testing.M) {
	code := dbtest.Run(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
