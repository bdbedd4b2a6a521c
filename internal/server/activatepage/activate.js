// The script of the invitation page (index.html); internal/server/portalpage.go says what the page
// does and why. The token moves from the address bar to the tab's sessionStorage at once; once the
// account is active, the session goes where the portal keeps it and the portal opens.
(function () {
  var KEY = "casegate-activate";
  var m = window.location.pathname.match(/^\/activate\/([^\/]+)\/?$/);
  if (m) { sessionStorage.setItem(KEY, m[1]); history.replaceState(null, "", "/activate/"); }
  var token = sessionStorage.getItem(KEY) || "";
  var form = document.getElementById("form"), show = casegate.show;
  function end(text) {
    sessionStorage.removeItem(KEY); form.hidden = true; document.getElementById("next").hidden = false; show(text, "err");
  }
  if (!token) { end("This page needs the link from your invitation e-mail."); return; }
  form.hidden = false;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pw = document.getElementById("password").value;
    if (pw !== document.getElementById("confirm").value) { show("The two passwords differ.", "err"); return; }
    var button = form.querySelector("button");
    button.disabled = true;
    casegate.gql("mutation ActivateAccount($token: String!, $password: String!) { activateAccount(token: $token, password: $password) { token } }",
      {token: token, password: pw}).then(function (d) {
      sessionStorage.removeItem(KEY);
      casegate.store(casegate.PORTAL, {token: d.activateAccount.token});
      window.location.replace("/portal/");
    }).catch(function (e) {
      button.disabled = false;
      if (e.code === "BAD_USER_INPUT" && e.field === "token") {
        end("This invitation link is invalid, used up or expired. Ask your contact at the organisation for a new invitation," +
          " or, if you have activated your account already, log in to the client portal.");
        return;
      }
      show(casegate.errorText(e), "err");
    });
  });
})();
