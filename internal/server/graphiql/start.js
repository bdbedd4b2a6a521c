// Starts GraphiQL on the GraphQL endpoint next to this page, with the header editor (where a
// bearer token goes) and the docs explorer. Everything it runs comes from this server; see
// README.md beside this file.
(function () {
  "use strict";

  var intro = [
    "# casegate's GraphQL API. Log in (anonymous requests may only log in and recover passwords):",
    "#",
    "#   mutation { login(email: \"…\", password: \"…\") { token expiresAt } }",
    "#",
    "# then put the token in the Headers tab below and run your queries:",
    "#",
    "#   {\"Authorization\": \"Bearer <token>\"}",
    "#",
    "# Where the schema is only for callers with a session (--introspection authenticated), refetch",
    "# it with the button beside the docs once the header is there. The schema as SDL: /schema.graphql",
    "",
    "query Me {",
    "  me { kind user { name email } }",
    "}",
    ""
  ].join("\n");

  var endpoint = new URL("graphql", document.baseURI).href;
  var e = React.createElement;
  var footer = e(GraphiQL.Footer, null,
    e("div", {className: "casegate-footer"},
      "GraphiQL, React and the software they bundle: ",
      e("a", {href: "graphiql/LICENSES.txt", target: "_blank", rel: "noopener"}, "licences"),
      " · ",
      e("a", {href: "schema.graphql", target: "_blank", rel: "noopener"}, "schema.graphql")));

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    e(GraphiQL, {
      fetcher: GraphiQL.createFetcher({url: endpoint}),
      defaultQuery: intro,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers"
    }, footer));
})();
