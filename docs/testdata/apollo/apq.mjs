// A frontend's view of casegate: Apollo Client 4 with automatic persisted queries (the example of
// docs/frontend.md). It logs in, then runs a query by hash over GET: the first time the server
// does not know the hash (PersistedQueryNotFound) and the link sends the document once, by POST;
// after that the hash alone is enough. It checks the answers and what went over the wire, prints a
// summary as JSON, and exits with 1 on any surprise. internal/app/frontend_test.go runs it.
//
//   CASEGATE_URL=http://127.0.0.1:8080 CASEGATE_EMAIL=… CASEGATE_PASSWORD=… node apq.mjs
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const base = process.env.CASEGATE_URL ?? "http://127.0.0.1:8080";
const email = process.env.CASEGATE_EMAIL, password = process.env.CASEGATE_PASSWORD;

// Every request the client sends, to check the protocol: method, and whether it carried the
// document or only its hash.
const wire = [];
async function recordingFetch(url, init = {}) {
  const method = (init.method ?? "GET").toUpperCase();
  const body = method === "POST" ? JSON.parse(init.body) : Object.fromEntries(new URL(url).searchParams);
  wire.push({ method, query: Boolean(body.query) });
  return fetch(url, init);
}

// The hash the server checks: SHA-256, hex, of the document exactly as sent.
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function client(token) {
  const http = new HttpLink({
    uri: `${base}/graphql`,
    fetch: recordingFetch,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  // useGETForHashedQueries: queries by hash go over GET, so that a CDN may cache them; mutations
  // always go by POST.
  const apq = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
  return new ApolloClient({ link: ApolloLink.from([apq, http]), cache: new InMemoryCache() });
}

const LOGIN = gql`mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token viewer { kind } } }`;
const ME = gql`
  query Me($first: Int!) {
    me { kind user { email } }
    groups(first: $first) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } }
  }`;

function fail(message) {
  console.error(JSON.stringify({ ok: false, message, wire }));
  process.exit(1);
}

const login = await client().mutate({ mutation: LOGIN, variables: { email, password } });
const token = login.data?.login?.token;
if (!token) fail("no token from login");

wire.length = 0;
const first = await client(token).query({ query: ME, variables: { first: 5 }, fetchPolicy: "network-only" });
const firstWire = wire.splice(0);
// A new client (an empty cache, as in another browser): the server knows the hash by now.
const second = await client(token).query({ query: ME, variables: { first: 5 }, fetchPolicy: "network-only" });
const secondWire = wire.splice(0);

if (first.data.me.user.email !== email) fail(`me is ${first.data.me.user.email}`);
if (JSON.stringify(first.data) !== JSON.stringify(second.data)) fail("the two answers differ");
// The first: GET by hash (not found), then POST with the document. The second: GET by hash only.
const shape = (w) => w.map((r) => `${r.method}${r.query ? "+query" : ""}`).join(",");
if (shape(firstWire) !== "GET,POST+query") fail(`first round trip: ${shape(firstWire)}`);
if (shape(secondWire) !== "GET") fail(`second round trip: ${shape(secondWire)}`);

console.log(JSON.stringify({
  ok: true,
  kind: login.data.login.viewer.kind,
  me: first.data.me,
  groups: first.data.groups.edges.map((e) => e.node.name),
  first: shape(firstWire),
  second: shape(secondWire),
}));
