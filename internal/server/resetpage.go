package server

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// The page behind the link of a password-reset mail ({publicBaseURL}/reset-password?token=…): a
// form for the new password that calls the resetPassword mutation. It is one static page without
// dependencies, so casegate works without a frontend; CASEGATE_PUBLIC_URL may point at a frontend
// that serves /reset-password itself instead.
//
// The token is in the URL, so the page takes it out of the address bar (and the history) at once,
// sends no Referer, is never cached and runs only its own inline script (CSP with the script's
// hash). The request log records the path, never the query string.

const resetStyle = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}#msg{margin-top:1rem}.err{color:#a00}.ok{color:#070}`

const resetScript = `(function () {
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
})();`

var resetPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>casegate: choose a new password</title>
<style>` + resetStyle + `</style>
</head>
<body>
<h1>Choose a new password</h1>
<form id="form">
<label for="password">New password (at least 10 characters, with letters and a digit or symbol)</label>
<input id="password" type="password" autocomplete="new-password" minlength="10" required>
<label for="confirm">The same again</label>
<input id="confirm" type="password" autocomplete="new-password" minlength="10" required>
<button type="submit">Set password</button>
</form>
<p id="msg" role="status"></p>
<script>` + resetScript + `</script>
</body>
</html>
`

var resetCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src '" + sha256Source(resetScript) + "'",
	"style-src '" + sha256Source(resetStyle) + "'",
	"connect-src 'self'",
	"form-action 'none'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
}, "; ")

func sha256Source(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func resetPasswordPage(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", resetCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	_, _ = w.Write([]byte(resetPage))
}
