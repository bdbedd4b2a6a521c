package positions

import "github.com/google/uuid"

// newID is chosen before insert because the node's path contains its own id.
func newID() string { return uuid.NewString() }
