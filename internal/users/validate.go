package users

import (
	"net/mail"
	"strings"

	"github.com/casegate/casegate/internal/apperr"
)

// NormalizeEmail trims the address and checks that it is a plain e-mail address.
func NormalizeEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "", apperr.Input(field, "is not a valid e-mail address")
	}
	return email, nil
}

// NormalizeName trims the name and requires it to be non-empty.
func NormalizeName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Input(field, "must not be empty")
	}
	if len(name) > 200 {
		return "", apperr.Input(field, "must have at most 200 characters")
	}
	return name, nil
}

// NormalizePhone accepts digits with an optional leading +, spaces and dashes; empty means none.
func NormalizePhone(field string, phone *string) (*string, error) {
	if phone == nil {
		return nil, nil
	}
	p := strings.TrimSpace(*phone)
	if p == "" {
		return nil, nil
	}
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return nil, apperr.Input(field, "is not a phone number")
		}
	}
	if digits < 6 || digits > 15 {
		return nil, apperr.Input(field, "is not a phone number")
	}
	return &p, nil
}
