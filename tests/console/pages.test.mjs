// The flows, agreements, deliveries and Victims' Code pages render the seeded deployment
// (docs/console.md, "Flows", "Agreements", "Deliveries and dead letters", "Victims' Code
// compliance"): what they show is compared with the audit log and the admin API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, openConsole, shown, seedJourney, seedRefusal, startDeployment, waitFor,
} from './harness.mjs';

const DEAD_RECIPIENT = 'wcu.met';
let deployment;
let browser;
let accepted;

before(async () => {
  deployment = await startDeployment({ webhookRecipient: DEAD_RECIPIENT });
  await seedJourney(deployment);
  await seedRefusal(deployment);
  accepted = await deployment.auditRecords('kind=decision.accepted');
  const toDead = accepted.filter((r) => r.recipient === DEAD_RECIPIENT).length;
  assert.ok(toDead >= 1, `the journey sends ${DEAD_RECIPIENT} a copy`);
  await waitFor(`the dead letters of ${DEAD_RECIPIENT}`,
    async () => (await deployment.deadLetters(DEAD_RECIPIENT)).length === toDead);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

// Opens `hash` as `who` and waits for the page's heading; answers {page, main, close()}.
async function open(who, hash, heading) {
  const { context, page, errors } = await openConsole(browser, deployment, who, hash);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  return { page, main: page.getByRole('main'), errors, close: () => context.close() };
}

for (const who of ['admin', 'auditor']) {
  test(`${who}: the flows map and its table show every agreement that shared a copy`, async () => {
    const { page, main, errors, close } = await open(who, '#/flows', 'Flows');
    try {
      await shown(page, main.getByRole('img', { name: 'Flows map' }));
      const table = main.getByRole('table', { name: 'Flows' });
      await table.waitFor();
      const text = await table.textContent();
      for (const agreement of new Set(accepted.map((r) => r.agreement))) {
        assert.ok(text.includes(agreement), `the Flows table names ${agreement}`);
      }
      // The refused probation submission has no agreement: an unmatched route.
      assert.ok((await main.textContent()).includes('probation.london'));
      // The map draws the agencies it connects.
      const map = await main.getByRole('img', { name: 'Flows map' }).textContent();
      assert.ok(map.includes('police.met') || map.includes('Metropolitan Police Service'));
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test(`${who}: the agreements page lists the set in force with its governance`, async () => {
    const inForce = await deployment.getJson(who, '/v1/admin/agreements');
    const { page, main, errors, close } = await open(who, '#/agreements', 'Agreements');
    try {
      const table = main.getByRole('table', { name: 'Agreements' });
      await shown(page, table);
      const text = await table.textContent();
      for (const agreement of inForce.agreements) {
        assert.ok(text.includes(agreement.id), `the Agreements table names ${agreement.id}`);
      }
      assert.match(text, /active/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });

  test(`${who}: delivery health shows each recipient's adapter, queue and dead letters`, async () => {
    const dead = await deployment.deadLetters(DEAD_RECIPIENT);
    const { page, main, errors, close } = await open(who, '#/deliveries', 'Deliveries');
    try {
      const table = main.getByRole('table', { name: 'Delivery health' });
      await shown(page, table);
      const row = table.getByRole('row').filter({ hasText: DEAD_RECIPIENT });
      await row.waitFor();
      const cells = await row.getByRole('cell').allTextContents();
      assert.ok(cells.includes('webhook'), `${DEAD_RECIPIENT} row: ${cells}`);
      assert.ok(cells.includes(String(dead.length)), `${DEAD_RECIPIENT} dead letters ${dead.length}: ${cells}`);
      const probation = await table.getByRole('row').filter({ hasText: 'probation.london' }).textContent();
      assert.match(probation, /filedrop/);
      const lvws = await table.getByRole('row').filter({ hasText: 'provider.lvws' }).textContent();
      assert.match(lvws, /mailbox/);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
}

test("auditor: the Victims' Code page shows the journey's clocks", async () => {
  const report = await deployment.getJson('auditor', '/v1/admin/compliance/report?format=json');
  const { page, main, errors, close } = await open('auditor', '#/compliance', "Victims' Code");
  try {
    await shown(page, main.getByRole('table').first());
    const text = await main.textContent();
    // The journey's informers (docs/compliance.md §5): each one the report counts is shown.
    const informers = new Set(JSON.stringify(report).match(/"(police\.met|cps\.london|wcu\.met)"/g) ?? []);
    assert.ok(informers.size > 0, `the report counts clocks: ${JSON.stringify(report).slice(0, 400)}`);
    for (const quoted of informers) assert.ok(text.includes(JSON.parse(quoted)), `the page names ${quoted}`);
    assert.match(text, /late/i);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
