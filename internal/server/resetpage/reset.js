// The script of the password-reset page (index.html); internal/server/resetpage.go says what the
// page does and why.
(function () {
  var params = new URLSearchParams(window.location.search);
  var token = params.get("token") || "";
  history.replaceState(null, "", window.location.pathname);
  var form = document.getElementById("form");
  var show = casegate.show;
  if (!token) { form.hidden = true; show("This link has no token. Ask for a new password-reset mail.", "err"); return; }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pw = document.getElementById("password").value;
    if (pw !== document.getElementById("confirm").value) { show("The two passwords differ.", "err"); return; }
    form.querySelector("button").disabled = true;
    casegate.gql("mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }",
      {token: token, password: pw}).then(function () {
      form.hidden = true;
      document.getElementById("next").hidden = false;
      show("Your password has been changed. You can now log in with it.", "ok");
    }).catch(function (e) {
      form.querySelector("button").disabled = false;
      show(e.message || "The server could not be reached. Try again.", "err");
    });
  });
})();
