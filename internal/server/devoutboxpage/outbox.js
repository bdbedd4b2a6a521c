// The dev outbox page (/dev/outbox): lists what the server caught instead of sending, through the
// public devOutbox query, without a session. Bodies are shown as text (never as HTML), and the
// links in them are offered as links, so that an invitation or access link is one click away.
(function () {
  var QUERY = "{ devOutbox(first: 50) { id channel recipient subject body caughtAt } }";
  var LINK = /https?:\/\/[^\s<>"]+/g;
  var list = document.getElementById("messages"), empty = document.getElementById("empty");
  var shown = "";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function render(messages) {
    var key = messages.map(function (m) { return m.id; }).join(",");
    if (key === shown) { return; }
    shown = key;
    list.textContent = "";
    empty.hidden = messages.length > 0;
    messages.forEach(function (m) {
      var li = el("li", "message");
      li.setAttribute("data-channel", m.channel);
      li.setAttribute("data-recipient", m.recipient);
      var head = el("p", "meta", (m.channel === "SMS" ? "SMS" : "E-mail") + " to " + m.recipient + ", " +
        new Date(m.caughtAt).toLocaleString());
      li.appendChild(head);
      if (m.subject) { li.appendChild(el("h2", "subject", m.subject)); }
      li.appendChild(el("pre", "body", m.body));
      var links = m.body.match(LINK) || [];
      if (links.length) {
        var ul = el("ul", "links");
        links.forEach(function (href) {
          var a = el("a", "", href);
          a.href = href; a.rel = "noreferrer";
          var item = el("li"); item.appendChild(a); ul.appendChild(item);
        });
        li.appendChild(ul);
      }
      list.appendChild(li);
    });
  }

  function load() {
    return casegate.gql(QUERY).then(function (data) {
      casegate.show("");
      render(data.devOutbox);
    }).catch(function (e) { casegate.show(casegate.errorText(e), "err"); });
  }

  document.getElementById("refresh").addEventListener("click", load);
  load();
  setInterval(load, 3000);
})();
