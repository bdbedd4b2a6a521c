// The script of the partner portal (index.html); internal/server/portalpage.go and docs/guests.md
// ("The partner portal") say what it does and why. Everything it knows comes from the public GraphQL
// API, so a partner's own portal can do the same: views are the address's #fragment ("" projects,
// "login", "forgot", "case/<id>", "new/<procedure key>").
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var show = casegate.show;
  var st = casegate.load(casegate.PORTAL); // {token}: the session, shared with /activate/
  var VIEWS = ["login", "forgot", "home", "case", "new"];
  var creatable = null, projects = [], forms = {}, current = null;

  function save() { casegate.store(casegate.PORTAL, st); }
  function gql(query, variables) { return casegate.gql(query, variables, st.token); }
  function only(id) {
    VIEWS.forEach(function (v) { $(v).hidden = v !== id; });
    var inside = id !== "login" && id !== "forgot";
    $("logout").hidden = !inside;
    if (!inside) { $("who").textContent = ""; }
  }
  function fail(e) {
    if (e.code === "UNAUTHENTICATED" && st.token) {
      st = {}; save(); go("login", "Your session has ended. Log in again.", "err"); return;
    }
    show(casegate.errorText(e), "err");
  }

  // Routing: go changes the view (and shows note once it is there); route renders the current one.
  var note = null;
  function go(hash, text, cls) {
    note = text ? {text: text, cls: cls || "ok"} : null;
    if (location.hash.replace(/^#/, "") === hash) { route(); } else { location.hash = hash; }
  }
  function route() {
    var h = location.hash.replace(/^#\/?/, ""), parts = h.split("/"), done, shown = note;
    note = null;
    show("");
    document.body.setAttribute("aria-busy", "true"); // until the view has loaded
    if (!st.token) {
      only(h === "forgot" ? "forgot" : "login");
      done = Promise.resolve();
    } else if (parts[0] === "case" && parts[1]) {
      done = openCase(decodeURIComponent(parts[1]));
    } else if (parts[0] === "new" && parts[1]) {
      done = openNew(decodeURIComponent(parts[1]));
    } else {
      done = home();
    }
    done.then(function () {
      if (shown) { show(shown.text, shown.cls); }
    }).catch(fail).then(function () { document.body.removeAttribute("aria-busy"); });
  }
  window.addEventListener("hashchange", route);

  // Logging in and out.
  $("login").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = $("email").value.trim(), pw = $("password").value;
    if (!email || !pw) { show("Enter your e-mail address and your password.", "err"); return; }
    gql("mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
      {email: email, password: pw}).then(function (d) {
      st = {token: d.login.token}; save(); $("password").value = "";
      go("");
    }).catch(fail);
  });
  $("forgot-link").addEventListener("click", function () { $("forgot-email").value = $("email").value; go("forgot"); });
  $("forgot-back").addEventListener("click", function () { go("login"); });
  $("forgot").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = $("forgot-email").value.trim();
    if (!email) { show("Enter your e-mail address.", "err"); return; }
    gql("mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }", {email: email}).then(function () {
      go("login", "If the address belongs to an account, a link to choose a new password is on its way. It is valid for one hour.");
    }).catch(fail);
  });
  $("logout").addEventListener("click", function () {
    var end = function () { st = {}; save(); creatable = null; go("login", "You have logged out."); };
    gql("mutation Logout { logout }").then(end, end);
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.back"), function (b) {
    b.addEventListener("click", function () { go(""); });
  });

  function who() {
    return gql("query Me { me { user { name } contact { name company { name } } } }").then(function (d) {
      var me = d.me, name = (me.contact || me.user || {}).name || "";
      var company = me.contact && me.contact.company ? " · " + me.contact.company.name : "";
      $("who").textContent = name + company;
    });
  }

  // The start view: projects with their cases, cases outside any project, new requests.
  function home() {
    only("home");
    $("projects").textContent = "";
    projects = [];
    return Promise.all([who(), loadProjects(null), loose(), loadCreatable()]).then(function () {
      if (projects.length === 0) {
        var p = document.createElement("p"); p.className = "meta"; p.textContent = "No projects are shared with you yet.";
        $("projects").appendChild(p);
      }
      fillCreate();
    });
  }
  function caseLink(list, c) {
    var li = document.createElement("li"), a = document.createElement("a"), stage = document.createElement("span");
    a.href = "#case/" + encodeURIComponent(c.id); a.textContent = c.title;
    stage.className = "stage"; stage.textContent = c.stage;
    li.appendChild(a); li.appendChild(stage); list.appendChild(li);
  }
  function loadProjects(after) {
    return gql("query Projects($after: String) { projects(first: 20, after: $after) { edges { node { id name counterparty { name }" +
        " cases(first: 100) { edges { node { id title stage procedureKey } } } } } pageInfo { hasNextPage endCursor } } }",
    {after: after}).then(function (d) {
      d.projects.edges.forEach(function (e) {
        var p = e.node, box = document.createElement("div"), h = document.createElement("h3"), list = document.createElement("ul");
        projects.push({id: p.id, name: p.name});
        box.className = "project"; box.dataset.project = p.id;
        h.textContent = p.name; box.appendChild(h);
        if (p.counterparty) { var m = document.createElement("p"); m.className = "meta"; m.textContent = p.counterparty.name; box.appendChild(m); }
        list.className = "cases"; box.appendChild(list);
        p.cases.edges.forEach(function (ce) { caseLink(list, ce.node); });
        if (p.cases.edges.length === 0) { casegate.item(list, "No cases you can see yet."); }
        $("projects").appendChild(box);
      });
      var more = $("more-projects"), info = d.projects.pageInfo;
      more.hidden = !info.hasNextPage;
      more.onclick = function () { loadProjects(info.endCursor).then(fillCreate).catch(fail); };
    });
  }
  // loose lists the guest's cases outside any project (a request opened when no project was shared).
  function loose() {
    return gql("query Cases { cases(first: 100) { edges { node { id title stage project { id } } } } }").then(function (d) {
      var list = $("loose-cases"), n = 0;
      list.textContent = "";
      d.cases.edges.forEach(function (e) { if (!e.node.project) { caseLink(list, e.node); n++; } });
      $("loose").hidden = n === 0;
    });
  }
  function loadCreatable() {
    if (creatable) { return Promise.resolve(creatable); }
    return gql("query Creatable { creatableProcedures { key name typeName firstStage fields { field mode } } }").then(function (d) {
      creatable = d.creatableProcedures; return creatable;
    });
  }
  function fillCreate() {
    var sel = $("create-proc"), keep = sel.value;
    sel.textContent = "";
    creatable.forEach(function (p) {
      var o = document.createElement("option"); o.value = p.key; o.textContent = p.name; sel.appendChild(o);
    });
    if (keep) { sel.value = keep; }
    $("create").hidden = creatable.length === 0;
  }
  $("create-open").addEventListener("click", function () { go("new/" + encodeURIComponent($("create-proc").value)); });

  // describe reads a procedure's form from introspection: the sections are the fields of
  // <TypeName>Input, each section's fields those of its own input type; descriptions are the names.
  function unwrap(t) { while (t && !t.name && t.ofType) { t = t.ofType; } return t ? t.name : ""; }
  var FIELDS = "inputFields { name description type { kind name ofType { kind name ofType { kind name } } } }";
  function describe(typeName) {
    if (forms[typeName]) { return Promise.resolve(forms[typeName]); }
    return gql("query Form($name: String!) { __type(name: $name) { " + FIELDS + " } }", {name: typeName + "Input"}).then(function (d) {
      if (!d.__type) { throw new Error("The form " + typeName + " is not known to the server."); }
      var sections = d.__type.inputFields.map(function (f) { return {key: f.name, name: f.description || f.name, type: unwrap(f.type)}; });
      var vars = {}, decl = [], sel = [];
      sections.forEach(function (s, i) { vars["n" + i] = s.type; decl.push("$n" + i + ": String!"); sel.push("s" + i + ": __type(name: $n" + i + ") { " + FIELDS + " }"); });
      if (sections.length === 0) { return sections; }
      return gql("query Sections(" + decl.join(", ") + ") { " + sel.join(" ") + " }", vars).then(function (d) {
        sections.forEach(function (s, i) {
          s.fields = ((d["s" + i] || {}).inputFields || []).map(function (f) {
            return {key: f.name, name: f.description || f.name, type: unwrap(f.type)};
          });
        });
        forms[typeName] = sections;
        return sections;
      });
    });
  }
  // visible keeps the sections and fields a guest's modes show (a field without a mode is hidden).
  function visible(sections, modes) {
    return sections.map(function (s) {
      return {key: s.key, name: s.name, fields: s.fields.filter(function (f) {
        var m = modes[s.key + "." + f.key]; return m && m !== "HIDDEN";
      })};
    }).filter(function (s) { return s.fields.length > 0; });
  }
  function editable(mode) { return mode === "MODIFY" || mode === "REQUIRED"; }
  // render draws the form: read-only fields disabled, required ones marked; it answers whether any
  // field can be changed.
  function render(root, prefix, sections, modes, values) {
    var any = false;
    root.textContent = "";
    sections.forEach(function (s) {
      var fs = document.createElement("fieldset"), lg = document.createElement("legend");
      lg.textContent = s.name; fs.appendChild(lg);
      s.fields.forEach(function (f) {
        var path = s.key + "." + f.key, mode = modes[path], v = (values[s.key] || {})[f.key];
        var label = document.createElement("label"), input = document.createElement("input");
        input.id = prefix + path; label.htmlFor = input.id; label.textContent = f.name;
        if (mode === "REQUIRED") {
          var r = document.createElement("span"); r.className = "req"; r.textContent = " *"; r.title = "required"; label.appendChild(r);
          input.required = true; input.setAttribute("aria-required", "true");
        }
        if (f.type === "Boolean") { input.type = "checkbox"; input.checked = v === true; } else {
          input.type = {Date: "date", Int: "number", Float: "number"}[f.type] || "text";
          if (f.type === "Float") { input.step = "any"; }
          if (f.type === "Decimal") { input.inputMode = "decimal"; }
          input.value = v === null || v === undefined ? "" : String(v);
        }
        input.disabled = !editable(mode);
        any = any || !input.disabled;
        input.dataset.section = s.key; input.dataset.field = f.key; input.dataset.type = f.type; input.dataset.mode = mode;
        input.addEventListener("input", function () { input.classList.remove("invalid"); });
        fs.appendChild(label); fs.appendChild(input);
      });
      root.appendChild(fs);
    });
    return any;
  }
  // collect reads the form's changeable fields as the procedure's input, and the names of required
  // fields left empty (the page refuses to send those; the server would too).
  function collect(root) {
    var input = {}, missing = [];
    Array.prototype.forEach.call(root.querySelectorAll("input"), function (el) {
      if (el.disabled) { return; }
      var v = el.type === "checkbox" ? el.checked : el.value.trim();
      if (v === "") { v = null; }
      else if (el.dataset.type === "Int" && typeof v === "string") { v = parseInt(v, 10); }
      else if (el.dataset.type === "Float" && typeof v === "string") { v = parseFloat(v); }
      if (el.required && v === null) { missing.push(el.labels[0].firstChild.textContent); el.classList.add("invalid"); }
      (input[el.dataset.section] = input[el.dataset.section] || {})[el.dataset.field] = v;
    });
    return {input: input, missing: missing};
  }
  function refuseMissing(missing) {
    if (missing.length === 0) { return false; }
    show("Fill in the required fields: " + missing.join(", ") + ".", "err");
    return true;
  }
  function lower(s) { return s.charAt(0).toLowerCase() + s.slice(1); }
  function selection(sections) {
    return sections.map(function (s) { return s.key + " { " + s.fields.map(function (f) { return f.key; }).join(" ") + " }"; }).join(" ");
  }

  // A case: its form with the guest's modes, its attachments and comments.
  var PARTS = " attachments { id name size downloadUrl } comments(first: 100) { edges { node { byline text createdAt } } }";
  function openCase(id) {
    return gql("query Case($id: ID!) { case(id: $id) { id title stage procedure { typeName } project { name }" +
        " access { rights fields { field mode } }" + PARTS + " } }", {id: id}).then(function (d) {
      var c = d["case"], modes = {};
      c.access.fields.forEach(function (f) { modes[f.field] = f.mode; });
      current = {id: c.id, type: c.procedure.typeName, modes: modes, write: c.access.rights.indexOf("WRITE") >= 0 || c.access.rights.indexOf("MANAGE") >= 0};
      return Promise.all([describe(current.type), who()]).then(function (r) {
        var sections = visible(r[0], modes);
        var values = sections.length === 0 ? Promise.resolve({form: {}}) :
          gql("query Values($id: ID!) { form: " + lower(current.type) + "(id: $id) { " + selection(sections) + " } }", {id: c.id});
        return values.then(function (v) {
          $("case-title").textContent = c.title;
          var any = render($("case-fields"), "f-", sections, modes, v.form || {});
          $("case-meta").textContent = "Stage " + c.stage + (c.project ? " · " + c.project.name : "") +
            (any ? "" : " · you can read this case but not change it");
          $("save").hidden = !any;
          $("add-file").hidden = !current.write;
          showParts(c);
          only("case");
        });
      });
    }).catch(function (e) {
      if (e.code === "NOT_FOUND") { go("", "The case is not open to you.", "err"); return; }
      throw e;
    });
  }
  function showParts(c) {
    var files = $("files"), notes = $("notes");
    files.textContent = ""; notes.textContent = "";
    c.attachments.forEach(function (a) {
      var b = document.createElement("button"); b.type = "button"; b.textContent = "Download";
      b.addEventListener("click", function () { casegate.download(a.downloadUrl, a.name, st.token).catch(fail); });
      casegate.item(files, a.name, a.size + " B").appendChild(b);
    });
    if (c.attachments.length === 0) { casegate.item(files, "No files shared with you."); files.lastChild.className = "meta empty"; }
    c.comments.edges.forEach(function (e) {
      casegate.item(notes, e.node.text, e.node.byline + ", " + new Date(e.node.createdAt).toLocaleString());
    });
  }
  function reloadParts() {
    return gql("query Parts($id: ID!) { case(id: $id) {" + PARTS + " } }", {id: current.id}).then(function (d) { showParts(d["case"]); });
  }
  $("case").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = collect($("case-fields"));
    if (refuseMissing(f.missing)) { return; }
    gql("mutation Save($id: ID!, $input: " + current.type + "Input!) { update" + current.type + "(id: $id, input: $input) { id } }",
      {id: current.id, input: f.input}).then(function () { go("case/" + encodeURIComponent(current.id), "Saved."); }).catch(fail);
  });
  $("upload").addEventListener("click", function () {
    var file = ($("file").files || [])[0];
    if (!file) { show("Choose a file first.", "err"); return; }
    casegate.upload("mutation Attach($id: ID!, $file: Upload!) { addAttachment(caseId: $id, file: $file) { id } }",
      {id: current.id}, "file", file, st.token).then(function () {
      $("file").value = ""; return reloadParts();
    }).then(function () { show("The file is attached.", "ok"); }).catch(fail);
  });
  $("comment").addEventListener("click", function () {
    var text = $("note").value.trim();
    if (!text) { show("Write a comment first.", "err"); return; }
    gql("mutation Comment($id: ID!, $text: String!) { addComment(caseId: $id, text: $text) { id } }", {id: current.id, text: text})
      .then(function () { $("note").value = ""; return reloadParts(); })
      .then(function () { show("Your comment is added.", "ok"); }).catch(fail);
  });

  // A new case of a procedure guests may open, with the modes of its first stage.
  var creating = null;
  function openNew(key) {
    return Promise.all([loadCreatable(), who(), projects.length ? null : loadProjectNames()]).then(function () {
      var p = creatable.filter(function (x) { return x.key === key; })[0];
      if (!p) { go("", "You cannot open a request of this kind.", "err"); return; }
      var modes = {};
      p.fields.forEach(function (f) { modes[f.field] = f.mode; });
      creating = {type: p.typeName};
      return describe(p.typeName).then(function (all) {
        $("new-heading").textContent = p.name;
        $("new-title").value = "";
        var sel = $("new-project");
        sel.textContent = "";
        // The first option leaves the choice to the server (the first project the guest sees).
        var auto = document.createElement("option"); auto.value = ""; auto.textContent = "(default)"; sel.appendChild(auto);
        projects.forEach(function (pr) { var o = document.createElement("option"); o.value = pr.id; o.textContent = pr.name; sel.appendChild(o); });
        $("new-project-box").hidden = projects.length === 0;
        render($("new-fields"), "n-", visible(all, modes), modes, {});
        only("new");
      });
    });
  }
  function loadProjectNames() {
    return gql("query ProjectNames { projects(first: 100) { edges { node { id name } } } }").then(function (d) {
      projects = d.projects.edges.map(function (e) { return {id: e.node.id, name: e.node.name}; });
    });
  }
  $("new").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = collect($("new-fields"));
    if (refuseMissing(f.missing)) { return; }
    var title = $("new-title").value.trim(), project = $("new-project-box").hidden ? null : $("new-project").value || null;
    gql("mutation Create($input: " + creating.type + "Input!, $title: String, $project: ID) { create" + creating.type +
        "(input: $input, title: $title, projectId: $project) { id } }", {input: f.input, title: title || null, project: project})
      .then(function (d) { go("case/" + encodeURIComponent(d["create" + creating.type].id), "Your request has been sent."); }).catch(fail);
  });

  route();
})();
