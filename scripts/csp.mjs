#!/usr/bin/env node
// The Content-Security-Policy for a built panel, computed from its dist/index.html.
//
// Trunk puts the loader of the wasm module in an inline <script type="module"> whose text names the hashed
// file names, so its hash changes with every build: the policy allows exactly that script by its sha256
// instead of 'unsafe-inline'. Nothing else in the page needs an exception, except the style attributes the
// panel sets (progress bars, the virtual list): `style-src-attr 'unsafe-inline'` (see docs/DEPLOY.md).
//
//   node scripts/csp.mjs [--dist DIR] [--connect-src "'self' https://tenant.example"]
//        prints the header value
//   node scripts/csp.mjs --dist DIR --write-headers [--connect-src …]
//        also writes DIR/_headers (Netlify, Cloudflare Pages): CSP, the other security headers, caching
//   node scripts/csp.mjs --dist DIR --meta [--connect-src …]
//        also puts the policy in DIR/index.html as <meta http-equiv> (GitHub Pages: no headers there;
//        frame-ancestors is ignored in a meta policy)
//
// Imported by deploy/render.mjs and tests/e2e/nginx.test.mjs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Headers every deployment should send with the panel's files, besides the CSP and Cache-Control. */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** Trunk's hashed asset names (`main-0123456789abcdef.css`, `app-…_bg.wasm`): cacheable for ever. */
export const HASHED_ASSET = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/;

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * What the policy must allow in `html`: the sha256 of every inline <script> and <style> (their text exactly
 * as written, which is what browsers hash), and anything a hash cannot cover (event-handler attributes,
 * javascript: URLs), reported as problems.
 */
export function inlineContent(html) {
  const scripts = [], styles = [], problems = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\bsrc\s*=/i.test(m[1])) continue;
    if (/\btype\s*=\s*["']?application\/(ld\+)?json/i.test(m[1])) continue; // data, never run
    scripts.push(sha256(m[2]));
  }
  for (const m of html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)) styles.push(sha256(m[1]));
  for (const m of html.matchAll(/<[a-z][^>]*\s(on[a-z]+)\s*=/gi)) problems.push(`inline event handler ${m[1]}=`);
  if (/\b(href|src|action)\s*=\s*["']?\s*javascript:/i.test(html)) problems.push('a javascript: URL');
  if (/<[a-z][^>]*\sstyle\s*=/i.test(html)) problems.push('a style attribute in index.html');
  return { scripts: [...new Set(scripts)], styles: [...new Set(styles)], problems };
}

/**
 * The Content-Security-Policy value for the panel whose index.html is `html`.
 * `connectSrc` is where the panel may send requests: 'self' behind the same-origin proxy; the tenant's
 * origin only if it ever allows CORS. 'self' must stay: the wasm module itself is fetched.
 */
export function cspFor(html, { connectSrc = "'self'" } = {}) {
  const { scripts, styles, problems } = inlineContent(html);
  if (problems.length) throw new Error(`index.html has what no CSP hash allows: ${problems.join(', ')}`);
  if (!/'self'/.test(connectSrc)) throw new Error("connect-src must keep 'self': the wasm module is fetched");
  return [
    "default-src 'self'",
    ['script-src', "'self'", "'wasm-unsafe-eval'", ...scripts].join(' '),
    ['style-src', "'self'", ...styles].join(' '),
    // Leptos sets `style="width:40%"` etc. with setAttribute: allowed for attributes only, never for <style>.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${connectSrc}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The Netlify / Cloudflare Pages `_headers` file for `dist`. */
export function netlifyHeaders(dist, csp) {
  const lines = ['# Written by scripts/csp.mjs for this build: headers for Netlify and Cloudflare Pages.', '/*'];
  lines.push(`  Content-Security-Policy: ${csp}`);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) lines.push(`  ${name}: ${value}`);
  // Rules that match one path add up (a header set twice gets both values joined), so Cache-Control is set
  // per path, never under /*: the page always fresh, the hashed files for a year, the request worker (a name
  // without a hash) checked with the server on each use.
  lines.push('/', '  Cache-Control: no-store', '/index.html', '  Cache-Control: no-store');
  if (existsSync(join(dist, 'fetch_worker.js'))) lines.push('/fetch_worker.js', '  Cache-Control: no-cache');
  for (const file of readdirSync(dist).filter((f) => HASHED_ASSET.test(f)).sort()) {
    lines.push(`/${file}`, '  Cache-Control: public, max-age=31536000, immutable');
  }
  return lines.join('\n') + '\n';
}

/** Puts `csp` in a <meta http-equiv> right after <meta charset>, replacing one put there before. */
export function withMetaPolicy(html, csp) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp.replace(/; frame-ancestors 'none'/, '')}" />`;
  const without = html.replace(/\s*<meta http-equiv="Content-Security-Policy"[^>]*>/i, '');
  return without.replace(/(<meta charset="[^"]*"\s*\/?>)/i, `$1\n    ${meta}`);
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const dist = resolve(arg('--dist', 'dist'));
  const index = join(dist, 'index.html');
  const html = readFileSync(index, 'utf8');
  const csp = cspFor(html, { connectSrc: arg('--connect-src', "'self'") });
  if (argv.includes('--write-headers')) writeFileSync(join(dist, '_headers'), netlifyHeaders(dist, csp));
  if (argv.includes('--meta')) writeFileSync(index, withMetaPolicy(html, csp));
  process.stdout.write(csp + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`csp.mjs: ${e.message}\n`);
    process.exit(1);
  }
}
