// Who may open the console and what each role is refused (docs/console.md, "Opening the
// console" and "What each role sees"): an agency certificate gets 403 on every console and
// admin path; the pages a role may not use are not in its navigation, and opening one anyway
// shows the gateway's refusal, because the API decides, never the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  certFiles, consoleContext, launchBrowser, openConsole, seedJourney, startDeployment,
} from './harness.mjs';

let deployment;
let browser;

before(async () => {
  deployment = await startDeployment();
  await seedJourney(deployment);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await deployment?.stop();
});

const nav = (page) => page.getByRole('navigation', { name: 'Console sections' });

test('an agency certificate gets 403 on the console and on the admin API', async () => {
  for (const urlPath of ['/', '/console/', '/console/app.js', '/console/index.html',
    '/v1/admin/whoami', '/v1/admin/flows', '/v1/admin/deliveries', '/v1/admin/dlq',
    '/v1/admin/audit/records?case_urn=01MP0041726']) {
    const r = await deployment.admin('police.met', 'GET', urlPath);
    assert.equal(r.status, 403, `${urlPath}: ${r.status} ${r.text}`);
    assert.equal(r.json().error.code, 'forbidden', `${urlPath}: ${r.text}`);
  }
  const r = await deployment.admin('police.met', 'POST', '/v1/admin/dlq/retry', {});
  assert.equal(r.status, 403, r.text);

  // The same in the browser: the page the agency's certificate opens is the refusal, no console.
  const { certPath, keyPath } = certFiles(deployment, 'police.met');
  const context = await browser.newContext({
    clientCertificates: [{ origin: deployment.adminOrigin, certPath, keyPath }],
    ignoreHTTPSErrors: true,
  });
  try {
    const page = await context.newPage();
    const response = await page.goto(deployment.consoleUrl);
    assert.equal(response.status(), 403);
    assert.equal(await page.getByRole('navigation').count(), 0);
    assert.match(await page.content(), /forbidden/);
  } finally {
    await context.close();
  }
});

test('the admin listener root sends a browser to the console', async () => {
  const r = await deployment.admin('auditor', 'GET', '/');
  assert.equal(r.status, 302, r.text);
  assert.equal(r.headers.location, '/console/');
  const context = await consoleContext(browser, deployment, 'auditor');
  try {
    const page = await context.newPage();
    await page.goto(deployment.adminOrigin + '/');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/');
  } finally {
    await context.close();
  }
});

test('an auditor cannot redrive: no Dead letters in the nav, the page shows the 403, the API refuses', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'auditor');
  try {
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await assert.doesNotReject(nav(page).getByRole('link', { name: 'Audit log' }).waitFor());
    assert.equal(await nav(page).getByRole('link', { name: 'Dead letters' }).count(), 0);
    assert.match(await page.locator('#identity').textContent(), /auditor/);

    await page.goto(`${deployment.consoleUrl}#/dead-letters`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /forbidden/);
    assert.equal(await page.getByRole('button', { name: /^Redrive/ }).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
  const r = await deployment.admin('auditor', 'POST', '/v1/admin/dlq/retry', {});
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json().error.code, 'forbidden');
});

test('an admin does not see the audit pages: the nav leaves them out, the page shows the 403', async () => {
  const { context, page, errors } = await openConsole(browser, deployment, 'admin');
  try {
    await nav(page).getByRole('link', { name: 'Dead letters' }).waitFor();
    for (const hidden of ['Audit log', 'Subject access']) {
      assert.equal(await nav(page).getByRole('link', { name: hidden }).count(), 0, hidden);
    }
    await page.goto(`${deployment.consoleUrl}#/audit`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /forbidden/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
