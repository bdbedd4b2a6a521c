package password

import (
	"errors"
	"testing"

	"github.com/casegate/casegate/internal/apperr"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse 1", fast)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify("correct horse 1", h); err != nil || !ok {
		t.Fatalf("right password rejected: %v %v", ok, err)
	}
	if ok, _ := Verify("correct horse 2", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := Hash("correct horse 1", fast)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	if _, err := Verify("x", "$bcrypt$nope"); err == nil {
		t.Fatal("malformed hash accepted")
	}
}

func TestCheck(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short1":            false, // too short
		"onlyletterslong":   false, // no digit or symbol
		"1234567890123":     false, // no letter
		"letters and 1 num": true,
		"Zażółć-gęślą":      true,
	} {
		err := Check("password", pw)
		if ok != (err == nil) {
			t.Errorf("Check(%q) = %v, want ok=%v", pw, err, ok)
		}
		var ie *apperr.InputError
		if err != nil && (!errors.As(err, &ie) || ie.Field != "password") {
			t.Errorf("Check(%q) error does not name the field: %v", pw, err)
		}
	}
}
