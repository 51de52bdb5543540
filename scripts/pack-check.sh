#!/usr/bin/env bash
# The packed CLI installs into an empty folder and runs (issue 12): `npm pack`, then
# `npm install ./licctl-*.tgz` in an empty folder (from the npm cache when it can), then
# `licctl --version` and `licctl server init`, on Node 24 and on Node 22. Run by .ci/run before the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# Node 24 from the devDependency (as `npm run` gives it): the system Node may be too old.
NODE="$ROOT/node_modules/.bin/node"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$ROOT"
npm pack --silent --pack-destination "$work" >/dev/null
cd "$work"
# Every package at the version package-lock.json has (overrides; a package locked at several versions
# is left to its ranges): the check is of the tarball with what the tests ran on, not of the
# registry's newest releases. A registry once served @inquirer/prompts 8.8.1 and other new @inquirer
# releases before versions they need (@inquirer/input 5.2.1, @inquirer/core 12.1.1): it failed.
"$NODE" -e '
  const lock = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))
  const versions = new Map()
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev || entry.link) continue
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)
    versions.set(name, (versions.get(name) ?? new Set()).add(entry.version))
  }
  const overrides = Object.fromEntries([...versions].filter(([, v]) => v.size === 1).map(([n, v]) => [n, [...v][0]]))
  console.log(JSON.stringify({ name: "pack-check", private: true, overrides }))
' "$ROOT/package-lock.json" >package.json
npm install --no-audit --no-fund --prefer-offline --loglevel=error ./licctl-*.tgz >/dev/null
# `--version` and `server init` from the installed tarball on one Node binary; prints the version line.
check_on() {
  local node="$1" expected="$2" label="$3" db="$4" version
  version="$("$node" node_modules/licctl/bin/run.js --version)"
  [[ "$version" == $expected ]] || { echo "FAIL: $label, licctl --version printed '$version'" >&2; exit 1; }
  "$node" node_modules/licctl/bin/run.js server init --db "$db" --json | grep -q '"operatorToken": "lic_op_' ||
    { echo "FAIL: licctl server init from the packed tarball, $label" >&2; exit 1; }
  echo "$version"
}
version="$(check_on "$NODE" 'licctl/*' 'on Node 24' "$work/licctl.sqlite")"
# The oldest Node users may have (package.json engines: ^22.22.2): the same two commands on Node 22,
# from the npm registry's node package, in a folder of its own.
mkdir node22
(cd node22 && echo '{"name":"node22","private":true}' >package.json &&
  npm install --no-audit --no-fund --prefer-offline --loglevel=error node@22 >/dev/null)
NODE22="$work/node22/node_modules/.bin/node"
check_on "$NODE22" 'licctl/*node-v22.*' 'on Node 22' "$work/licctl22.sqlite" >/dev/null
echo "pack: $(ls licctl-*.tgz) installs into an empty folder; $version; server init OK; on Node 22 too ($("$NODE22" -v))"
