// casegate's shared page helper (/static/casegate.js): every page casegate serves speaks the public
// GraphQL API through it, as a partner's own page would. It defines one global, casegate.
var casegate = (function () {
  // gql sends a GraphQL request as JSON and answers its data, or fails with the first error: its
  // message, extensions.code, and the field (extensions.field), fields (extensions.fields) or cells
  // of a list checked together (extensions.cells) it names.
  function gql(query, variables, token) {
    return post({"Content-Type": "application/json"}, JSON.stringify({query: query, variables: variables || {}}), token);
  }
  // post sends a request body (JSON or multipart) to /graphql with the bearer token, when there is one.
  function post(headers, body, token) {
    if (token) { headers.Authorization = "Bearer " + token; }
    return fetch("/graphql", {method: "POST", headers: headers, body: body})
      .catch(function () { throw new Error("The server could not be reached. Try again."); })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          var x = body.errors[0].extensions || {}, e = new Error(body.errors[0].message);
          e.code = x.code; e.field = x.field; e.fields = x.fields; e.cells = x.cells;
          throw e;
        }
        return body.data;
      });
  }
  // upload sends one file as a GraphQL multipart request: variables[name] is the file.
  function upload(query, variables, name, file, token) {
    var vars = {}, map = {};
    Object.keys(variables || {}).forEach(function (k) { vars[k] = variables[k]; });
    vars[name] = null; map["0"] = ["variables." + name];
    var body = new FormData();
    body.append("operations", JSON.stringify({query: query, variables: vars}));
    body.append("map", JSON.stringify(map));
    body.append("0", file, file.name);
    return post({}, body, token);
  }
  // download fetches a file with the bearer token (a link cannot carry it) and saves it as name.
  function download(url, name, token) {
    return fetch(url, {headers: {Authorization: "Bearer " + token}}).then(function (res) {
      if (!res.ok) { var e = new Error("The file could not be downloaded."); if (res.status === 401) { e.code = "UNAUTHENTICATED"; } throw e; }
      return res.blob();
    }).then(function (blob) {
      var link = document.createElement("a"), href = URL.createObjectURL(blob);
      link.href = href; link.download = name; link.click();
      setTimeout(function () { URL.revokeObjectURL(href); }, 60000);
    });
  }
  // load and store keep a page's state as JSON in the tab's sessionStorage.
  function load(key) { try { return JSON.parse(sessionStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; } }
  function store(key, value) { sessionStorage.setItem(key, JSON.stringify(value)); }
  // show puts a message in the page's #msg: cls "err", "ok" or "".
  function show(text, cls) { var m = document.getElementById("msg"); m.textContent = text || ""; m.className = cls || ""; }
  // errorText is what a failed request says to a person.
  function errorText(e) {
    if (e.code === "FORBIDDEN") { return "You are not allowed to do this."; }
    return (e.message || "The server could not be reached.") + (e.fields && e.fields.length ? ": " + e.fields.join(", ") : "");
  }
  // item appends a list item with text and a muted note in parentheses.
  function item(list, text, meta) {
    var li = document.createElement("li"), m = document.createElement("span");
    li.textContent = text; m.className = "meta"; m.textContent = meta ? " (" + meta + ")" : ""; li.appendChild(m);
    list.appendChild(li); return li;
  }
  // The session of the partner portal, shared by /activate/ (which logs in) and /portal/.
  var PORTAL = "casegate-portal";
  return {gql: gql, post: post, upload: upload, download: download, load: load, store: store, show: show,
    errorText: errorText, item: item, PORTAL: PORTAL};
})();
