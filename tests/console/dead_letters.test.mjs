// An administrator redrives a dead letter from the console (docs/console.md, "Deliveries and
// dead letters"): the confirmation dialog first (Cancel changes nothing), then the copy is
// queued again and delivered, and the audit log names the admin certificate's subject.
// The dead letters are made deterministically: the Witness Care Unit's copies go to a webhook
// receiver of this test that answers 400, a permanent failure, so each is dead-lettered at
// once; the receiver then accepts, so the redriven copy arrives and nothing else does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, openConsole, seedJourney, setField, startDeployment, waitFor,
} from './harness.mjs';

const RECIPIENT = 'wcu.met';
let deployment;
let browser;

before(async () => {
  deployment = await startDeployment({ webhookRecipient: RECIPIENT });
  await seedJourney(deployment);
  // Every copy stored for the recipient, then each of them dead-lettered.
  const copies = (await deployment.auditRecords(`kind=decision.accepted&recipient=${RECIPIENT}`)).length;
  assert.ok(copies >= 2, `the journey should give ${RECIPIENT} several copies, got ${copies}`);
  await waitFor(`${copies} dead letters for ${RECIPIENT}`,
    async () => (await deployment.deadLetters(RECIPIENT)).length === copies);
  deployment.webhook.mode = 'accept';
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

test('admin: Redrive asks first; Cancel changes nothing, confirming queues the copy again, audited', async () => {
  const before = await deployment.deadLetters(RECIPIENT);
  const target = before[0];
  const { context, page, errors } = await openConsole(browser, deployment, 'admin', '#/dead-letters');
  try {
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    const table = page.getByRole('table', { name: 'Dead letters' });
    await table.waitFor();
    // Every dead letter of the spool is listed, each with its own Redrive button.
    for (const dead of before) {
      await table.getByRole('button', { name: `Redrive ${dead.delivery_id}`, exact: true }).waitFor();
    }
    assert.match(await table.textContent(), new RegExp(RECIPIENT.replace('.', '\\.')));

    const redrive = table.getByRole('button', { name: `Redrive ${target.delivery_id}`, exact: true });
    await redrive.click();
    let dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    // Nothing happened: still dead, nothing delivered, no redrive in the audit log.
    assert.deepEqual((await deployment.deadLetters(RECIPIENT)).map((d) => d.delivery_id),
      before.map((d) => d.delivery_id));
    assert.equal(deployment.webhook.received.length, 0);
    assert.equal((await deployment.auditRecords('kind=admin.action')).filter(
      (r) => r.details?.action === 'dlq.redrive').length, 0);
    assert.ok(await redrive.isVisible());

    await redrive.click();
    dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Redrive', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // The copy is queued again and this time delivered: the receiver holds it, by its id.
    await waitFor('the redriven copy at the webhook receiver',
      async () => deployment.webhook.received.some((r) => r.deliveryId === target.delivery_id));
    assert.deepEqual(deployment.webhook.received.map((r) => r.deliveryId), [target.delivery_id]);
    const remaining = await deployment.deadLetters(RECIPIENT);
    assert.deepEqual(remaining.map((d) => d.delivery_id),
      before.filter((d) => d.delivery_id !== target.delivery_id).map((d) => d.delivery_id));
    // The page no longer offers it.
    await table.getByRole('button', { name: `Redrive ${target.delivery_id}`, exact: true }).waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }

  // The audit log, read as the auditor: the request as admin.action naming the admin's
  // certificate, and the copy's own delivery.redriven.
  const actions = (await deployment.auditRecords('kind=admin.action')).filter(
    (r) => r.details?.action === 'dlq.redrive');
  assert.equal(actions.length, 1, JSON.stringify(actions));
  assert.equal(actions[0].details.actor, 'admin');
  assert.equal(actions[0].details.actor_role, 'admin');
  assert.match(actions[0].details.actor_subject, /CN=admin/);
  assert.equal(String(actions[0].details.delivery_id), String(target.delivery_id));
  const redriven = await deployment.auditRecords('kind=delivery.redriven');
  assert.deepEqual(redriven.map((r) => r.delivery_id), [target.delivery_id]);
});

test('auditor: the redrive is in the console audit log with the admin certificate as actor', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor', '#/audit');
  try {
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await setField(page, 'Event type', 'admin.action');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('table', { name: 'Audit records' });
    await results.waitFor();
    const actions = (await deployment.auditRecords('kind=admin.action')).filter(
      (r) => r.details?.action === 'dlq.redrive');
    assert.equal(actions.length, 1);
    await results.getByRole('link', { name: `Record ${actions[0].seq}`, exact: true }).click();
    await page.waitForURL(new RegExp(`#/audit/record/${actions[0].seq}`));
    await page.getByText('dlq.redrive').first().waitFor();
    await page.getByText(/CN=admin/).first().waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
