// Drives the /access/ page's own script (argv[3]) in node with a minimal DOM, against a running
// casegate (argv[2]) — the way a browser would — for TestAccessPage. It prints what it sees on
// stdout, one line a step, and reads the one-time code from stdin when it asks for it. Files and
// downloads use node's own FormData, File and blob URLs.
"use strict";
const fs = require("fs");
const readline = require("readline");
const [base, scriptFile, token] = process.argv.slice(2);

class El {
  constructor(tag, id) {
    Object.assign(this, {tag, id: id || "", hidden: false, textContent: "", className: "", value: "", checked: false,
      type: "", disabled: false, htmlFor: "", dataset: {}, children: [], listeners: {}});
  }
  appendChild(c) { this.children.push(c); return c; }
  addEventListener(ev, fn) { (this.listeners[ev] = this.listeners[ev] || []).push(fn); }
  fire(ev) { (this.listeners[ev] || []).forEach((fn) => fn({preventDefault() {}})); }
  click() { if (this.tag === "a") { clicked.push({href: this.href, download: this.download}); } else { this.fire("click"); } }
  inputs() { return this.children.flatMap((c) => (c.tag === "input" ? [c] : c.inputs())); }
  text() { return this.textContent + this.children.map((c) => c.text()).join(""); }
}
Object.defineProperty(El.prototype, "textContent", {
  get() { return this._text || ""; },
  set(v) { this._text = v; if (v === "") { this.children = []; } },
});
const ids = ["none", "start", "send", "code", "codeinput", "form", "fields", "moves", "done", "msg", "title",
  "attachments", "files", "file", "upload", "comments", "notes", "note", "comment", "history", "events"];
const els = Object.fromEntries(ids.map((id) => [id, new El(["codeinput", "file"].includes(id) ? "input" : "div", id)]));
const clicked = []; // anchors the page clicked: its downloads
const store = {};
global.window = {location: {pathname: "/access/" + token}};
global.history = {replaceState(_s, _t, url) { window.location.pathname = url; }};
global.sessionStorage = {getItem: (k) => store[k] || null, setItem: (k, v) => { store[k] = v; }};
global.document = {
  getElementById: (id) => els[id],
  createElement: (tag) => new El(tag),
  querySelectorAll: (sel) => (sel === "#fields input" ? els.fields.inputs() : []),
};
const realFetch = global.fetch;
global.fetch = (url, opts) => realFetch(base + url, opts);

const visible = () => ids.filter((id) => ["start", "code", "form", "done"].includes(id) && !els[id].hidden).join(",");
const until = async (what, ok) => {
  for (let i = 0; i < 200; i++) {
    if (ok()) { return; }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out waiting for " + what + "; visible: " + visible() + "; msg: " + els.msg.textContent);
};
const say = (line) => process.stdout.write(line + "\n");

(async () => {
  eval(fs.readFileSync(scriptFile, "utf8"));
  say("URL " + window.location.pathname);
  await until("the start", () => !els.start.hidden);
  els.send.fire("click");
  await until("the code form", () => !els.code.hidden);
  say("CODE?");
  const code = await new Promise((r) => readline.createInterface({input: process.stdin}).once("line", r));
  els.codeinput.value = code;
  els.code.fire("submit");
  await until("the form", () => !els.form.hidden);
  const fields = Object.fromEntries(els.fields.inputs().map((i) => [i.dataset.section + "." + i.dataset.field, i]));
  say("TITLE " + els.title.textContent);
  say("FIELDS " + Object.keys(fields).sort().map((k) => k + (fields[k].disabled ? ":ro" : ":rw") + "=" + fields[k].value).join(" "));
  say("REQUIRED " + (els.fields.text().split(" *").length - 1));
  fields["personal.birthDate"].value = "1990-05-17";
  fields["personal.address"].value = "ul. Długa 1, Gdańsk";

  // What the grant opens besides the form: a file shared with the person, its upload, a comment, the history.
  await until("the attachments", () => els.files.children.length > 0 && els.events.children.length > 0);
  const files = () => els.files.children.map((li) => li.textContent).join(",");
  say("PARTS " + ["attachments", "comments", "history"].filter((id) => !els[id].hidden).join(","));
  say("FILES " + files());
  els.files.children[0].children.find((c) => c.tag === "button").fire("click");
  await until("the download", () => clicked.length > 0);
  const blob = require("buffer").resolveObjectURL(clicked[0].href);
  say("DOWNLOADED " + clicked[0].download + " " + (await blob.text()));
  els.file.files = [new File(["Moje CV"], "cv.txt", {type: "text/plain"})];
  els.upload.fire("click");
  await until("the upload", () => els.msg.textContent === "The file is attached." && els.files.children.length === 2);
  say("FILES " + files());
  els.note.value = "Dane uzupełnione.";
  els.comment.fire("click");
  await until("the comment", () => els.notes.children.length === 1);
  say("COMMENT " + els.notes.children[0].text());
  say("HISTORY " + els.events.children[0].textContent);
  const move = els.moves.children[0];
  say("MOVE " + move.textContent);
  move.fire("click");
  await until("the end", () => !els.done.hidden);
  say("DONE " + els.msg.textContent);
})().catch((e) => { say("ERROR " + e.message); process.exit(1); });
