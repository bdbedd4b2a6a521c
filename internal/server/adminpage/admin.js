// The script of the administration page (index.html); internal/server/adminpage.go and docs/admin.md
// say what it does and why. It speaks only the public GraphQL API with an administrator's session,
// kept in the tab's sessionStorage. The address's #fragment names the procedure shown
// ("procedure/<key>"), so that a reload keeps it.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var show = casegate.show;
  var KEY = "casegate-admin";
  var st = casegate.load(KEY); // {token}
  var MODES = ["REQUIRED", "MODIFY", "READ_ONLY", "HIDDEN"];
  var LABELS = {REQUIRED: "Required", MODIFY: "Modify", READ_ONLY: "Read only", HIDDEN: "Hidden", AS_SECTION: "As section"};
  var SOURCES = {SCHEMA: "the schema", ADMIN: "an administrator's base mode", STAGE_EXCEPTION: "a stage exception", SECTION: "the section"};
  var MARKS = {SCHEMA: "S", ADMIN: "A", STAGE_EXCEPTION: "E", SECTION: "↑"};
  var LISTS = {visibleOnlyFor: "visible only for", modifyOnlyFor: "modified only by"};
  var procedure = "", version = 0, historyAfter = null, audienceAfter = null, audienceCase = "", audienceSearch = "";
  // lists holds each row's visibleOnlyFor / modifyOnlyFor as loaded (initial) and as edited
  // (current), by target; a ref is {key: "u:<id>" or "g:<id>", label, userId or groupId}.
  var lists = {};

  function save() { casegate.store(KEY, st); }
  function gql(query, variables) { return casegate.gql(query, variables, st.token); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function busy(p) {
    document.body.setAttribute("aria-busy", "true");
    return p.catch(fail).then(function () { document.body.removeAttribute("aria-busy"); });
  }
  function only(id) {
    $("login").hidden = id !== "login";
    $("home").hidden = id !== "home";
    $("logout").hidden = id !== "home";
    $("main").className = id === "home" ? "wide" : "narrow";
    if (id !== "home") { $("who").textContent = ""; }
  }
  function fail(e) {
    if (e.code === "UNAUTHENTICATED" && st.token) {
      st = {}; save(); only("login"); show("Your session has ended. Log in again.", "err"); return;
    }
    if ($("home").hidden) { only("login"); }
    show(casegate.errorText(e), "err");
  }

  // Logging in: only an administrator's session is kept; anyone else's is ended at once.
  var REFUSED = "This page is for administrators only. Log in with an administrator's account.";
  function admin() {
    return gql("query AdminMe { me { kind user { name email } permissions } }").then(function (d) {
      var me = d.me;
      if (me.kind !== "INTERNAL" || me.permissions.indexOf("ADMIN") < 0 || !me.user) { return null; }
      return me.user;
    });
  }
  function refuse() {
    var end = function () { st = {}; save(); only("login"); show(REFUSED, "err"); };
    return gql("mutation Logout { logout }").then(end, end);
  }
  $("login").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var email = $("email").value.trim(), pw = $("password").value;
    if (!email || !pw) { show("Enter your e-mail address and your password.", "err"); return; }
    busy(gql("mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
      {email: email, password: pw}).then(function (d) {
      st = {token: d.login.token}; $("password").value = "";
      return admin().then(function (user) {
        if (!user) { return refuse(); }
        save(); show("");
        return home(user);
      }, function (e) { st = {}; throw e; });
    }));
  });
  $("logout").addEventListener("click", function () {
    var end = function () { st = {}; save(); only("login"); show("You have logged out.", "ok"); };
    busy(gql("mutation Logout { logout }").then(end, end));
  });

  // The start: the procedures to pick from, and the one the address names (else the first).
  function home(user) {
    only("home");
    $("who").textContent = user.name + " · " + user.email;
    return gql("query Procedures { procedures { key name } }").then(function (d) {
      var sel = $("procedure"), wanted = fromHash();
      sel.textContent = "";
      d.procedures.forEach(function (p) {
        var o = el("option", "", p.name + " (" + p.key + ")"); o.value = p.key; sel.appendChild(o);
      });
      if (wanted && d.procedures.some(function (p) { return p.key === wanted; })) { sel.value = wanted; }
      return pick(sel.value);
    });
  }
  function fromHash() {
    var m = /^#procedure\/(.+)$/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function pick(key) {
    procedure = key;
    if (fromHash() !== key) { history.replaceState(null, "", "#procedure/" + encodeURIComponent(key)); }
    return Promise.all([loadMatrix(), loadHistory(null)]);
  }
  $("procedure").addEventListener("change", function () {
    if (pending()) {
      $("procedure").value = procedure;
      show("Save or reload the changes to this procedure's matrix before you pick another one.", "err");
      return;
    }
    show("");
    busy(pick($("procedure").value));
  });

  // The matrix: one row a section or field, one column pair (internal, external) for all stages
  // (the base mode) and one for each stage (its exception, or "=" to leave it to the base).
  function loadMatrix() {
    return gql("query Matrix($procedure: String!) { procedure(key: $procedure) { sections { key access { internal external }" +
        " fields { path access { internal external } } } } accessMatrix(procedure: $procedure) { version stages" +
        " rows { target isSection name cells { stage audience configured mode source }" +
        " visibleOnlyFor { user { id name } group { id name } } modifyOnlyFor { user { id name } group { id name } } } } }",
    {procedure: procedure}).then(function (d) { render(d.procedure, d.accessMatrix); });
  }
  function render(proc, m) {
    var base = {}, grid = $("grid"), head = el("thead"), top = el("tr"), sub = el("tr"), body = el("tbody");
    proc.sections.forEach(function (s) {
      base[s.key] = s.access;
      s.fields.forEach(function (f) { base[f.path] = f.access; });
    });
    version = m.version;
    lists = {};
    $("matrix-meta").textContent = "Version " + m.version + " of the settings · stages: " + m.stages.join(" → ");
    var corner = el("th", "", "Section / field"); corner.rowSpan = 2; corner.scope = "col"; top.appendChild(corner);
    [""].concat(m.stages).forEach(function (stage) {
      var th = el("th", stage ? "stagecol" : "stagecol base", stage || "All stages"); th.colSpan = 2; th.scope = "colgroup"; top.appendChild(th);
      ["Internal", "External"].forEach(function (a) { var c = el("th", "aud", a); c.scope = "col"; sub.appendChild(c); });
    });
    head.appendChild(top); head.appendChild(sub);
    m.rows.forEach(function (r) {
      var tr = el("tr", r.isSection ? "section" : "field"), th = el("th");
      th.scope = "row"; tr.dataset.target = r.target;
      th.appendChild(el("span", "name", r.name));
      th.appendChild(el("span", "meta target", r.target));
      listsOf(th, r);
      tr.appendChild(th);
      var access = base[r.target] || {};
      ["INTERNAL", "EXTERNAL"].forEach(function (a) {
        var configured = access[a.toLowerCase()] || "";
        tr.appendChild(cell(r, "", a, configured, configured ? "base mode " + LABELS[configured] : "", ""));
      });
      r.cells.forEach(function (c) {
        var exception = c.source === "STAGE_EXCEPTION" ? c.configured : "";
        tr.appendChild(cell(r, c.stage, c.audience, exception, LABELS[c.mode] + ", from " + SOURCES[c.source], c.source, c.mode));
      });
      body.appendChild(tr);
    });
    grid.textContent = "";
    grid.appendChild(head); grid.appendChild(body);
    changed();
  }
  // listsOf puts a row's two lists in its header cell, each entry a chip with a button that removes
  // it, and under them a field to add a user or group to either list. Edits wait like the cells' until
  // saved or reloaded away.
  function listsOf(th, r) {
    var box = el("div", "lists"), row = {name: r.name, box: box};
    Object.keys(LISTS).forEach(function (list) {
      var refs = r[list].map(refOf);
      row[list] = {initial: refs, current: refs.slice()};
    });
    lists[r.target] = row;
    th.appendChild(box);
    drawLists(r.target);
    var add = el("details", "add-ref"), id = "add-" + Object.keys(lists).length;
    add.appendChild(el("summary", "", "Add a user or group"));
    var label = el("label", "", "User or group (name, e-mail or group name)"), input = el("input");
    label.htmlFor = id; input.id = id; input.setAttribute("list", "principals"); input.autocomplete = "off";
    input.dataset.target = r.target;
    add.appendChild(label); add.appendChild(input);
    Object.keys(LISTS).forEach(function (list) {
      var b = el("button", "secondary", "Add to “" + LISTS[list] + "”");
      b.type = "button"; b.dataset.add = list;
      b.addEventListener("click", function () { addRef(r.target, list, input); });
      add.appendChild(b);
    });
    th.appendChild(add);
  }
  function refOf(p) {
    return p.user ? {key: "u:" + p.user.id, label: p.user.name, userId: p.user.id}
      : {key: "g:" + p.group.id, label: "group " + p.group.name, groupId: p.group.id};
  }
  function keys(refs) { return refs.map(function (x) { return x.key; }).sort().join(","); }
  function listEdited(l) { return keys(l.initial) !== keys(l.current); }
  // drawLists shows a row's lists as they are now: a list empty before and after is left out, a
  // changed one is marked until saved.
  function drawLists(target) {
    var row = lists[target];
    row.box.textContent = "";
    Object.keys(LISTS).forEach(function (list) {
      var l = row[list];
      if (!l.initial.length && !l.current.length) { return; }
      var div = el("div", "limit" + (listEdited(l) ? " edited" : "")), ul = el("ul", "chips");
      div.dataset.list = target + ":" + list;
      div.setAttribute("role", "group");
      div.setAttribute("aria-label", row.name + ", " + LISTS[list] + (listEdited(l) ? " (changed)" : ""));
      div.appendChild(el("span", "meta", LISTS[list] + ":"));
      l.current.forEach(function (x) {
        var li = el("li", "chip"), b = el("button", "remove");
        li.dataset.ref = x.key;
        li.appendChild(el("span", "", x.label));
        b.type = "button"; b.title = "Remove " + x.label;
        b.appendChild(el("span", "", "×")); b.lastChild.setAttribute("aria-hidden", "true");
        b.appendChild(el("span", "hidden-text", "Remove " + x.label + " from " + LISTS[list]));
        b.addEventListener("click", function () {
          l.current = l.current.filter(function (y) { return y.key !== x.key; });
          drawLists(target); changed();
          var next = row.box.querySelector("button.remove") || row.box.parentNode.querySelector("summary");
          if (next) { next.focus(); }
        });
        li.appendChild(b); ul.appendChild(li);
      });
      if (!l.current.length) { ul.appendChild(el("li", "meta", "no one listed: the list is cleared")); }
      div.appendChild(ul);
      row.box.appendChild(div);
    });
  }
  // addRef adds the user or group the input names to a row's list.
  function addRef(target, list, input) {
    var text = input.value.trim();
    if (!text) { show("Enter the name or e-mail of a user, or the name of a group.", "err"); input.focus(); return; }
    busy(resolveRef(text).then(function (x) {
      if (!x) {
        show("No single user or group matches “" + text + "”: pick one from the suggestions.", "err"); input.focus(); return;
      }
      var l = lists[target][list];
      if (l.current.some(function (y) { return y.key === x.key; })) {
        show(x.label + " is already on the list " + LISTS[list] + ".", "err"); return;
      }
      l.current.push(x);
      input.value = "";
      show("");
      drawLists(target); changed();
    }));
  }
  // The suggestions of the add fields: one shared datalist, filled from users(...) and groups(...)
  // as the administrator types; known maps each suggestion's text to its user or group.
  var known = {}, searching = null, searched = null;
  function userText(u) { return u.email ? u.name + " <" + u.email + ">" : u.name; }
  function groupText(g) { return "Group: " + g.name; }
  function findPrincipals(search) {
    return gql("query Principals($search: String) { users(filter: {search: $search}, first: 20) { edges { node { id name email } } }" +
        " groups(search: $search, first: 20) { edges { node { id name } } } }", {search: search || null}).then(function (d) {
      var found = [];
      d.users.edges.forEach(function (e) {
        var u = e.node;
        found.push({text: userText(u), name: u.name, email: u.email || "", ref: {key: "u:" + u.id, label: u.name, userId: u.id}});
      });
      d.groups.edges.forEach(function (e) {
        var g = e.node;
        found.push({text: groupText(g), name: g.name, email: "", ref: {key: "g:" + g.id, label: "group " + g.name, groupId: g.id}});
      });
      found.forEach(function (f) { known[f.text] = f.ref; });
      return found;
    });
  }
  function suggest(search) {
    if (search === searched) { return; }
    searched = search;
    findPrincipals(search).then(function (found) {
      if (search !== searched) { return; } // a later search has started
      var dl = $("principals");
      dl.textContent = "";
      found.forEach(function (f) { var o = el("option"); o.value = f.text; dl.appendChild(o); });
    }).catch(fail);
  }
  // searchText is what to search for in a field's text: the e-mail of "Name <e-mail>", the name of
  // "Group: name", else the text.
  function searchText(text) {
    var m = /<([^>]+)>$/.exec(text);
    if (m) { return m[1]; }
    return text.replace(/^group:?\s+/i, "");
  }
  // resolveRef is the user or group a text names: a suggestion's text, else the one user or group
  // whose e-mail, name or suggestion the text is exactly (case aside); null when none or several.
  function resolveRef(text) {
    if (known[text]) { return Promise.resolve(known[text]); }
    var lower = text.toLowerCase(), q = searchText(text), ql = q.toLowerCase(), group = q !== text && !/<[^>]+>$/.test(text);
    return findPrincipals(q).then(function (found) {
      var hits = found.filter(function (f) {
        if (f.text.toLowerCase() === lower) { return true; }
        if (group) { return !!f.ref.groupId && f.name.toLowerCase() === ql; }
        return f.email.toLowerCase() === ql || f.name.toLowerCase() === ql;
      });
      return hits.length === 1 ? hits[0].ref : null;
    });
  }
  $("grid").addEventListener("input", function (ev) {
    if (!ev.target.matches("input[list=principals]")) { return; }
    clearTimeout(searching);
    var text = ev.target.value.trim();
    searching = setTimeout(function () { suggest(searchText(text)); }, 250);
  });
  $("grid").addEventListener("focusin", function (ev) {
    if (ev.target.matches("input[list=principals]") && searched === null) { suggest(""); }
  });
  // cell is one select: value "" is "no setting of its own" (the schema default for the base, the
  // base for a stage); initial is what is configured now.
  function cell(r, stage, audience, initial, describe, source, mode) {
    var td = el("td"), sel = el("select");
    var key = r.target + "@" + (stage || "*") + "/" + audience;
    td.dataset.cell = key;
    if (source) { td.dataset.source = source; }
    var none = el("option", "", stage ? "= " + (initial ? "base" : LABELS[mode]) : "Schema default");
    none.value = ""; sel.appendChild(none);
    (r.isSection ? MODES : MODES.concat(["AS_SECTION"])).forEach(function (v) {
      var o = el("option", "", LABELS[v]); o.value = v; sel.appendChild(o);
    });
    sel.value = initial;
    sel.dataset.initial = initial;
    var name = r.name + ", " + (stage || "all stages") + ", " + audience.toLowerCase();
    sel.setAttribute("aria-label", name + (describe ? ": " + describe : ""));
    sel.title = describe;
    sel.addEventListener("change", changed);
    if (source) {
      var mark = el("span", "src src-" + source, MARKS[source]);
      mark.title = "from " + SOURCES[source]; mark.setAttribute("aria-hidden", "true");
      td.appendChild(mark);
    }
    td.appendChild(sel);
    return td;
  }
  // pending lists the cells changed since the matrix was loaded, as setAccessMatrix takes them.
  function pendingCells() {
    var out = [];
    Array.prototype.forEach.call(document.querySelectorAll("#grid td[data-cell]"), function (td) {
      var sel = td.querySelector("select");
      if (sel.value === sel.dataset.initial) { return; }
      var m = /^(.*)@(.*)\/(INTERNAL|EXTERNAL)$/.exec(td.dataset.cell);
      out.push({target: m[1], stage: m[2] === "*" ? null : m[2], audience: m[3], mode: sel.value || null, td: td});
    });
    return out;
  }
  // pendingLists is one entry a target whose lists changed, as setAccessMatrix's lists take them: a
  // list not changed is left out (kept as it is), a changed one sent whole (empty clears it); n
  // counts the changed lists.
  function pendingLists() {
    var out = [];
    Object.keys(lists).forEach(function (target) {
      var entry = {target: target}, n = 0;
      Object.keys(LISTS).forEach(function (list) {
        var l = lists[target][list];
        if (!listEdited(l)) { return; }
        n++;
        entry[list] = l.current.map(function (x) { return x.userId ? {userId: x.userId} : {groupId: x.groupId}; });
      });
      if (n) { out.push({entry: entry, n: n}); }
    });
    return out;
  }
  // pending counts every unsaved change: a cell or a list.
  function pending() {
    return pendingCells().length + pendingLists().reduce(function (n, l) { return n + l.n; }, 0);
  }
  function changed() {
    Array.prototype.forEach.call(document.querySelectorAll("#grid td[data-cell]"), function (td) {
      var sel = td.querySelector("select");
      td.classList.toggle("edited", sel.value !== sel.dataset.initial);
    });
    var n = pending();
    $("save").disabled = n === 0;
    $("pending").textContent = n === 0 ? "No unsaved changes." : n === 1 ? "1 unsaved change." : n + " unsaved changes.";
  }
  $("save").addEventListener("click", function () {
    var changes = pendingCells(), edits = pendingLists(), n = pending();
    if (!n) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("#grid td.bad"), function (td) {
      td.classList.remove("bad"); td.querySelector("select").removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(document.querySelectorAll("#grid div.limit.bad"), function (div) {
      div.classList.remove("bad"); div.removeAttribute("aria-invalid");
    });
    busy(gql("mutation SaveMatrix($procedure: String!, $version: Int!, $changes: [AccessMatrixChangeInput!]!," +
        " $lists: [AccessMatrixListInput!]!) { setAccessMatrix(procedure: $procedure, version: $version, changes: $changes, lists: $lists) { version } }",
    {procedure: procedure, version: version, changes: changes.map(function (c) {
      return {target: c.target, stage: c.stage, audience: c.audience, mode: c.mode};
    }), lists: edits.map(function (l) { return l.entry; })}).then(function (d) {
      return Promise.all([loadMatrix(), loadHistory(null)]).then(function () {
        show("Saved " + (n === 1 ? "1 change" : n + " changes") + ": the settings are now at version " + d.setAccessMatrix.version + ".", "ok");
      });
    }).catch(function (e) {
      if (e.code === "CONFLICT") {
        show("Someone else changed this procedure's settings since you loaded them, so nothing was saved." +
          " Reload to see their changes, then make yours again.", "err");
        return;
      }
      var marked = e.code === "BAD_USER_INPUT" ? markBad(e, changes) : "";
      if (marked) {
        show("Nothing was saved. " + e.message + " (the " + marked + " marked).", "err");
        return;
      }
      throw e;
    }));
  });
  // markBad marks the cells an error names (extensions.cells, "target@stage/AUDIENCE"; a named
  // cell need not be one of the changes, as when hiding a section makes a field's REQUIRED
  // impossible) and the lists ("target:visibleOnlyFor"), else the changed cells and lists of a
  // target it names. It says what it marked ("cells are", "list is", …; "" for nothing).
  function markBad(e, changes) {
    var cells = 0, marked = 0;
    (e.cells || []).concat(e.fields || []).forEach(function (n) {
      var hit = Array.prototype.filter.call(document.querySelectorAll("#grid td[data-cell]"), function (td) { return td.dataset.cell === n; });
      var bad = Array.prototype.filter.call(document.querySelectorAll("#grid div[data-list]"), function (div) {
        return div.dataset.list === n || (!hit.length && div.classList.contains("edited") && div.dataset.list.split(":")[0] === n);
      });
      if (!hit.length) {
        hit = changes.filter(function (c) { return c.target === n; }).map(function (c) { return c.td; });
      }
      hit.forEach(function (td) { td.classList.add("bad"); td.querySelector("select").setAttribute("aria-invalid", "true"); cells++; });
      bad.forEach(function (div) { div.classList.add("bad"); div.setAttribute("aria-invalid", "true"); marked++; });
    });
    var what = [];
    if (cells) { what.push(cells === 1 ? "cell" : "cells"); }
    if (marked) { what.push(marked === 1 ? "list" : "lists"); }
    return what.length ? what.join(" and ") + (cells + marked === 1 ? " is" : " are") : "";
  }
  $("reload").addEventListener("click", function () {
    show("");
    busy(Promise.all([loadMatrix(), loadHistory(null)]));
  });

  // The history of the procedure's settings, newest first, 20 at a time.
  function loadHistory(after) {
    return gql("query History($procedure: String!, $after: String) { accessSettingsHistory(procedure: $procedure, first: 20, after: $after) {" +
        " edges { node { version changedAt changedBy { name } actorEmail operation cells } } pageInfo { hasNextPage endCursor } } }",
    {procedure: procedure, after: after}).then(function (d) {
      var list = $("changes"), h = d.accessSettingsHistory;
      if (!after) { list.textContent = ""; }
      h.edges.forEach(function (e) {
        var c = e.node, li = el("li", "change"), who = c.changedBy ? c.changedBy.name : c.actorEmail || "the system";
        li.dataset.version = c.version;
        li.appendChild(el("p", "", "Version " + c.version + ": " + c.operation + " by " + who));
        li.lastChild.appendChild(el("span", "meta", " · " + new Date(c.changedAt).toLocaleString()));
        if (c.cells.length) {
          var cells = el("ul", "cells");
          c.cells.forEach(function (name) { cells.appendChild(el("li", "", name)); });
          li.appendChild(cells);
        }
        list.appendChild(li);
      });
      historyAfter = h.pageInfo.hasNextPage ? h.pageInfo.endCursor : null;
      $("more-changes").hidden = !historyAfter;
      $("no-changes").hidden = list.children.length > 0;
    });
  }
  $("more-changes").addEventListener("click", function () { busy(loadHistory(historyAfter)); });

  // Who can see a case: its audience, 50 at a time, each with the rules that let it in.
  $("case-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("case-id").value.trim();
    if (!id) { show("Enter the id of a case.", "err"); return; }
    show("");
    audienceCase = id; audienceSearch = $("case-search").value.trim();
    busy(loadAudience(null));
  });
  $("more-members").addEventListener("click", function () { busy(loadAudience(audienceAfter)); });
  function loadAudience(after) {
    return gql("query Audience($id: ID!, $search: String, $after: String) { case(id: $id) { title stage procedure { name } }" +
        " caseAudience(caseId: $id, filter: {search: $search}, first: 50, after: $after) { totalCount" +
        " edges { node { kind rights user { name email } contact { name email } temporaryGrant { email firstName lastName }" +
        " grantedBy { rule rights group { name } position { name } } } } pageInfo { hasNextPage endCursor } } }",
    {id: audienceCase, search: audienceSearch || null, after: after}).then(function (d) {
      var a = d.caseAudience, rows = $("members").tBodies[0];
      $("audience").hidden = false;
      $("case-title").textContent = d.case.title + " · " + d.case.procedure.name + " · " + d.case.stage;
      $("audience-count").textContent = a.totalCount === 1 ? "1 member can read this case." : a.totalCount + " members can read this case.";
      if (!after) { rows.textContent = ""; }
      a.edges.forEach(function (e) { rows.appendChild(member(e.node)); });
      audienceAfter = a.pageInfo.hasNextPage ? a.pageInfo.endCursor : null;
      $("more-members").hidden = !audienceAfter;
    });
  }
  function member(m) {
    var tr = el("tr", "member"), who = el("td"), grants = el("td"), list = el("ul", "grants");
    var p = m.user || m.contact || null, g = m.temporaryGrant;
    var name = p ? p.name : g ? [g.firstName, g.lastName].filter(Boolean).join(" ") || g.email : "?";
    var email = p ? p.email : g ? g.email : "";
    who.appendChild(el("span", "name", name));
    if (email && email !== name) { who.appendChild(el("span", "meta", " " + email)); }
    if (m.contact) { who.appendChild(el("span", "meta", " (contact)")); }
    if (g) { who.appendChild(el("span", "meta", " (temporary access)")); }
    if (email) { tr.dataset.email = email; }
    tr.appendChild(who);
    tr.appendChild(el("td", "", m.kind.toLowerCase()));
    tr.appendChild(el("td", "", m.rights.join(", ")));
    m.grantedBy.forEach(function (r) {
      var via = r.group ? " through group " + r.group.name : r.position ? " through position " + r.position.name : "";
      list.appendChild(el("li", "", r.rule + via + ": " + r.rights.join(", ")));
    });
    grants.appendChild(list); tr.appendChild(grants);
    return tr;
  }

  // The start of the page: a kept session is checked again (it may have ended, or lost ADMIN).
  document.body.setAttribute("aria-busy", "true");
  var start = st.token ? admin().then(function (user) { return user ? home(user) : refuse(); }) : Promise.resolve(only("login"));
  busy(start);
})();
