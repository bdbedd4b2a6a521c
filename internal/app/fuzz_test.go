package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/casegate/casegate/graph"
	"github.com/casegate/casegate/internal/gqltest"
	"github.com/casegate/casegate/internal/relay"
)

// The fuzz targets send random variables to every query (FuzzQueries) and every mutation
// (FuzzMutations) of the executable schema, through the real HTTP handler, as an anonymous caller,
// an employee and an administrator. Whatever they send, the answer must not be INTERNAL, an error
// without a code, an HTTP 5xx or something other than JSON (a panic is INTERNAL). `go test`
// replays testdata/fuzz/<target>/; `go test -run XXX -fuzz FuzzQueries -parallel 2` looks for more.
//
// An input is: the operation's name (when it names none, its hash picks one, so that mutated
// names still reach every operation), who calls (its value modulo 3: anonymous, employee,
// administrator), a text and a number that fill the arguments (the text is also the name and the
// content of the file of an Upload, sent as a multipart request), and a shape that seeds the
// choice of optional arguments, list lengths, enum values and of real ids and plausible values
// instead of the text.

func FuzzQueries(f *testing.F)   { fuzzOperations(f, ast.Query) }
func FuzzMutations(f *testing.F) { fuzzOperations(f, ast.Mutation) }

// operation is a root field as a document passing each argument as a variable.
type operation struct {
	name, query string
	args        ast.ArgumentDefinitionList
}

// operations builds one document per root field of kind, sorted by name. Object results select
// __typename and their fields that are leaves without arguments, so field resolvers run too.
func operations(schema *ast.Schema, kind ast.Operation) []operation {
	root := schema.Query
	if kind == ast.Mutation {
		root = schema.Mutation
	}
	var ops []operation
	for _, f := range root.Fields {
		if strings.HasPrefix(f.Name, "__") && kind == ast.Mutation {
			continue
		}
		var vars, args []string
		for i, a := range f.Arguments {
			vars = append(vars, fmt.Sprintf("$a%d: %s", i, a.Type.String()))
			args = append(args, fmt.Sprintf("%s: $a%d", a.Name, i))
		}
		q := string(kind)
		if len(vars) > 0 {
			q += "(" + strings.Join(vars, ", ") + ")"
		}
		q += " { " + f.Name
		if len(args) > 0 {
			q += "(" + strings.Join(args, ", ") + ")"
		}
		q += selection(schema, schema.Types[f.Type.Name()]) + " }"
		ops = append(ops, operation{name: f.Name, query: q, args: f.Arguments})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	return ops
}

func selection(schema *ast.Schema, def *ast.Definition) string {
	if def.Kind != ast.Object && def.Kind != ast.Interface && def.Kind != ast.Union {
		return ""
	}
	sel := []string{"__typename"}
	if def.Kind == ast.Object {
		for _, f := range def.Fields {
			t := schema.Types[f.Type.Name()]
			if len(f.Arguments) == 0 && !strings.HasPrefix(f.Name, "__") && (t.Kind == ast.Scalar || t.Kind == ast.Enum) {
				sel = append(sel, f.Name)
			}
		}
	}
	return " { " + strings.Join(sel, " ") + " }"
}

// fuzzWorld is a server with a few objects of each kind, whose ids the inputs may use.
type fuzzWorld struct {
	s                *gqltest.Server
	schema           *ast.Schema
	ops              []operation
	tokens           [3]string // anonymous (none), employee, administrator
	ids              []string
	plausible        []string
	employeeID       string
	employeeEmail    string
	employeePassword string
}

func newFuzzWorld(f *testing.F, kind ast.Operation) *fuzzWorld {
	s := gqltest.Start(f)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	w := &fuzzWorld{s: s, schema: schema, ops: operations(schema, kind),
		employeeEmail: "employee@casegate.test", employeePassword: "user-password-1"}
	admin := s.Admin()
	admin.Do(`mutation { updateSettings(input: {externalFunctionsEnabled: true}) { timeZone } }`, nil).MustOK(f)
	w.employeeID = createUserTB(f, admin, w.employeeEmail, "Employee")
	id := func(query, field string) string {
		var out map[string]struct{ ID string }
		admin.Do(query, nil).MustOK(f).Decode(f, &out)
		return out[field].ID
	}
	caseID := id(`mutation { createServiceRequest(input: {request: {subject: "Awaria"}}) { id } }`, "createServiceRequest")
	w.ids = []string{
		w.employeeID, caseID,
		adminID(f, s),
		id(`mutation { createGroup(name: "Kadry") { id } }`, "createGroup"),
		id(`mutation { createPosition(name: "HQ") { id } }`, "createPosition"),
		id(`mutation { createCompany(name: "ACME") { id } }`, "createCompany"),
		id(`mutation { createContact(input: {name: "Jan", email: "jan@example.com"}) { id } }`, "createContact"),
		id(`mutation { createProject(name: "Wdrożenie") { id } }`, "createProject"),
		id(`mutation { createDocument(input: {title: "Umowa", body: "Treść"}) { id } }`, "createDocument"),
		id(fmt.Sprintf(`mutation { addComment(caseId: %q, text: "Uwaga") { id } }`, caseID), "addComment"),
	}
	w.plausible = []string{"", "service-request", "salary-change", "NEW", "IN_PROGRESS", "DONE", "request",
		"subject", "Europe/Warsaw", "https://casegate.test", "someone@example.com", "2026-12-31T23:59:59Z",
		"2026-12-31", "12500.50", "user-password-2", "{{link}}", relay.Encode("Kadry", w.ids[3]),
		relay.Encode("2026-12-31T23:59:59Z", caseID)}
	w.tokens[2] = admin.Token
	w.tokens[1] = s.Login(w.employeeEmail, w.employeePassword).Token
	_, res, err := w.postFile(2, `mutation($d: ID, $f: Upload!) { addAttachment(documentId: $d, file: $f) { id } }`,
		map[string]any{"d": w.ids[8]}, []string{"f"}, "umowa.txt")
	var out struct {
		Data struct{ AddAttachment struct{ ID string } }
	}
	if err != nil {
		f.Fatalf("attach a file: %v", err)
	}
	if json.Unmarshal(res.raw, &out) != nil || out.Data.AddAttachment.ID == "" {
		f.Fatalf("attach a file: %s", res.raw)
	}
	w.ids = append(w.ids, out.Data.AddAttachment.ID)
	return w
}

func adminID(tb testing.TB, s *gqltest.Server) string {
	var id string
	if err := s.DB.NewRaw(`SELECT id FROM users WHERE email = ?`, gqltest.AdminEmail).Scan(context.Background(), &id); err != nil {
		tb.Fatal(err)
	}
	return id
}

func createUserTB(tb testing.TB, admin *gqltest.Client, email, name string) string {
	var out struct{ CreateUser struct{ ID string } }
	admin.Do(`mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"email": email, "name": name, "password": "user-password-1"}}).MustOK(tb).Decode(tb, &out)
	return out.CreateUser.ID
}

func fuzzOperations(f *testing.F, kind ast.Operation) {
	w := newFuzzWorld(f, kind)
	f.Fuzz(func(t *testing.T, op string, who uint8, text string, number int64, shape uint64) {
		o, role := w.pick(op), int(who%3)
		g := &fuzzValues{w: w, rng: rand.New(rand.NewPCG(shape, uint64(number))), text: text, number: number}
		vars, status, res := w.run(t, o, role, g)
		req, _ := json.Marshal(vars)
		if status >= 500 {
			t.Fatalf("%s as %d with %s: HTTP %d: %s", o.name, role, req, status, res.raw)
		}
		for _, e := range res.Errors {
			if code, _ := e.Extensions["code"].(string); code == "" || code == graph.CodeInternal {
				t.Fatalf("%s as %d with %s: %s\nserver log:\n%s", o.name, role, req, res.raw, lastLines(w.s.Logs(), 20))
			}
		}
	})
}

// run fills o's arguments from g and sends it as role, logging in again first when an earlier
// input ended the role's session (logout, a status change).
func (w *fuzzWorld) run(t testing.TB, o operation, role int, g *fuzzValues) (map[string]any, int, *fuzzResponse) {
	vars := map[string]any{}
	for i, a := range o.args {
		if v, ok := g.value(a.Type, 0); ok {
			vars[fmt.Sprintf("a%d", i)] = v
		}
	}
	var upload []string // variables that take a file: sent as a multipart request
	for i, a := range o.args {
		if a.Type.Name() == "Upload" {
			upload = append(upload, fmt.Sprintf("a%d", i))
		}
	}
	send := func() (int, *fuzzResponse, error) {
		if upload != nil {
			return w.postFile(role, o.query, vars, upload, g.text)
		}
		return w.post(role, o.query, vars)
	}
	status, res, err := send()
	if err == nil && status == http.StatusUnauthorized && role > 0 {
		w.relogin(t, role)
		status, res, err = send()
	}
	if err != nil {
		t.Fatalf("%s: %v", o.name, err)
	}
	return vars, status, res
}

// pick finds the operation named op, or lets op's hash choose one.
func (w *fuzzWorld) pick(op string) operation {
	for _, o := range w.ops {
		if o.name == op {
			return o
		}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(op))
	return w.ops[int(h.Sum32()%uint32(len(w.ops)))]
}

type fuzzResponse struct {
	Errors []struct {
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	raw []byte
}

// post sends one request as role (0 anonymous). It does not use the gqltest client: that one
// fails the test through the server's testing.F, which a fuzz function must not call.
func (w *fuzzWorld) post(role int, query string, vars map[string]any) (int, *fuzzResponse, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return 0, nil, err
	}
	return w.send(role, "application/json", body)
}

// postFile sends a GraphQL multipart request with one file, named and filled by text, for each of
// the variables in files.
func (w *fuzzWorld) postFile(role int, query string, vars map[string]any, files []string, text string) (int, *fuzzResponse, error) {
	paths := map[string][]string{}
	for i, v := range files {
		vars[v] = nil
		paths[strconv.Itoa(i)] = []string{"variables." + v}
	}
	ops, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return 0, nil, err
	}
	m, _ := json.Marshal(paths)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", string(m))
	for i := range files {
		part, err := mw.CreateFormFile(strconv.Itoa(i), text)
		if err != nil {
			return 0, nil, err
		}
		_, _ = part.Write([]byte(text))
	}
	_ = mw.Close()
	return w.send(role, mw.FormDataContentType(), body.Bytes())
}

func (w *fuzzWorld) send(role int, contentType string, body []byte) (int, *fuzzResponse, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, w.s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if role > 0 {
		req.Header.Set("Authorization", "Bearer "+w.tokens[role])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	out := &fuzzResponse{raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		return res.StatusCode, nil, fmt.Errorf("HTTP %d, not JSON: %s", res.StatusCode, raw)
	}
	return res.StatusCode, out, nil
}

// relogin undoes what inputs may have done to the two accounts (a new e-mail, a status, an expiry,
// failed logins) and logs in again.
func (w *fuzzWorld) relogin(t testing.TB, role int) {
	ctx := context.Background()
	email := w.employeeEmail
	if role == 2 {
		email = gqltest.AdminEmail
	}
	if _, err := w.s.DB.NewRaw(`UPDATE users SET status = 'ACTIVE', profile_expires_on = NULL, email = ? WHERE id = ?`,
		w.employeeEmail, w.employeeID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.DB.NewRaw(`UPDATE users SET status = 'ACTIVE', profile_expires_on = NULL WHERE lower(email) = lower(?)`,
		gqltest.AdminEmail).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.DB.NewRaw(`DELETE FROM login_failures`).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	pw := w.employeePassword
	if role == 2 {
		pw = gqltest.AdminPassword
	}
	_, res, err := w.post(0, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`,
		map[string]any{"e": email, "p": pw})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Data struct{ Login struct{ Token string } }
	}
	if err := json.Unmarshal(res.raw, &out); err != nil || out.Data.Login.Token == "" {
		t.Fatalf("log in again as %s: %s", email, res.raw)
	}
	w.tokens[role] = out.Data.Login.Token
}

// fuzzValues fills arguments of any type from one input.
type fuzzValues struct {
	w      *fuzzWorld
	rng    *rand.Rand
	text   string
	number int64
}

// value returns a value of type t; ok is false for an optional argument left out.
func (g *fuzzValues) value(t *ast.Type, depth int) (any, bool) {
	if !t.NonNull && g.rng.IntN(4) == 0 {
		return nil, false
	}
	if !t.NonNull && g.rng.IntN(8) == 0 {
		return nil, true
	}
	if t.Elem != nil {
		n := g.rng.IntN(4)
		list := make([]any, 0, n)
		for range n {
			if v, ok := g.value(t.Elem, depth+1); ok {
				list = append(list, v)
			}
		}
		return list, true
	}
	def := g.w.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		if g.rng.IntN(10) == 0 {
			return g.text, true
		}
		return def.EnumValues[g.rng.IntN(len(def.EnumValues))].Name, true
	case ast.InputObject:
		obj := map[string]any{}
		if depth > 4 {
			return obj, true
		}
		for _, f := range def.Fields {
			if v, ok := g.value(f.Type, depth+1); ok {
				obj[f.Name] = v
			}
		}
		return obj, true
	}
	switch t.NamedType {
	case "Int":
		if g.rng.IntN(2) == 0 {
			return g.number, true
		}
		return g.rng.IntN(300) - 50, true
	case "Float":
		return float64(g.number) / 100, true
	case "Boolean":
		return g.rng.IntN(2) == 0, true
	case "ID":
		if g.rng.IntN(3) > 0 {
			return g.w.ids[g.rng.IntN(len(g.w.ids))], true
		}
	case "Upload":
		return nil, true // the file is sent as a part of a multipart request (postFile)
	}
	if g.rng.IntN(3) == 0 {
		return g.w.plausible[g.rng.IntN(len(g.w.plausible))], true
	}
	return g.text, true
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
