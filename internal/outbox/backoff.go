package outbox

import "time"

// MaxAttempts is how many sends are tried before a message is marked failed. With Backoff this
// spans roughly eight hours, enough to ride out a mail server's maintenance window.
const MaxAttempts = 15

const (
	backoffBase = 10 * time.Second
	backoffMax  = time.Hour
)

// Backoff is the wait after the given number of failed attempts (1 = first failure):
// 10s·2^(attempts-1), capped at one hour so a recovered server is used again within the hour.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	d := backoffBase
	for i := 1; i < attempts; i++ {
		d *= 2
		if d >= backoffMax {
			return backoffMax
		}
	}
	return d
}
