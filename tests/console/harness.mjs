// The console's browser tests run against a real deployment: a real accord-gateway (the
// build's binary) on loopback ports chosen by the OS, the development PKI made afresh in a
// temporary directory, the sample agencies and agreements co-signed by development keys, real
// traffic over mutual TLS, and Debian's Chromium driven by playwright-core presenting an admin
// or auditor certificate (docs/console.md, "How the console is built and tested").
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.ACCORD_CHROMIUM ?? '/usr/bin/chromium';
// The agencies the dev PKI issues certificates for (every sender and recipient of the journey).
export const AGENCIES = ['police.met', 'cps.london', 'wcu.met', 'provider.lvws',
  'provider.survivors-uk', 'probation.london', 'court.london'];
// The sample journey's case and victim (config/demo/*.json).
export const CASE_URN = '01MP0041726';
export const SUBJECT_REF = 'V-7F3A91C2';

// What the tests cannot run without. A missing piece FAILS the test with a message that says
// how to get it: a browser test that skips would pass on a machine that tests nothing.
export function requireTools() {
  const missing = [];
  if (Number(process.versions.node.split('.')[0]) < 20) {
    missing.push(`node ${process.versions.node} is too old: playwright-core needs Node 20 or later`);
  }
  for (const [name, hint] of [['ACCORD_GATEWAY_BIN', 'the accord-gateway binary'],
    ['ACCORD_CLI_BIN', 'the accord CLI']]) {
    const value = process.env[name];
    if (!value) missing.push(`${name} is not set (${hint}; ctest passes it from the build tree)`);
    else if (!fs.existsSync(value)) missing.push(`${name}=${value} does not exist (build it first)`);
  }
  if (!fs.existsSync(CHROMIUM)) {
    missing.push(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/install-deps.sh)`);
  }
  for (const pkg of ['playwright-core', 'axe-core']) {
    try {
      require.resolve(`${pkg}/package.json`);
    } catch {
      missing.push(`npm package ${pkg} is missing: run npm ci in tests/console (scripts/install-deps.sh)`);
    }
  }
  if (missing.length > 0) throw new Error(`the console tests cannot run:\n  ${missing.join('\n  ')}`);
}

// Polls `check` (an async function returning a truthy value when done) until it answers or
// `timeoutMs` passes; the error names what was awaited. Used for conditions no event announces
// (a file appearing, a copy reaching the dead-letter queue), never as a fixed delay.
export async function waitFor(what, check, { timeoutMs = 30000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function yamlString(value) {
  return JSON.stringify(value);  // a JSON string is a valid YAML flow scalar
}

// A webhook receiver on loopback (the dev server certificate, which the gateway trusts through
// its own tls.ca). mode 'refuse' answers 400, a permanent failure: the copy is dead-lettered at
// once (docs/adapters.md, "webhook"); mode 'accept' answers 200 and keeps what arrived.
async function startWebhookReceiver(pki) {
  const received = [];
  const receiver = { mode: 'refuse', received, port: 0 };
  const server = https.createServer({
    cert: fs.readFileSync(path.join(pki, 'server.pem')),
    key: fs.readFileSync(path.join(pki, 'server.key')),
  }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (receiver.mode === 'accept') {
        received.push({
          deliveryId: Number(req.headers['accord-delivery-id']),
          messageId: req.headers['accord-message-id'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      } else {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"refused by the test"}');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = server.address().port;
  receiver.close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return receiver;
}

function gatewayYaml(dir, { webhookRecipient, webhookPort }) {
  const config = (name) => yamlString(path.join(repoRoot, 'config', name));
  const lines = [
    '# Written by tests/console/harness.mjs for one browser test.',
    'listen: {address: 127.0.0.1, port: 0}',
    'admin_listen:',
    '  address: 127.0.0.1',
    '  port: 0',
    // Development only: ACCORD_CONSOLE_DIR=console serves the files from disk, so an edit to a
    // page is tested without rebuilding the gateway. Unset (ctest), the embedded files are.
    ...(process.env.ACCORD_CONSOLE_DIR ? [`  console_dir: ${yamlString(path.resolve(process.env.ACCORD_CONSOLE_DIR))}`] : []),
    'threads: 2',
    'tls:',
    `  ca: ${yamlString(path.join(dir, 'pki', 'ca.pem'))}`,
    `  crl: ${yamlString(path.join(dir, 'pki', 'crl.pem'))}`,
    `  cert: ${yamlString(path.join(dir, 'pki', 'server.pem'))}`,
    `  key: ${yamlString(path.join(dir, 'pki', 'server.key'))}`,
    'storage:',
    '  backend: sqlite',
    `  path: ${yamlString(path.join(dir, 'data', 'spool.db'))}`,
    `vocabulary: ${config('vocabulary.yaml')}`,
    `agencies: ${config('agencies.yaml')}`,
    `agreements: ${config('agreements')}`,
    `keys: ${yamlString(path.join(dir, 'keys'))}`,
    `signatures: ${yamlString(path.join(dir, 'signatures'))}`,
    'audit:',
    '  checkpoint_every_records: 10000',
    '  checkpoint_every_seconds: 3600',
    'adapters:',
    '  probation.london:',
    `    outbound: {type: filedrop, directory: ${yamlString(path.join(dir, 'outbox', 'probation.london'))}}`,
  ];
  if (webhookRecipient) {
    lines.push(`  ${webhookRecipient}:`,
      `    outbound: {type: webhook, url: "https://127.0.0.1:${webhookPort}/accord/inbox", timeout_ms: 5000}`);
  }
  lines.push(
    'compliance:',
    `  rules: ${config('compliance/victims-code.yaml')}`,
    `  calendar: ${config('compliance/bank-holidays-england-and-wales.yaml')}`,
    'delivery:',
    '  max_attempts: 1',
    '  backoff_initial_ms: 100',
    '  backoff_max_ms: 1000',
    '  idle_poll_ms: 1000',
    'log:',
    '  level: info',
    '');
  return lines.join('\n');
}

// One HTTPS request with a client certificate; answers {status, headers, text, json()}.
export function request(url, { cert, key, ca, method = 'GET', body, headers = {} }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request(url, {
      method,
      cert,
      key,
      ca,
      agent: false,
      headers: {
        ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Starts a deployment. Options:
//   webhookRecipient: an agency whose copies go to a webhook receiver the test controls
//     (deployment.webhook: mode 'refuse' dead-letters each copy, 'accept' takes it).
export async function startDeployment({ webhookRecipient = null } = {}) {
  requireTools();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-console-'));
  const gatewayBin = process.env.ACCORD_GATEWAY_BIN;
  const cliBin = process.env.ACCORD_CLI_BIN;
  const pki = path.join(dir, 'pki');
  let child = null;
  let webhook = null;
  const log = [];
  const deployment = { dir, pki };
  // SIGTERM drains and exits 0 (docs/operations.md); anything else (a crash, a sanitizer's
  // report under scripts/test.sh --sanitize, a hang past 15 s) fails the test file.
  const stop = async ({ quiet = false } = {}) => {
    let exit = null;
    if (child) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(timer);
      }
      exit = child.exitCode ?? child.signalCode;
    }
    if (webhook) await webhook.close();
    if (!process.env.ACCORD_KEEP_TEMP) await fsp.rm(dir, { recursive: true, force: true });
    if (!quiet && exit !== null && exit !== 0) {
      throw new Error(`accord-gateway did not stop cleanly (${exit}); its log:\n${log.join('').slice(-4000)}`);
    }
  };
  deployment.stop = stop;
  try {
    await run(path.join(repoRoot, 'certs', 'gen-dev-pki.sh'), [pki, ...AGENCIES]);
    for (const sub of ['keys', 'signatures', 'data', 'outbox/probation.london']) {
      await fsp.mkdir(path.join(dir, sub), { recursive: true });
    }
    await fsp.mkdir(path.join(dir, 'signing-keys'), { mode: 0o700 });
    // The providers' encryption keys: each agency makes its pair and hands over the public half.
    for (const agency of ['provider.lvws', 'provider.survivors-uk']) {
      const keyDir = path.join(dir, 'agency-keys', agency);
      await run(cliBin, ['keys', 'gen', '--agency', agency, '--dir', keyDir]);
      for (const f of await fsp.readdir(keyDir)) {
        if (f.endsWith('.pub.json')) await fsp.copyFile(path.join(keyDir, f), path.join(dir, 'keys', f));
      }
    }
    // Every party signs the sample agreements with a development key (an active agreement
    // grants nothing until all its parties have signed it).
    await run(path.join(repoRoot, 'scripts', 'sign-agreements.sh'), [
      path.join(repoRoot, 'config', 'agencies.yaml'), path.join(repoRoot, 'config', 'agreements'),
      path.join(dir, 'keys'), path.join(dir, 'signing-keys'), path.join(dir, 'signatures'),
    ], { env: { ...process.env, ACCORD_BIN: cliBin } });

    if (webhookRecipient) {
      webhook = await startWebhookReceiver(pki);
      deployment.webhook = webhook;
    }
    const configPath = path.join(dir, 'gateway.yaml');
    await fsp.writeFile(configPath, gatewayYaml(dir, { webhookRecipient, webhookPort: webhook?.port }));
    const readyFile = path.join(dir, 'ready.json');
    child = spawn(gatewayBin, ['--config', configPath, '--ready-file', readyFile],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => { log.push(chunk); });
    }
    deployment.log = () => log.join('');
    const ready = await waitFor('the gateway to write its ready file', async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw Object.assign(new Error(`accord-gateway exited (${child.exitCode ?? child.signalCode}):\n${log.join('')}`), { fatal: true });
      }
      const text = await fsp.readFile(readyFile, 'utf8').catch(() => '');
      return text ? JSON.parse(text) : null;
    }, { timeoutMs: 60000 }).catch((error) => {
      throw new Error(`${error.message}\ngateway log:\n${log.join('')}`);
    });
    deployment.port = ready.port;
    deployment.adminPort = ready.admin_port;
    deployment.agencyOrigin = `https://127.0.0.1:${ready.port}`;
    deployment.adminOrigin = `https://127.0.0.1:${ready.admin_port}`;
    deployment.consoleUrl = `${deployment.adminOrigin}/console/`;
    deployment.ca = fs.readFileSync(path.join(pki, 'ca.pem'));
    return Object.assign(deployment, deploymentApi(deployment));
  } catch (error) {
    await stop({ quiet: true });
    throw error;
  }
}

// The certificate files of an identity: 'admin', 'auditor' or an agency id.
export function certFiles(deployment, who) {
  const base = ['admin', 'auditor'].includes(who) ? who : `agency-${who}`;
  return { certPath: path.join(deployment.pki, `${base}.pem`), keyPath: path.join(deployment.pki, `${base}.key`) };
}

function deploymentApi(d) {
  const identity = (who) => {
    const { certPath, keyPath } = certFiles(d, who);
    return { cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath), ca: d.ca };
  };
  // who: 'admin' | 'auditor' | agency id; the listener follows from who asks.
  const call = (who, method, urlPath, body, headers) => {
    const origin = ['admin', 'auditor'].includes(who) ? d.adminOrigin : d.agencyOrigin;
    return request(origin + urlPath, { ...identity(who), method, body, headers });
  };
  const api = {
    call,
    // The same request on the admin listener whoever asks (an agency certificate there gets 403).
    admin: (who, method, urlPath, body, headers) =>
      request(d.adminOrigin + urlPath, { ...identity(who), method, body, headers }),
    async getJson(who, urlPath) {
      const r = await call(who, 'GET', urlPath);
      if (r.status !== 200) throw new Error(`GET ${urlPath} as ${who}: ${r.status} ${r.text}`);
      return r.json();
    },
    async getNdjson(who, urlPath) {
      const r = await call(who, 'GET', urlPath);
      if (r.status !== 200) throw new Error(`GET ${urlPath} as ${who}: ${r.status} ${r.text}`);
      return { items: r.text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)), headers: r.headers };
    },
    // Submits an envelope as `agency`; answers the response (202 stored, 422 refused, ...).
    submit: (agency, envelope) => call(agency, 'POST', '/v1/messages', envelope),
    async deadLetters(recipient) {
      const q = recipient ? `?recipient=${encodeURIComponent(recipient)}` : '';
      return (await api.getJson('admin', `/v1/admin/dlq${q}`)).dead_letters;
    },
    // Every audit record matching `query` (URLSearchParams text), following the pages.
    async auditRecords(query = '') {
      const out = [];
      let after = null;
      for (;;) {
        const q = new URLSearchParams(query);
        if (after) q.set('after_seq', after);
        const page = await api.getNdjson('auditor', `/v1/admin/audit/records?${q}`);
        out.push(...page.items);
        after = page.headers['accord-next-after-seq'];
        if (!after) return out;
      }
    },
  };
  return api;
}

// The sample case journey of scripts/demo.sh (config/demo/*.json), in its order, each sent by
// the agency that owns it; @NOW@ becomes the current time. Answers the responses, in order.
export const JOURNEY = [
  ['police.met', '01-police-referral-created.json'],
  ['police.met', '02-police-suspect-arrested.json'],
  ['police.met', '09-police-informed-arrest.json'],
  ['cps.london', '03-cps-charge-decided.json'],
  ['cps.london', '10-cps-informed-charge.json'],
  ['court.london', '04-court-hearing-listed.json'],
  ['wcu.met', '05-wcu-hearing-listed.json'],
  ['court.london', '06-court-case-outcome.json'],
  ['wcu.met', '07-wcu-case-outcome.json'],
  ['wcu.met', '11-wcu-informed-hearing.json'],
  ['wcu.met', '12-wcu-informed-outcome.json'],
  ['court.london', '08-court-sentence-passed.json'],
];

export async function readDemoEnvelope(file) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return JSON.parse((await fsp.readFile(path.join(repoRoot, 'config', 'demo', file), 'utf8')).replaceAll('@NOW@', now));
}

export async function seedJourney(deployment) {
  const answers = [];
  for (const [agency, file] of JOURNEY) {
    const r = await deployment.submit(agency, await readDemoEnvelope(file));
    if (r.status !== 202 && r.status !== 422) {
      throw new Error(`submitting ${file} as ${agency}: ${r.status} ${r.text}`);
    }
    answers.push({ agency, file, status: r.status, body: r.text });
  }
  return answers;
}

// `n` more arrests on the journey's case (new message ids): audit records enough for several
// pages of results.
export async function seedMore(deployment, n) {
  const envelope = await readDemoEnvelope('02-police-suspect-arrested.json');
  for (let i = 1; i <= n; ++i) {
    envelope.id = `met-arr-extra-${String(i).padStart(4, '0')}`;
    const r = await deployment.submit('police.met', envelope);
    if (r.status !== 202) throw new Error(`submitting ${envelope.id}: ${r.status} ${r.text}`);
  }
}

// A submission refused as a whole (422): probation has no agreement to send anything about the
// journey's victim, so the subject's report shows a refusal next to its copies.
export async function seedRefusal(deployment) {
  const envelope = await readDemoEnvelope('02-police-suspect-arrested.json');
  envelope.id = 'probation-refused-0001';
  envelope.case.owner = 'police.met';
  const r = await deployment.submit('probation.london', envelope);
  if (r.status !== 422) throw new Error(`the refusal seed should be refused (422), got ${r.status} ${r.text}`);
  return r.json();
}

// Forces a signed checkpoint so the chain status has one to show (auditor only).
export async function forceCheckpoint(deployment) {
  const r = await deployment.call('auditor', 'POST', '/v1/admin/audit/checkpoint', {});
  if (r.status !== 200) throw new Error(`forcing a checkpoint: ${r.status} ${r.text}`);
  return r.json();
}

// ---- the browser -------------------------------------------------------------------------

// Chromium's own flags for a closed network and a root user (docs/console.md).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

export async function launchBrowser() {
  requireTools();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A browser context that presents `who`'s certificate to the admin listener. The dev CA is not
// in Chromium's store, so the context accepts the gateway's certificate (loopback only).
export async function consoleContext(browser, deployment, who, { viewport = { width: 1366, height: 768 } } = {}) {
  const { certPath, keyPath } = certFiles(deployment, who);
  return browser.newContext({
    clientCertificates: [{ origin: deployment.adminOrigin, certPath, keyPath }],
    ignoreHTTPSErrors: true,
    viewport,
    reducedMotion: 'reduce',
  });
}

// Opens the console at `hash` ('#/audit', ...) as `who` and waits for the page's heading.
export async function openConsole(browser, deployment, who, hash = '') {
  const context = await consoleContext(browser, deployment, who);
  const page = await context.newPage();
  // Script errors and CSP refusals: the tests expect none. (A refused API call also logs a
  // console error, "Failed to load resource: ... 403", which some tests expect.)
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  await page.goto(deployment.consoleUrl + hash);
  return { context, page, errors };
}

// axe-core from node_modules, run on the page as it is: the violations of WCAG 2 A and AA.
// Evaluated through the DevTools protocol rather than added as a <script>: the console's CSP
// (script-src 'self') rightly refuses an inline script, and the test must not loosen it.
let axeSource = null;
export async function axeViolations(page) {
  axeSource ??= await fsp.readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
}

export function formatViolations(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
}

// Sets a labelled form field, whether the page made it a text box or a list to pick from.
export async function setField(page, label, value) {
  const field = page.getByLabel(label, { exact: true });
  if ((await field.evaluate((node) => node.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

// Waits for `locator`; if the page shows an error (role=alert) first, fails at once with the
// error's text (e.g. "not_found: no such endpoint ...") instead of timing out in silence.
export async function shown(page, locator) {
  const alert = page.getByRole('alert').first();
  // Neither wait may reject unobserved: the loser settles after the test has moved on.
  const content = locator.waitFor().then(() => 'content', (error) => error);
  const error = alert.waitFor().then(() => 'alert', () => 'no alert');
  let which = await Promise.race([content, error]);
  if (which === 'no alert') which = await content;
  if (which instanceof Error) throw which;
  if (which === 'alert' && !(await locator.isVisible())) {
    throw new Error(`the page shows an error instead of the content: ${(await alert.textContent()).trim()}`);
  }
}
