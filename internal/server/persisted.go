package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/casegate/casegate/internal/access"
	"github.com/casegate/casegate/internal/auth"
	"github.com/casegate/casegate/internal/persisted"
)

// Codes and reasons of persisted documents. PERSISTED_QUERY_NOT_FOUND keeps the code (and the
// message PersistedQueryNotFound) of the automatic persisted queries protocol, since clients
// (Apollo's PersistedQueryLink, urql, Relay) resend the full document on seeing exactly that.
const (
	codePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	messagePersistedNotFound   = "PersistedQueryNotFound"
	codeNotTrusted             = "OPERATION_NOT_TRUSTED"
	reasonHashMismatch         = "PERSISTED_QUERY_HASH_MISMATCH"
	reasonPersistedInvalid     = "PERSISTED_QUERY_INVALID"
)

// apqCacheSize bounds the documents the server remembers for automatic persisted queries. A
// document is at most --max-query-bytes long (longer ones are never remembered), so the cache holds
// at most 512 × 64 KiB by default; the least recently used document goes first.
const apqCacheSize = 512

// persistedQueries reads the persistedQuery extension of a request (automatic persisted queries,
// and trusted documents sent by hash): a hash alone is looked up in the trusted-documents manifest,
// then in the cache of documents sent before; a hash with its document is checked and remembers
// the document. It runs before the limits, which then check the document found.
type persistedQueries struct {
	cache    graphql.Cache[string]
	manifest *persisted.Manifest
	maxBytes int
}

var (
	_ graphql.HandlerExtension          = persistedQueries{}
	_ graphql.OperationParameterMutator = persistedQueries{}
)

func newPersistedQueries(m *persisted.Manifest, size, maxBytes int) persistedQueries {
	return persistedQueries{cache: lru.New[string](size), manifest: m, maxBytes: maxBytes}
}

func (persistedQueries) ExtensionName() string                   { return "CasegatePersistedQueries" }
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

func persistedError(reason, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": "BAD_USER_INPUT", "reason": reason}}
}

func (p persistedQueries) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	ext, present := params.Extensions["persistedQuery"]
	if !present || ext == nil {
		return nil
	}
	m, ok := ext.(map[string]any)
	if !ok {
		return persistedError(reasonPersistedInvalid, "extensions.persistedQuery must be an object {version: 1, sha256Hash}")
	}
	if !isVersion1(m["version"]) {
		return persistedError(reasonPersistedInvalid, "extensions.persistedQuery.version must be 1")
	}
	hash, _ := m["sha256Hash"].(string)
	if !persisted.IsHash(hash) {
		return persistedError(reasonPersistedInvalid, "extensions.persistedQuery.sha256Hash must be a SHA-256 hash (64 lowercase hex digits)")
	}
	if params.Query == "" {
		if text, ok := p.manifest.Lookup(hash); ok {
			params.Query = text
			return nil
		}
		if text, ok := p.cache.Get(ctx, hash); ok {
			params.Query = text
			return nil
		}
		return &gqlerror.Error{Message: messagePersistedNotFound, Extensions: map[string]any{"code": codePersistedQueryNotFound}}
	}
	if persisted.Hash(params.Query) != hash {
		return persistedError(reasonHashMismatch, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it")
	}
	if _, listed := p.manifest.Lookup(hash); !listed && len(params.Query) <= p.maxBytes {
		p.cache.Add(ctx, hash, params.Query)
	}
	return nil
}

// isVersion1 accepts the version as a JSON number (decoded as json.Number by the transports).
func isVersion1(v any) bool {
	switch n := v.(type) {
	case json.Number:
		return n.String() == "1"
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	}
	return false
}

// trustedOperation lets a principal that may run only trusted documents (access.AnyDocument) run
// a document only when it is in the manifest (whether sent by hash or in full) or is one of
// casegate's own pages' (pageDocument). It runs after principalOperation, which knows the
// principal. Without a manifest it lets everything through.
func trustedOperation(m *persisted.Manifest, metrics *Metrics) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if m == nil || access.AnyDocument(auth.PrincipalFrom(ctx)).Allowed {
			return next(ctx)
		}
		text := graphql.GetOperationContext(ctx).RawQuery
		if _, ok := m.Lookup(persisted.Hash(text)); ok || pageDocument(text) {
			return next(ctx)
		}
		metrics.refused(codeNotTrusted)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "this operation is not one of the server's trusted documents",
			Extensions: map[string]any{"code": codeNotTrusted},
		}}})
	}
}

// documentIDs accepts the trusted-documents convention of sending a document by id alone: a
// top-level documentId (a GET parameter here; in a POST body, documentIDBody, called by limitBody,
// which holds the body), the hash with or without a "sha256:" prefix. It becomes the
// persistedQuery extension, so that one path (persistedQueries) looks every hash up. A request that
// also sends a query or extensions is left as it is.
func documentIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.RawQuery, "documentId") {
			q := r.URL.Query()
			if id := q.Get("documentId"); id != "" && q.Get("query") == "" && q.Get("extensions") == "" {
				q.Del("documentId")
				q.Set("extensions", persistedExtension(id))
				r.URL.RawQuery = q.Encode()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// documentIDBody is documentIDs for a JSON body; it returns body unchanged unless it sends a
// documentId alone.
func documentIDBody(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"documentId"`)) {
		return body
	}
	var fields map[string]json.RawMessage
	var id string
	if json.Unmarshal(body, &fields) != nil || fields["query"] != nil || fields["extensions"] != nil ||
		json.Unmarshal(fields["documentId"], &id) != nil || id == "" {
		return body
	}
	delete(fields, "documentId")
	fields["extensions"] = json.RawMessage(persistedExtension(id))
	b, err := json.Marshal(fields)
	if err != nil {
		return body
	}
	return b
}

func persistedExtension(id string) string {
	b, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.TrimPrefix(id, "sha256:")}})
	return string(b)
}
