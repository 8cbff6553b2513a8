// The screenshots of docs/console.md: each page of a seeded deployment at 1366x768, the
// viewport only. Run in the suite (ctest console_screenshots) so the script cannot rot; it
// writes to a temporary directory there, and into docs/console/ with
//   ACCORD_WRITE_SCREENSHOTS=1 ACCORD_GATEWAY_BIN=build/gateway/app/accord-gateway \
//   ACCORD_CLI_BIN=build/tools/accord/accord node --test tests/console/screenshots.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CASE_URN, SUBJECT_REF, forceCheckpoint, launchBrowser, openConsole, repoRoot, seedJourney,
  seedRefusal, shown, startDeployment, waitFor,
} from './harness.mjs';

const DEAD_RECIPIENT = 'wcu.met';
const WIDTH = 1366;
const HEIGHT = 768;
let deployment;
let browser;
let outDir;
let recordSeq;

before(async () => {
  outDir = process.env.ACCORD_WRITE_SCREENSHOTS === '1'
    ? path.join(repoRoot, 'docs', 'console')
    : await fsp.mkdtemp(path.join(os.tmpdir(), 'accord-screenshots-'));
  await fsp.mkdir(outDir, { recursive: true });
  deployment = await startDeployment({ webhookRecipient: DEAD_RECIPIENT });
  await seedJourney(deployment);
  await seedRefusal(deployment);
  await waitFor('a dead letter', async () => (await deployment.deadLetters(DEAD_RECIPIENT)).length > 0);
  await forceCheckpoint(deployment);
  recordSeq = (await deployment.auditRecords(`case_urn=${CASE_URN}&kind=decision.accepted`))[0].seq;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
  if (process.env.ACCORD_WRITE_SCREENSHOTS !== '1' && outDir) await fsp.rm(outDir, { recursive: true, force: true });
});

// [file, role, hash, heading, what shows the page has its data]
const SHOTS = [
  ['audit.png', 'auditor', `#/audit?case_urn=${CASE_URN}`, 'Audit log', (p) => p.getByRole('table', { name: 'Audit records' })],
  ['audit-record.png', 'auditor', () => `#/audit/record/${recordSeq}`, 'Audit log', (p) => p.getByRole('main').getByText('decision.accepted').first()],
  ['subject.png', 'auditor', `#/subject?ref=${SUBJECT_REF}`, 'Subject access', (p) => p.getByRole('main').getByText('provider.lvws').first()],
  ['flows.png', 'auditor', '#/flows', 'Flows', (p) => p.getByRole('img', { name: 'Flows map' })],
  ['agreements.png', 'admin', '#/agreements', 'Agreements', (p) => p.getByRole('table', { name: 'Agreements' })],
  ['deliveries.png', 'admin', '#/deliveries', 'Deliveries', (p) => p.getByRole('table', { name: 'Delivery health' })],
  ['dead-letters.png', 'admin', '#/dead-letters', 'Dead letters', (p) => p.getByRole('table', { name: 'Dead letters' })],
  ['compliance.png', 'auditor', '#/compliance', "Victims' Code", (p) => p.getByRole('main').getByRole('table').first()],
];

// Width and height from a PNG's IHDR chunk.
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

for (const [file, who, hashOf, heading, ready] of SHOTS) {
  test(`screenshot ${file} (${who})`, async () => {
    const hash = typeof hashOf === 'function' ? hashOf() : hashOf;
    const { context, page, errors } = await openConsole(browser, deployment, who, hash);
    try {
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      if (ready) await shown(page, ready(page));
      await page.evaluate(() => document.fonts.ready);
      // No focus ring or caret in the picture.
      await page.evaluate(() => document.activeElement?.blur());
      const target = path.join(outDir, file);
      await page.screenshot({ path: target, animations: 'disabled', caret: 'hide' });
      assert.deepEqual(pngSize(await fsp.readFile(target)), { width: WIDTH, height: HEIGHT });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
