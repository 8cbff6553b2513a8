// An auditor searches the audit log in the console (docs/console.md, "Audit log"): by case URN,
// page by page, a record's detail, other filters, and the chain status panel, all compared
// with what the admin API answers for the same filter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CASE_URN, forceCheckpoint, launchBrowser, openConsole, seedJourney, seedMore, seedRefusal,
  setField, startDeployment,
} from './harness.mjs';

let deployment;
let browser;
let caseRecords;

before(async () => {
  deployment = await startDeployment();
  await seedJourney(deployment);
  await seedRefusal(deployment);
  await seedMore(deployment, 40);  // enough records for several result pages
  await forceCheckpoint(deployment);
  caseRecords = await deployment.auditRecords(`case_urn=${CASE_URN}`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

// The seqs of the record links in the results table, in order.
async function listedSeqs(results) {
  const names = await results.getByRole('link', { name: /^Record \d+$/ }).allTextContents();
  return names.map((n) => Number(n.match(/\d+/)[0]));
}

test('auditor: search by case URN, page forward and back, open a record', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor', '#/audit');
  try {
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await setField(page, 'Case URN', CASE_URN);
    await page.getByRole('button', { name: 'Search' }).click();
    // The answer to this search, not the unfiltered one the page opened with.
    await page.getByText(`Case URN: ${CASE_URN}`, { exact: true }).waitFor();
    const results = page.getByRole('table', { name: 'Audit records' });
    await results.getByRole('link', { name: /^Record \d+$/ }).first().waitFor();

    const first = await listedSeqs(results);
    assert.ok(first.length > 0 && first.length < caseRecords.length,
      `one page of results (${first.length}) should be shorter than all ${caseRecords.length} matches`);
    const expected = caseRecords.map((r) => r.seq);
    assert.deepEqual(first, expected.slice(0, first.length), 'the first page: the oldest matches, in order');

    await page.getByRole('button', { name: 'Next page' }).click();
    await results.getByRole('link', { name: `Record ${expected[first.length]}`, exact: true }).waitFor();
    const second = await listedSeqs(results);
    assert.deepEqual(second, expected.slice(first.length, first.length + second.length));

    await page.getByRole('button', { name: 'Previous page' }).click();
    await results.getByRole('link', { name: `Record ${expected[0]}`, exact: true }).waitFor();
    assert.deepEqual(await listedSeqs(results), first);

    // A record's detail: its own address, its kind and message.
    const record = caseRecords.find((r) => r.kind === 'decision.accepted');
    const pageOf = first.includes(record.seq);
    assert.ok(pageOf, 'the first decision.accepted record is on the first page');
    await results.getByRole('link', { name: `Record ${record.seq}`, exact: true }).click();
    await page.waitForURL(new RegExp(`#/audit/record/${record.seq}$`));
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const main = page.getByRole('main');
    await main.getByText(record.message_id).first().waitFor();
    const text = await main.textContent();
    for (const value of [record.kind, record.sender, record.recipient, record.agreement, CASE_URN]) {
      assert.ok(text.includes(value), `the detail shows ${value}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('auditor: a record opened by its address, and the refusals of the case', async () => {
  const refused = caseRecords.filter((r) => r.kind === 'decision.refused');
  assert.ok(refused.length > 0, 'the seed has a refusal');
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor',
    `#/audit/record/${refused[0].seq}`);
  try {
    const main = page.getByRole('main');
    await main.getByText('decision.refused').first().waitFor();
    assert.ok((await main.textContent()).includes(refused[0].code));

    await page.goto(`${deployment.consoleUrl}#/audit`);
    await setField(page, 'Case URN', CASE_URN);
    await setField(page, 'Decision', 'refused');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table', { name: 'Audit records' });
    await results.getByRole('link', { name: `Record ${refused[0].seq}`, exact: true }).waitFor();
    assert.deepEqual(await listedSeqs(results), refused.map((r) => r.seq));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('auditor: the chain status shows the head, the latest checkpoint and a verified chain', async () => {
  const head = await deployment.getJson('auditor', '/v1/admin/audit/head');
  assert.ok(head.latest_checkpoint, 'a checkpoint was forced');
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor', '#/audit');
  try {
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const status = page.getByRole('region', { name: /chain/i });
    await status.getByText(/verified/i).first().waitFor();
    const text = await status.textContent();
    assert.doesNotMatch(text, /not verified|broken|failed|mismatch/i);
    assert.ok(text.includes(String(head.latest_checkpoint.seq)), `the checkpoint's seq ${head.latest_checkpoint.seq}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
