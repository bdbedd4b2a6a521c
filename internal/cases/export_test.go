package cases

// CaseSQL is the statement of one case by id, for the plan test of package cases_test.
var CaseSQL = caseSQL
