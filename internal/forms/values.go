package forms

// Values are a case's form values: section key → field key → value (as decoded from JSON: string
// for String, Decimal and Date; float64 or json.Number for numbers; bool).
type Values map[string]map[string]any
