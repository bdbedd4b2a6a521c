package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one message the server accepted.
type Message struct {
	From      string   // envelope sender (MAIL FROM)
	To        []string // envelope recipients (RCPT TO)
	Subject   string   // decoded
	Body      string   // decoded text, line ends normalised to \n
	MessageID string   // Message-ID header, with its angle brackets
	Header    mail.Header
	Raw       []byte // the DATA exactly as received
}

func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("parse message: %w", err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, fmt.Errorf("decode subject: %w", err)
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, fmt.Errorf("decode body: %w", err)
	}
	return Message{
		Subject:   subject,
		Body:      strings.ReplaceAll(string(text), "\r\n", "\n"),
		MessageID: msg.Header.Get("Message-Id"),
		Header:    msg.Header,
		Raw:       raw,
	}, nil
}

// newlineStripper drops line breaks, which MIME base64 has and encoding/base64 does not accept.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
