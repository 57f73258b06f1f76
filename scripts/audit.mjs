#!/usr/bin/env node
// Dependency review, offline, in the spirit of `cargo deny check` (run by scripts/audit.sh, from scripts/test.sh).
//
// Fails on: a crate whose licence expression the allow-list cannot satisfy; a dependency from anywhere but
// crates.io (git, another registry, a path outside the workspace) or without a checksum in Cargo.lock; a `*`
// version requirement in a workspace manifest; an npm package not from the npm registry or without integrity.
// Warns about: several versions of one crate (listed, with those that end up in the shipped wasm panel first).
// Advisories (RustSec): checked when a local copy of the advisory database exists (~/.cargo/advisory-db or
// OFFBOARD_ADVISORY_DB); otherwise skipped with a note saying why. Yanked crates: skipped (needs the registry index).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CRATES_IO = new Set(['registry+https://github.com/rust-lang/crates.io-index', 'sparse+https://index.crates.io/']);

/** Licences any crate may have (SPDX ids; an expression passes when the allow-list can satisfy it). */
const ALLOWED = new Set(['MIT', 'Apache-2.0', 'Apache-2.0 WITH LLVM-exception', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC',
  'Zlib', 'Unicode-3.0', 'Unicode-DFS-2016', 'Unlicense', 'CC0-1.0', 'BSL-1.0']);
/** npm packages are test tools only, never shipped: MPL-2.0 (axe-core) is fine there. */
const ALLOWED_NPM = new Set([...ALLOWED, 'MPL-2.0']);
/** Advisories looked at and accepted (reported as warnings), with the reason. */
const ACCEPTED_ADVISORIES = {
  // rsa: "Marvin" timing side channel in RSA decryption, no fixed release. Only the sandbox and the native tests
  // use the crate, to sign and check test tokens on 127.0.0.1; the shipped panel signs with WebCrypto.
  'RUSTSEC-2023-0071': 'the sandbox and native tests only; the panel signs with WebCrypto',
  // paste: unmaintained, a proc-macro (compile time only) that Leptos 0.8 depends on.
  'RUSTSEC-2024-0436': 'compile-time macro pulled in by Leptos 0.8; goes when Leptos drops it',
};

const failures = [];
const warnings = [];
const fail = (text) => failures.push(text);

/** Whether an SPDX expression (`MIT OR Apache-2.0`, `(A OR B) AND C`, legacy `MIT/Apache-2.0`) is satisfiable. */
export function licenceAllowed(expression, allowed = ALLOWED) {
  const tokens = expression.replace(/\//g, ' OR ').match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const primary = () => {
    if (tokens[i] === '(') {
      i++;
      const value = or();
      if (tokens[i++] !== ')') throw new Error(`unbalanced parentheses in "${expression}"`);
      return value;
    }
    let id = tokens[i++];
    if (id === undefined) throw new Error(`incomplete licence expression "${expression}"`);
    if (tokens[i] === 'WITH') { id = `${id} WITH ${tokens[i + 1]}`; i += 2; }
    return allowed.has(id) || allowed.has(id.replace(/\+$/, ''));
  };
  const and = () => {
    let value = primary();
    while (tokens[i] === 'AND') { i++; value = primary() && value; }
    return value;
  };
  const or = () => {
    let value = and();
    while (tokens[i] === 'OR') { i++; value = and() || value; }
    return value;
  };
  const value = or();
  if (i !== tokens.length) throw new Error(`cannot read licence expression "${expression}"`);
  return value;
}

/** The front matter of an advisory-db `.md` file: id, title, withdrawn, informational, patched, unaffected. */
export function parseAdvisory(text) {
  const toml = /```toml\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  const sections = Object.fromEntries(toml.split(/^\[/m).map((part) => [part.slice(0, part.indexOf(']')), part]));
  const string = (section, key) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(sections[section] ?? '')?.[1];
  const list = (section, key) => {
    const body = new RegExp(`^${key}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(sections[section] ?? '')?.[1] ?? '';
    return [...body.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  };
  return {
    id: string('advisory', 'id'),
    title: /^# (.+)$/m.exec(text.slice(text.indexOf('```', 3) + 3))?.[1] ?? '',
    withdrawn: string('advisory', 'withdrawn'),
    informational: string('advisory', 'informational'),
    patched: list('versions', 'patched'),
    unaffected: list('versions', 'unaffected'),
  };
}

/** Whether `version` meets a Cargo requirement such as `>= 1.2.3, < 2`, `^0.9.1`, `~1.2`, `= 1.0.0`. */
export function semverMatches(version, requirement) {
  const parse = (v) => {
    const [core, pre] = v.split('+')[0].split(/-(.*)/s);
    const n = core.split('.').map(Number);
    return { n: [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0], given: n.length, pre: pre ?? '' };
  };
  const cmp = (a, b) => {
    for (let i = 0; i < 3; i++) if (a.n[i] !== b.n[i]) return a.n[i] - b.n[i];
    if (a.pre === b.pre) return 0;
    return a.pre === '' ? 1 : b.pre === '' ? -1 : a.pre < b.pre ? -1 : 1;
  };
  const v = parse(version);
  return requirement.split(',').every((part) => {
    const [, op = '^', text] = /^\s*(>=|<=|>|<|=|\^|~)?\s*(\S+)\s*$/.exec(part) ?? [];
    if (!text) return false;
    const r = parse(text);
    const c = cmp(v, r);
    const upper = (n) => cmp(v, { n, pre: '' }) < 0;
    switch (op) {
      case '>=': return c >= 0;
      case '>': return c > 0;
      case '<=': return c <= 0;
      case '<': return c < 0;
      case '=': return r.given === 3 ? c === 0 : c >= 0 && upper(r.given === 1 ? [r.n[0] + 1, 0, 0] : [r.n[0], r.n[1] + 1, 0]);
      case '~': return c >= 0 && upper(r.given === 1 ? [r.n[0] + 1, 0, 0] : [r.n[0], r.n[1] + 1, 0]);
      default: // ^
        if (c < 0) return false;
        if (r.n[0] > 0 || r.given === 1) return upper([r.n[0] + 1, 0, 0]);
        if (r.n[1] > 0 || r.given === 2) return upper([0, r.n[1] + 1, 0]);
        return upper([0, 0, r.n[2] + 1]);
    }
  });
}

const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

// ---- Rust: cargo metadata (every platform, every kind of dependency) and Cargo.lock. Not --offline: crates for
// other platforms may not be in the local cache yet; cargo then fetches them from crates.io, nothing else.
const meta = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--locked']));
const members = new Set(meta.workspace_members);
const crates = meta.packages.filter((p) => !members.has(p.id));

for (const p of crates) {
  if (!CRATES_IO.has(p.source)) fail(`${p.name} ${p.version} comes from ${p.source ?? 'a path outside the workspace'}`);
  if (!p.license) fail(`${p.name} ${p.version} declares no SPDX licence${p.license_file ? ` (only ${p.license_file})` : ''}`);
  else {
    try {
      if (!licenceAllowed(p.license)) fail(`${p.name} ${p.version}: licence "${p.license}" is not on the allow-list`);
    } catch (e) { fail(`${p.name} ${p.version}: ${e.message}`); }
  }
}
for (const p of meta.packages.filter((p) => members.has(p.id))) {
  for (const d of p.dependencies) {
    if (d.req === '*') fail(`${p.name} depends on ${d.name} = "*"`);
    if (d.path && !d.path.startsWith(ROOT)) fail(`${p.name} depends on ${d.name} at ${d.path}, outside the workspace`);
    if (d.source?.startsWith('git+')) fail(`${p.name} depends on ${d.name} from git (${d.source})`);
  }
}
const lock = readFileSync(join(ROOT, 'Cargo.lock'), 'utf8').split(/\n\[\[package\]\]\n/).slice(1);
for (const entry of lock) {
  const field = (name) => new RegExp(`^${name} = "([^"]*)"`, 'm').exec(entry)?.[1];
  if (field('source') && !field('checksum')) fail(`Cargo.lock: ${field('name')} ${field('version')} has no checksum`);
}

// Duplicates: which of them end up in the shipped panel (wasm32, normal dependencies, no proc-macros).
const shipped = new Set(run('cargo', ['tree', '-p', 'offboard', '--target', 'wasm32-unknown-unknown', '-e', 'normal,no-proc-macro',
  '--prefix', 'none', '--locked']).split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')).filter(Boolean));
const versions = new Map();
for (const p of crates) versions.set(p.name, [...(versions.get(p.name) ?? []), p.version]);
const duplicates = [...versions].filter(([, v]) => v.length > 1).sort(([a], [b]) => a.localeCompare(b));
const inPanel = duplicates.filter(([name, v]) => v.filter((ver) => shipped.has(`${name} v${ver}`)).length > 1);
if (duplicates.length) {
  warnings.push(`${duplicates.length} crates in several versions (all targets, dev tools included): ` +
    duplicates.map(([name, v]) => `${name} ${v.join(', ')}`).join('; '));
}
if (inPanel.length) warnings.push(`twice in the shipped panel: ${inPanel.map(([n]) => n).join(', ')}`);

// ---- npm (test tools): registry only, with integrity, licences on the allow-list.
const npm = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
for (const [path, p] of Object.entries(npm.packages ?? {})) {
  if (!path) continue;
  if (p.link) fail(`npm: ${path} is a link to ${p.resolved}`);
  if (p.resolved && !p.resolved.startsWith('https://registry.npmjs.org/')) fail(`npm: ${path} resolves to ${p.resolved}`);
  if (!p.integrity) fail(`npm: ${path} has no integrity hash`);
  if (!p.license || !licenceAllowed(p.license, ALLOWED_NPM)) fail(`npm: ${path} licence "${p.license}" is not on the allow-list`);
}

// ---- Advisories: a local copy of github.com/rustsec/advisory-db, read here (no cargo-audit needed).
const advisoryDb = process.env.OFFBOARD_ADVISORY_DB ?? join(homedir(), '.cargo', 'advisory-db');
let advisories;
if (existsSync(join(advisoryDb, 'crates'))) {
  const locked = lock.map((entry) => Object.fromEntries(['name', 'version', 'source']
    .map((k) => [k, new RegExp(`^${k} = "([^"]*)"`, 'm').exec(entry)?.[1]]))).filter((p) => p.source);
  let read = 0;
  for (const p of locked) {
    const dir = join(advisoryDb, 'crates', p.name);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.md'))) {
      const advisory = parseAdvisory(readFileSync(join(dir, file), 'utf8'));
      read++;
      if (advisory.withdrawn || [...advisory.patched, ...advisory.unaffected].some((req) => semverMatches(p.version, req))) continue;
      const what = `${advisory.id} ${p.name} ${p.version}: ${advisory.title}` +
        (advisory.informational ? ` (${advisory.informational})` : '') +
        (advisory.patched.length ? `; fixed in ${advisory.patched.join(' or ')}` : '; no fixed release');
      if (ACCEPTED_ADVISORIES[advisory.id]) warnings.push(`accepted advisory ${what} -- ${ACCEPTED_ADVISORIES[advisory.id]}`);
      else if (advisory.informational) warnings.push(`advisory ${what}`);
      else fail(`advisory ${what}`);
    }
  }
  advisories = `advisories: ${locked.length} locked crates checked against ${advisoryDb} (${read} advisories for them)`;
} else {
  advisories = 'ADVISORIES SKIPPED: no RustSec advisory database on this machine, and none can be installed from the ' +
    'package registries this project may use (crates.io has cargo-audit, which clones the database from GitHub; ' +
    'Debian bookworm packages neither; the npm and PyPI packages found download it at run time). To check, put a ' +
    'clone of github.com/rustsec/advisory-db at ~/.cargo/advisory-db (or name it in OFFBOARD_ADVISORY_DB) and run ' +
    'scripts/audit.sh again. Yanked crates are not checked either (that needs the registry index).';
}

// ---- Report.
console.log(`dependency review: ${crates.length} crates (${shipped.size - 1} in the shipped panel), ` +
  `${Object.keys(npm.packages ?? {}).length - 1} npm test tools`);
for (const w of warnings) console.log(`warning: ${w}`);
if (advisories) console.log(advisories);
if (failures.length) {
  for (const f of failures) console.error(`error: ${f}`);
  console.error(`dependency review failed: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log('dependency review passed: licences, sources, checksums, version requirements');
