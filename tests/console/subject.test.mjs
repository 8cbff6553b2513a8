// An auditor produces a subject access report in the console (docs/console.md, "Subject
// access report"): every agency that received something about the victim, and every refusal,
// as the audit log holds them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SUBJECT_REF, launchBrowser, openConsole, seedJourney, seedRefusal, setField, startDeployment,
} from './harness.mjs';

let deployment;
let browser;
let recipients;
let refusals;

before(async () => {
  deployment = await startDeployment();
  await seedJourney(deployment);
  await seedRefusal(deployment);
  const records = await deployment.auditRecords(`subject_ref=${SUBJECT_REF}`);
  recipients = [...new Set(records.filter((r) => r.kind === 'decision.accepted').map((r) => r.recipient))];
  refusals = records.filter((r) => r.kind === 'decision.refused');
  assert.ok(recipients.length >= 2, `the journey reaches several agencies: ${recipients}`);
  assert.ok(refusals.length >= 1, 'the seed has a refusal');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

async function assertReport(page) {
  const main = page.getByRole('main');
  await main.getByText(recipients[0]).first().waitFor();
  const text = await main.textContent();
  for (const recipient of recipients) assert.ok(text.includes(recipient), `the report names ${recipient}`);
  for (const refusal of refusals) {
    assert.ok(text.includes(refusal.code), `the report shows the refusal ${refusal.code}`);
    assert.ok(text.includes(refusal.sender), `the report names the refused sender ${refusal.sender}`);
  }
}

test('auditor: the subject access report names the recipients and the refusals', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor', '#/subject');
  try {
    await page.getByRole('heading', { level: 1, name: 'Subject access' }).waitFor();
    await setField(page, 'Subject reference', SUBJECT_REF);
    await page.getByRole('button', { name: 'Produce report' }).click();
    await assertReport(page);
    // The report is addressable: the hash now carries the reference.
    assert.match(decodeURIComponent(new URL(page.url()).hash), new RegExp(`ref=${SUBJECT_REF}`));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('auditor: #/subject?ref= opens the report directly; an unknown subject has none', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor',
    `#/subject?ref=${encodeURIComponent(SUBJECT_REF)}`);
  try {
    await assertReport(page);
    await page.goto(`${deployment.consoleUrl}#/subject?ref=V-NOBODY`);
    await page.getByRole('heading', { level: 1, name: 'Subject access' }).waitFor();
    const main = page.getByRole('main');
    await main.getByText(/no records|0 records|nothing/i).first().waitFor();
    assert.ok(!(await main.textContent()).includes(recipients[0]));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
