// The script of the password-reset page (index.html); internal/server/resetpage.go says what the
// page does and why.
(function () {
  var params = new URLSearchParams(window.location.search);
  var token = params.get("token") || "";
  history.replaceState(null, "", window.location.pathname);
  var form = document.getElementById("form");
  var msg = document.getElementById("msg");
  function show(text, cls) { msg.textContent = text; msg.className = cls; }
  if (!token) { form.hidden = true; show("This link has no token. Ask for a new password-reset mail.", "err"); return; }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pw = document.getElementById("password").value;
    if (pw !== document.getElementById("confirm").value) { show("The two passwords differ.", "err"); return; }
    form.querySelector("button").disabled = true;
    fetch("graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        query: "mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }",
        variables: {token: token, password: pw}
      })
    }).then(function (res) { return res.json(); }).then(function (body) {
      if (body.errors && body.errors.length) {
        form.querySelector("button").disabled = false;
        show(body.errors[0].message, "err");
        return;
      }
      form.hidden = true;
      show("Your password has been changed. You can now log in with it.", "ok");
    }).catch(function () {
      form.querySelector("button").disabled = false;
      show("The server could not be reached. Try again.", "err");
    });
  });
})();
