#!/usr/bin/env node
// Renders deploy/nginx.conf.template: fills the ${OFFBOARD_…} placeholders and nothing else (nginx's own
// $variables stay), with the Content-Security-Policy computed from the build's index.html.
//
//   node deploy/render.mjs --dist /srv/offboard/dist --listen 443 --server-name panel.example.com \
//        --rsa-upstream https://mycompany.access.securid.com --epm-upstream https://tenant.epm.oraclecloud.com \
//        > /etc/nginx/conf.d/offboard.conf
//   node deploy/render.mjs --example > deploy/nginx.conf          (the readable example shipped in the repo)
//
// Every option can also come from the environment: OFFBOARD_LISTEN, OFFBOARD_SERVER_NAME, OFFBOARD_ROOT (the dist
// folder as nginx sees it, default: --dist), OFFBOARD_RSA_UPSTREAM, OFFBOARD_EPM_UPSTREAM, OFFBOARD_CSP (to give
// the policy instead of computing it), OFFBOARD_CONNECT_SRC (default 'self').
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cspFor } from '../scripts/csp.mjs';

export const TEMPLATE = join(import.meta.dirname, 'nginx.conf.template');
export const EXAMPLE = join(import.meta.dirname, 'nginx.conf');

/** The values deploy/nginx.conf is rendered with. The script hash is a stand-in: each build has its own. */
export const EXAMPLE_VALUES = {
  OFFBOARD_LISTEN: '8080',
  OFFBOARD_SERVER_NAME: 'panel.example.com',
  OFFBOARD_ROOT: '/srv/offboard/dist',
  OFFBOARD_RSA_UPSTREAM: 'https://mycompany.access.securid.com',
  OFFBOARD_EPM_UPSTREAM: 'https://tenant.epm.oraclecloud.com',
  OFFBOARD_CSP: cspFor('<script type="module">/* Trunk\'s loader: run scripts/csp.mjs on your build */</script>')
    .replace(/'sha256-[^']+'/, "'sha256-HASH-OF-TRUNKS-LOADER-FROM-scripts/csp.mjs'"),
};

/** Fills `${NAME}` for every NAME in `values`; fails on a placeholder without a value or a value with a quote. */
export function render(template, values) {
  return template.replace(/\$\{(OFFBOARD_[A-Z_]+)\}/g, (_, name) => {
    const value = values[name];
    if (value === undefined || value === '') throw new Error(`no value for \${${name}}`);
    const forbidden = name === 'OFFBOARD_CSP' ? /["\n]/ : /["\n;{}]/;
    if (forbidden.test(value)) throw new Error(`\${${name}} has a character nginx would misread: ${value}`);
    return value;
  });
}

/** deploy/nginx.conf as it must read: the template with the example values, under a note saying so. */
export function exampleConfig() {
  return '# Rendered from deploy/nginx.conf.template by `node deploy/render.mjs --example`: edit the template, not this.\n' +
    render(readFileSync(TEMPLATE, 'utf8'), EXAMPLE_VALUES);
}

/** The values for a deployment of the build in `dist`, from options, then the environment. */
export function valuesFor(options, env = process.env) {
  const pick = (opt, name, fallback) => options[opt] ?? env[name] ?? fallback;
  const dist = pick('dist', 'OFFBOARD_ROOT', undefined);
  const strip = (url) => url?.replace(/\/+$/, '');
  const csp = pick('csp', 'OFFBOARD_CSP', undefined) ?? (dist && cspFor(readFileSync(join(dist, 'index.html'), 'utf8'), {
    connectSrc: pick('connectSrc', 'OFFBOARD_CONNECT_SRC', "'self'"),
  }));
  return {
    OFFBOARD_LISTEN: pick('listen', 'OFFBOARD_LISTEN', '8080'),
    OFFBOARD_SERVER_NAME: pick('serverName', 'OFFBOARD_SERVER_NAME', '_'),
    OFFBOARD_ROOT: pick('root', 'OFFBOARD_ROOT', dist && resolve(dist)),
    OFFBOARD_RSA_UPSTREAM: strip(pick('rsaUpstream', 'OFFBOARD_RSA_UPSTREAM', undefined)),
    OFFBOARD_EPM_UPSTREAM: strip(pick('epmUpstream', 'OFFBOARD_EPM_UPSTREAM', undefined)),
    OFFBOARD_CSP: csp,
  };
}

function main(argv) {
  if (argv.includes('--example')) return exampleConfig();
  const options = {};
  const names = { '--dist': 'dist', '--root': 'root', '--listen': 'listen', '--server-name': 'serverName',
    '--rsa-upstream': 'rsaUpstream', '--epm-upstream': 'epmUpstream', '--connect-src': 'connectSrc', '--csp': 'csp' };
  for (let i = 0; i < argv.length; i += 2) {
    if (!names[argv[i]] || argv[i + 1] === undefined) throw new Error(`unknown option or missing value: ${argv[i]}`);
    options[names[argv[i]]] = argv[i + 1];
  }
  return render(readFileSync(TEMPLATE, 'utf8'), valuesFor(options));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(main(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`render.mjs: ${e.message}\n`);
    process.exit(1);
  }
}
