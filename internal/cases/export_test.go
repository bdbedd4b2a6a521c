package cases

import (
	"context"
	"time"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/audience"
	"github.com/casegate/casegate/internal/relay"
)

// CaseSQL is the statement of one case by id, for the plan test of package cases_test.
var CaseSQL = caseSQL

// AudienceAt is Audience at a fixed time, for the plan test of package cases_test.
func AudienceAt(ctx context.Context, s *Service, p *access.Principal, id string, f audience.Filter, page relay.Args) (audience.Page, error) {
	return s.audienceAt(ctx, p, id, "", f, page, time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
}
