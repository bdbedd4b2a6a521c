package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/casegate/casegate/internal/app"
	"github.com/casegate/casegate/internal/gqltest"
)

// BenchmarkCaseByID is the server's own work for case(id) with every field (the load command's
// query), through the HTTP handler in process: no network and no client decoding, so its CPU
// profile and allocations are the server's. One round trip to PostgreSQL a request.
//
//	go test ./internal/app/ -run '^$' -bench CaseByID -benchmem -cpuprofile cpu.out
func BenchmarkCaseByID(b *testing.B) {
	s := gqltest.Start(b)
	if err := s.App.LoadDemo(b.Context(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	worker := s.Login("pracownik@demo.casegate.test", app.DemoPassword)
	var list struct {
		Cases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	worker.Do(`{ cases(first: 1, filter: {procedure: "service-request"}) { edges { node { id } } } }`, nil).MustOK(b).Decode(b, &list)
	if len(list.Cases.Edges) != 1 {
		b.Fatalf("demo data: %+v", list)
	}
	body, err := json.Marshal(map[string]any{"query": caseQueryAllFields(b, "service-request"), "variables": map[string]any{"id": list.Cases.Edges[0].Node.ID}})
	if err != nil {
		b.Fatal(err)
	}
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+worker.Token)
		rec := httptest.NewRecorder()
		s.App.Handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(); rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("case(id): %d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rec := do(); rec.Code != http.StatusOK {
			b.Fatalf("case(id): %d %s", rec.Code, rec.Body)
		}
	}
}
