package forms

import (
	"os"
	"testing"

	"github.com/casegate/casegate/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m)) }
