package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/nodetest"
)

// graphqlHTTPPackages are the audit suite of the GraphQL over HTTP specification and the graphql
// package it loads, pinned: a new version may add audits, and is taken on on purpose.
var graphqlHTTPPackages = []string{"graphql-http@1.23.1", "graphql@16.15.0"}

// graphqlHTTPAudits is how many audits the pinned graphql-http runs.
const graphqlHTTPAudits = 61

// auditScript runs every server audit of graphql-http against the URL given and prints the results
// as JSON, with the status and body of the response that failed an audit.
const auditScript = `
const { auditServer } = require('graphql-http');
(async () => {
  const results = await auditServer({ url: process.argv[2] });
  const out = [];
  for (const r of results) {
    const o = { id: r.id, name: r.name, status: r.status, reason: r.reason || '' };
    if (r.status !== 'ok' && r.response) {
      o.httpStatus = r.response.status;
      try { o.body = await r.response.clone().text(); } catch { o.body = '(read already)'; }
    }
    out.push(o);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`

// The GraphQL endpoint passes every audit of graphql-http, the GraphQL over HTTP specification's
// own audit suite (MUST, SHOULD and MAY alike).
func TestGraphQLOverHTTPAudit(t *testing.T) {
	dir := nodetest.Install(t, graphqlHTTPPackages...)
	s := gqltest.Start(t)
	out := nodetest.Run(t, dir, nodetest.CommonJS, auditScript, 2*time.Minute, s.URL+"/graphql")
	var results []struct {
		ID, Name, Status, Reason, Body string
		HTTPStatus                     int
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("audit output is not JSON: %v\n%s", err, out)
	}
	if len(results) != graphqlHTTPAudits {
		t.Errorf("%d audits ran, want the %d of %s", len(results), graphqlHTTPAudits, graphqlHTTPPackages[0])
	}
	for _, r := range results {
		if r.Status != "ok" {
			t.Errorf("audit %s %s: %s: %s (HTTP %d %s)", r.ID, r.Name, r.Status, r.Reason, r.HTTPStatus, r.Body)
		}
	}
}
