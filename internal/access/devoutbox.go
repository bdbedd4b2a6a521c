package access

import "github.com/casegate/casegate/internal/apperr"

// ReadDevOutbox decides who reads the dev outbox (what outgoing mail and SMS were caught instead
// of sent, bodies included). While it is on, anyone who reaches the server does, with or without
// a session: it only runs on a developer's machine, where the point is that the person trying
// casegate reads the code sent to a candidate who has no account, or the invitation sent to a
// guest who has none yet. While it is off there is nothing to read, and no one may: the refusal is
// PRECONDITION_FAILED naming devOutbox, whoever asks. The principal is deliberately not an input.
func ReadDevOutbox(on bool) error {
	if !on {
		return apperr.Precondition("devOutbox")
	}
	return nil
}
