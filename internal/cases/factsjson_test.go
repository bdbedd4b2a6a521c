package cases

import (
	"encoding/json"
	"reflect"
	"testing"
)

// pgFacts is a case's facts as the triggers write them (jsonb: ", " and ": " between, keys
// ordered by length).
const pgFacts = `{"acl": [{"level": 3, "userId": "u1", "groupId": null, "contactId": null, "allDocuments": false}, ` +
	`{"level": 1, "userId": null, "groupId": "g1", "contactId": null, "allDocuments": true}], ` +
	`"overrides": [{"mode": "HIDDEN", "target": "employee.salary"}, {"mode": "READ_ONLY", "target": "request"}], ` +
	`"assignees": ["u2", "u3"], "participants": [{"role": "OBSERVER", "userId": "u4", "contactId": null}], ` +
	`"pastAssignees": [], "people": ["u1", "u2", "u3", "u4"]}`

// TestFactsDecodeAgreesWithEncodingJSON: the facts read without reflection are the facts
// encoding/json reads, and anything that reader leaves is read by encoding/json (or refused by it).
func TestFactsDecodeAgreesWithEncodingJSON(t *testing.T) {
	fast := []string{
		pgFacts, `{}`, `{"acl": [], "assignees": null}`, `{"acl": [{}], "overrides": []}`,
		`{"assignees": [], "pastAssignees": [], "acl": [], "participants": [], "overrides": []}`,
	}
	for _, in := range fast {
		if _, ok := decodeFactsJSON([]byte(in)); !ok {
			t.Errorf("not read without reflection: %.80s", in)
		}
	}
	others := []string{
		`null`, `[]`, `{"acl": null, "x": 1}`, `{"assignees": ["a", null]}`, `{"assignees": ["a\"b"]}`,
		`{"assignees": ["a"], "assignees": ["b"]}`, `{"Assignees": ["a"]}`,
		`{"acl": [{"level": 3.0}]}`, `{"acl": [{"level": -1}]}`, `{"acl": [{"level": 256}]}`, `{"acl": [{"level": "3"}]}`,
		`{"acl": [{"level": 03}]}`, `{"acl": [{"level": null}]}`, `{"acl": [{"level": 2e0}]}`, `{"acl": [{"allDocuments": 1}]}`,
		`{"acl": [{"userId": 5}]}`, `{"acl": [null]}`, `{"acl": [{"other": true}]}`,
		`{"overrides": [{"mode": "NOT_A_MODE", "target": "x"}]}`, `{"overrides": [{"mode": null}]}`,
		`{"participants": [{"role": "OWNER", "userId": "u"}]} x`, `{"participants": [{"role": null}]}`,
	}
	for _, in := range append(fast, others...) {
		var want storedFacts
		wantErr := json.Unmarshal([]byte(in), &want)
		c := &Case{ID: "c"}
		err := c.decode([]byte(in), nil)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%.80s: error %v, encoding/json %v", in, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := storedFacts{Assignees: c.Assignees, PastAssignees: c.PastAssignees, ACL: c.acl, Participants: c.participants, Overrides: c.overrides}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.80s:\n got %+v\nwant %+v", in, got, want)
		}
	}
}
