package main

import (
	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/forms"
	"github.com/casegate/casegate/internal/users"
)

func userInput(email string) users.CreateInput {
	return users.CreateInput{Email: email, Name: email, Password: "bench-password-1"}
}

func setting(visible, modify []access.Ref) forms.SettingsInput {
	return forms.SettingsInput{VisibleOnlyFor: &visible, ModifyOnlyFor: &modify}
}
