// Every console page, as each role sees it with data in it, has no WCAG 2.0/2.1 A or AA
// violation axe-core can find, and the keyboard reaches the skip link and the navigation
// (docs/console.md, "How the console is built and tested").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CASE_URN, SUBJECT_REF, axeViolations, formatViolations, forceCheckpoint, launchBrowser,
  openConsole, seedJourney, seedRefusal, shown, startDeployment, waitFor,
} from './harness.mjs';

const DEAD_RECIPIENT = 'wcu.met';
let deployment;
let browser;
let firstSeq;
let firstKind;

before(async () => {
  deployment = await startDeployment({ webhookRecipient: DEAD_RECIPIENT });
  await seedJourney(deployment);
  await seedRefusal(deployment);
  await waitFor('a dead letter', async () => (await deployment.deadLetters(DEAD_RECIPIENT)).length > 0);
  await forceCheckpoint(deployment);
  ({ seq: firstSeq, kind: firstKind } = (await deployment.auditRecords(`case_urn=${CASE_URN}`))[0]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

// [role, hash, heading, what to wait for beyond the heading]
const VIEWS = [
  ['auditor', `#/audit?case_urn=${CASE_URN}`, 'Audit log', (p) => p.getByRole('table', { name: 'Audit records' })],
  ['auditor', () => `#/audit/record/${firstSeq}`, 'Audit log', (p) => p.getByRole('main').getByText(firstKind).first()],
  ['auditor', `#/subject?ref=${SUBJECT_REF}`, 'Subject access', (p) => p.getByRole('main').getByText('provider.lvws').first()],
  ['auditor', '#/flows', 'Flows', (p) => p.getByRole('table', { name: 'Flows' })],
  ['auditor', '#/agreements', 'Agreements', (p) => p.getByRole('table', { name: 'Agreements' })],
  ['auditor', '#/deliveries', 'Deliveries', (p) => p.getByRole('table', { name: 'Delivery health' })],
  ['auditor', '#/compliance', "Victims' Code", (p) => p.getByRole('main').getByRole('table').first()],
  ['auditor', '#/dead-letters', 'Dead letters', (p) => p.getByRole('alert')],
  ['admin', '#/flows', 'Flows', (p) => p.getByRole('table', { name: 'Flows' })],
  ['admin', '#/agreements', 'Agreements', (p) => p.getByRole('table', { name: 'Agreements' })],
  ['admin', '#/deliveries', 'Deliveries', (p) => p.getByRole('table', { name: 'Delivery health' })],
  ['admin', '#/dead-letters', 'Dead letters', (p) => p.getByRole('table', { name: 'Dead letters' })],
];

for (const [who, hashOf, heading, ready] of VIEWS) {
  const label = typeof hashOf === 'function' ? '#/audit/record/<seq>' : hashOf;
  test(`axe: ${who} ${label} has no WCAG 2 A/AA violations`, async () => {
    const hash = typeof hashOf === 'function' ? hashOf() : hashOf;
    const { context, page, errors } = await openConsole(browser, deployment, who, hash);
    try {
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      if (ready) await shown(page, ready(page));
      // Checked before axe runs: axe's own probes set inline styles, which the CSP refuses.
      assert.deepEqual(errors, []);
      const violations = await axeViolations(page);
      assert.equal(violations.length, 0, `${who} ${hash}:\n${formatViolations(violations)}`);
    } finally {
      await context.close();
    }
  });
}

test('axe: the confirmation dialog has no WCAG 2 A/AA violations', async () => {
  const [dead] = await deployment.deadLetters(DEAD_RECIPIENT);
  const { context, page } = await openConsole(browser, deployment, 'admin', '#/dead-letters');
  try {
    await page.getByRole('button', { name: `Redrive ${dead.delivery_id}`, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const violations = await axeViolations(page);
    assert.equal(violations.length, 0, formatViolations(violations));
    // Escape cancels: nothing is redriven.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok((await deployment.deadLetters(DEAD_RECIPIENT)).some((d) => d.delivery_id === dead.delivery_id));
  } finally {
    await context.close();
  }
});

for (const who of ['admin', 'auditor']) {
  test(`keyboard (${who}): Tab reaches the skip link first, then the navigation; the skip link moves focus to the content`, async () => {
    const { context, page } = await openConsole(browser, deployment, who, '#/flows');
    try {
      await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
      // The heading is drawn before the page's data arrives; the router focuses <main> only
      // once the page has finished rendering. Probing before that loses the probe's focus to
      // the router (CI saw Tab start from <main>), so wait for the router first.
      await waitFor('the router to focus <main>', async () =>
        page.evaluate(() => document.activeElement?.id === 'main'), { timeoutMs: 10000 });
      // From the top of the document, as a keyboard user arrives (the router has focused
      // <main>): a probe before everything else takes the focus, Tab leaves it, it goes.
      await page.evaluate(() => {
        const probe = document.createElement('button');
        probe.id = 'e2e-probe';
        document.body.prepend(probe);
        probe.focus();
      });
      await page.keyboard.press('Tab');
      await page.evaluate(() => document.getElementById('e2e-probe').remove());
      const focused = () => page.evaluate(() => ({
        text: document.activeElement?.textContent?.trim(),
        tag: document.activeElement?.tagName,
        inNav: Boolean(document.activeElement?.closest('nav')),
        id: document.activeElement?.id,
      }));
      assert.deepEqual(await focused(), { text: 'Skip to content', tag: 'A', inNav: false, id: '' });
      // The skip link is visible once focused (WCAG 2.4.7).
      assert.ok(await page.getByRole('link', { name: 'Skip to content' }).isVisible());

      await page.keyboard.press('Tab');
      const inNav = await focused();
      assert.equal(inNav.inNav, true, JSON.stringify(inNav));
      assert.equal(inNav.tag, 'A');

      // Back to the skip link, activate it: focus lands on the main content.
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await waitFor('focus on the main content', async () => (await focused()).id === 'main', { timeoutMs: 5000 });
      // ...without leaving the page (the skip link must not be taken for a route).
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Flows');
    } finally {
      await context.close();
    }
  });
}

// The check above can fail: an image without a text alternative planted in a real page is
// reported (axe runs, with the wcag2a rules, on the page the tests look at).
test('axe reports a violation planted in the page', async () => {
  const { context, page } = await openConsole(browser, deployment, 'admin', '#/agreements');
  try {
    await page.getByRole('heading', { level: 1, name: 'Agreements' }).waitFor();
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
      document.getElementById('main').append(img);
    });
    const violations = await axeViolations(page);
    assert.deepEqual(violations.map((v) => v.id), ['image-alt']);
  } finally {
    await context.close();
  }
});
