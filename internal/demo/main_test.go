package demo_test

import (
	"os"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
)

func TestMain(m *testing.M) {
	account.UseCheapHashingInTests()
	os.Exit(m.Run())
}
