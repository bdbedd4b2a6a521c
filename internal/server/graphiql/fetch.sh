#!/bin/sh
# Fetches the GraphiQL build that casegate embeds (vendor/) and the licences of everything in it
# (LICENSES.txt) from the npm registry, at the versions pinned here. Run it from anywhere with
# node and npm installed; commit what it changes. See README.md.
set -eu

GRAPHIQL=3.9.0   # its build for plain <script> tags (UMD) needs no bundler
REACT=18.3.1     # React 19 ships no UMD build
GRAPHQL=16.11.0  # GraphiQL's peer dependency (graphiql.min.js bundles its own copy): pinned for LICENSES.txt
BEFORE=2026-12-05 # their dependencies as the registry had them that day, so LICENSES.txt comes out the same

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"
printf '{"name":"casegate-graphiql","private":true}\n' >package.json
npm install --no-audit --no-fund --ignore-scripts --omit=dev --save-exact --before="$BEFORE" \
	"graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" "graphql@$GRAPHQL" >/dev/null

mkdir -p "$here/vendor"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$here/vendor/"
cp node_modules/react/umd/react.production.min.js "$here/vendor/"
cp node_modules/react-dom/umd/react-dom.production.min.js "$here/vendor/"

# Every package installed with them, with its licence text: graphiql.min.js bundles GraphiQL's
# dependencies (CodeMirror, graphql-js, Radix UI, markdown-it, …), so their licences travel too.
# The list may name a package that the build leaves out, or a later version of one it holds (npm
# resolves the ranges anew): it lists every package the build holds.
node - >"$here/LICENSES.txt" <<'JS'
const fs = require("fs"), path = require("path");
const seen = new Map();
function walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (name.startsWith("@")) { walk(full); continue; }
    const pj = path.join(full, "package.json");
    if (!fs.existsSync(pj)) continue;
    const p = JSON.parse(fs.readFileSync(pj, "utf8"));
    const key = p.name + "@" + p.version;
    if (!seen.has(key)) {
      const file = fs.readdirSync(full).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text = file ? fs.readFileSync(path.join(full, file), "utf8").trim() : "";
      const lic = typeof p.license === "string" ? p.license : JSON.stringify(p.license || p.licenses || "");
      seen.set(key, {lic, text});
    }
    walk(path.join(full, "node_modules"));
  }
}
walk("node_modules");
const keys = [...seen.keys()].sort();
let out = "The software that casegate's GraphiQL page (GET /) runs, as fetched from the npm registry\n" +
  "by internal/server/graphiql/fetch.sh: GraphiQL, React, ReactDOM, and every package installed\n" +
  "with them, each with its licence.\n\n";
out += keys.map((k) => "  " + k + " (" + seen.get(k).lic + ")").join("\n") + "\n";
for (const k of keys) {
  const {lic, text} = seen.get(k);
  out += "\n" + "=".repeat(78) + "\n" + k + " (" + lic + ")\n" + "=".repeat(78) + "\n\n";
  out += (text || "The package ships no licence file; its package.json says: " + lic) + "\n";
}
process.stdout.write(out);
JS
ls -l "$here/vendor" "$here/LICENSES.txt"
