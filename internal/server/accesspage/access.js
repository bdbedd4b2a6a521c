// The script of the page behind an access link (index.html); internal/server/accesspage.go says what
// the page does and why.
(function () {
  var KEY = "casegate-access";
  var st = casegate.load(KEY);
  var m = window.location.pathname.match(/\/access\/([^\/]+)\/?$/);
  if (m) { st = {link: m[1]}; save(); history.replaceState(null, "", "/access/"); }
  var $ = function (id) { return document.getElementById(id); };
  function save() { casegate.store(KEY, st); }
  var show = casegate.show, item = casegate.item;
  function only(id) { ["start", "code", "form", "done"].forEach(function (s) { $(s).hidden = s !== id; }); }
  function gql(query, variables) { return casegate.gql(query, variables, st.session); }
  function fail(e) {
    if (e.code === "UNAUTHENTICATED" && st.session) {
      st = {link: st.link}; save(); only("start"); show("Your session has ended. Ask for a new code.", "err"); return;
    }
    show(casegate.errorText(e), "err");
  }
  if (!st.link) { only("none"); show("This page needs the link from your e-mail.", "err"); return; }
  $("send").addEventListener("click", function () {
    gql("mutation RequestAccessCode($link: String!) { requestAccessCode(link: $link) }", {link: st.link}).then(function () {
      only("code"); show("If the link is valid, a code is on its way to you (e-mail or SMS). It is valid for 10 minutes.", "ok");
    }).catch(fail);
  });
  $("code").addEventListener("submit", function (ev) {
    ev.preventDefault();
    gql("mutation VerifyAccessCode($link: String!, $code: String!) { verifyAccessCode(link: $link, code: $code) {" +
        " token viewer { grant { caseId allowedMoves allowedActions } } } }", {link: st.link, code: $("codeinput").value.trim()}).then(function (d) {
      var v = d.verifyAccessCode;
      st.session = v.token; st.caseId = v.viewer.grant.caseId; st.moves = v.viewer.grant.allowedMoves;
      st.parts = v.viewer.grant.allowedActions; save();
      show(""); load();
    }).catch(fail);
  });
  var form = null;
  function lower(s) { return s.charAt(0).toLowerCase() + s.slice(1); }
  function load() {
    gql("query Case($id: ID!) { case(id: $id) { title stage procedure { typeName sections { key name fields { key name type } } }" +
        " access { fields { field mode } } } }", {id: st.caseId}).then(function (d) {
      var c = d["case"], modes = {};
      c.access.fields.forEach(function (f) { modes[f.field] = f.mode; });
      var sections = c.procedure.sections.map(function (s) {
        return {key: s.key, name: s.name, fields: s.fields.filter(function (f) { return modes[s.key + "." + f.key] !== "HIDDEN"; })};
      }).filter(function (s) { return s.fields.length > 0; });
      form = {type: c.procedure.typeName, sections: sections, modes: modes};
      $("title").textContent = c.title;
      if (sections.length === 0) { return render({}); }
      var sel = sections.map(function (s) { return s.key + " { " + s.fields.map(function (f) { return f.key; }).join(" ") + " }"; }).join(" ");
      return gql("query Form($id: ID!) { form: " + lower(form.type) + "(id: $id) { " + sel + " } }", {id: st.caseId})
        .then(function (v) { return render(v.form || {}); });
    }).catch(function (e) {
      if (e.code === "NOT_FOUND") { only("done"); show("The case is not open to you at the moment.", "err"); return; }
      fail(e);
    });
  }
  function render(values) {
    var root = $("fields"); root.textContent = "";
    form.sections.forEach(function (s) {
      var fs = document.createElement("fieldset"), lg = document.createElement("legend");
      lg.textContent = s.name; fs.appendChild(lg);
      s.fields.forEach(function (f) {
        var path = s.key + "." + f.key, mode = form.modes[path], v = (values[s.key] || {})[f.key];
        var label = document.createElement("label"), input = document.createElement("input");
        input.id = "f-" + path; label.htmlFor = input.id; label.textContent = f.name;
        if (mode === "REQUIRED") { var r = document.createElement("span"); r.className = "req"; r.textContent = " *"; label.appendChild(r); }
        if (f.type === "BOOLEAN") { input.type = "checkbox"; input.checked = v === true; }
        else { input.type = f.type === "DATE" ? "date" : "text"; input.value = v === null || v === undefined ? "" : String(v); }
        input.disabled = mode !== "MODIFY" && mode !== "REQUIRED";
        input.dataset.section = s.key; input.dataset.field = f.key; input.dataset.type = f.type;
        fs.appendChild(label); fs.appendChild(input);
      });
      root.appendChild(fs);
    });
    var moves = $("moves"); moves.textContent = "";
    (st.moves || []).forEach(function (stage) {
      var b = document.createElement("button"); b.type = "button"; b.textContent = "Save and send on (" + stage + ")";
      b.addEventListener("click", function () { submit().then(function () { return move(stage); }).catch(fail); });
      moves.appendChild(b);
    });
    only("form");
    return parts();
  }
  function has(part) { return (st.parts || []).indexOf(part) >= 0; }
  // parts shows what the grant opens besides the form: attachments, comments and history.
  function parts() {
    $("attachments").hidden = !has("ATTACHMENTS"); $("comments").hidden = !has("COMMENTS"); $("history").hidden = !has("HISTORY");
    var sel = (has("ATTACHMENTS") ? " attachments { id name size downloadUrl }" : "") +
      (has("COMMENTS") ? " comments(first: 100) { edges { node { byline text createdAt } } }" : "") +
      (has("HISTORY") ? " history(first: 50) { edges { node { at action actor } } }" : "");
    if (!sel) { return Promise.resolve(); }
    return gql("query Parts($id: ID!) { case(id: $id) {" + sel + " } }", {id: st.caseId}).then(function (d) {
      var c = d["case"];
      if (c.attachments) {
        var files = $("files"); files.textContent = "";
        c.attachments.forEach(function (a) {
          var b = document.createElement("button"); b.type = "button"; b.textContent = "Download";
          b.addEventListener("click", function () { download(a).catch(fail); });
          item(files, a.name, a.size + " B").appendChild(b);
        });
      }
      if (c.comments) {
        var notes = $("notes"); notes.textContent = "";
        c.comments.edges.forEach(function (e) { item(notes, e.node.text, e.node.byline + ", " + new Date(e.node.createdAt).toLocaleString()); });
      }
      if (c.history) {
        var events = $("events"); events.textContent = "";
        c.history.edges.forEach(function (e) { item(events, e.node.action, e.node.actor + ", " + new Date(e.node.at).toLocaleString()); });
      }
    });
  }
  function download(a) { return casegate.download(a.downloadUrl, a.name, st.session); }
  // upload sends a file as a GraphQL multipart request (addAttachment's Upload).
  function upload() {
    var file = ($("file").files || [])[0];
    if (!file) { show("Choose a file first.", "err"); return Promise.resolve(); }
    return casegate.upload("mutation Attach($id: ID!, $file: Upload!) { addAttachment(caseId: $id, file: $file) { id } }",
      {id: st.caseId}, "file", file, st.session).then(function () {
      $("file").value = ""; show("The file is attached.", "ok"); return parts();
    });
  }
  function comment() {
    var text = $("note").value.trim();
    if (!text) { show("Write a comment first.", "err"); return Promise.resolve(); }
    return gql("mutation Comment($id: ID!, $text: String!) { addComment(caseId: $id, text: $text) { id } }", {id: st.caseId, text: text})
      .then(function () { $("note").value = ""; show("Your comment is added.", "ok"); return parts(); });
  }
  $("upload").addEventListener("click", function () { upload().catch(fail); });
  $("comment").addEventListener("click", function () { comment().catch(fail); });
  function input() {
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("#fields input"), function (el) {
      if (el.disabled) { return; }
      var v = el.type === "checkbox" ? el.checked : el.value.trim();
      if (v === "") { v = null; }
      else if (el.dataset.type === "INT" && v !== null && v !== true && v !== false) { v = parseInt(v, 10); }
      else if (el.dataset.type === "FLOAT" && typeof v === "string") { v = parseFloat(v); }
      (out[el.dataset.section] = out[el.dataset.section] || {})[el.dataset.field] = v;
    });
    return out;
  }
  function submit() {
    return gql("mutation Save($id: ID!, $input: " + form.type + "Input!) { update" + form.type + "(id: $id, input: $input) { case { id } } }",
      {id: st.caseId, input: input()}).then(function () { show("Saved.", "ok"); });
  }
  function move(stage) {
    return gql("mutation Move($id: ID!, $to: String!) { moveCase(id: $id, toStage: $to) { id } }", {id: st.caseId, to: stage})
      .then(function () { only("done"); show("Thank you: the case has been sent on.", "ok"); });
  }
  $("form").addEventListener("submit", function (ev) { ev.preventDefault(); submit().catch(fail); });
  if (st.session && st.caseId) { load(); } else { only("start"); }
})();
