package sms

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// response is the JSON answer of /sms.do: either a list of accepted messages or an error.
type response struct {
	Error   *int   `json:"error"`
	Message string `json:"message"`
	Count   int    `json:"count"`
	List    []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"list"`
}

// check turns the provider's answer into nil (accepted now or on an earlier attempt) or an error.
// smsapi sends its errors with status 200 as well as 4xx, so the body is read whatever the status.
func (s *Sender) check(resp *http.Response, body string) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("HTTP %d: reading response: %w", resp.StatusCode, err)
	}
	if len(raw) > maxResponse {
		return fmt.Errorf("HTTP %d: response larger than %d bytes", resp.StatusCode, maxResponse)
	}
	var r response
	jsonErr := json.Unmarshal(raw, &r)
	if jsonErr == nil && r.Error != nil {
		if *r.Error == codeDuplicateIdx {
			return nil // an earlier attempt got through; sending again would be the duplicate
		}
		return fmt.Errorf("HTTP %d: error %d: %s", resp.StatusCode, *r.Error, s.redact(r.Message, body))
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %s", resp.Status) // e.g. a proxy's 503 page, whose text is not worth keeping
	}
	if jsonErr != nil {
		return fmt.Errorf("HTTP %d: undecodable response: %w", resp.StatusCode, jsonErr)
	}
	// Anything but a list of accepted messages is doubt, and doubt is retried: if the provider did
	// take the message, the retry gets the duplicate-idx answer and counts as sent.
	if len(r.List) == 0 {
		return fmt.Errorf("HTTP %d: response lists no accepted message", resp.StatusCode)
	}
	return nil
}

// redact keeps the provider's error text short and free of our secrets, in case it echoes the
// request back.
func (s *Sender) redact(msg, body string) string {
	for _, secret := range []string{s.token, body} {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
	}
	if len(msg) > maxProviderMessage {
		msg = strings.ToValidUTF8(msg[:maxProviderMessage], "") + "…"
	}
	return msg
}
