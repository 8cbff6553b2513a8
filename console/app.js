// The console's shell: who is signed in (GET /v1/admin/whoami), the navigation, the hash
// router and the confirmation dialog every action goes through. Each page is a module in
// pages/ loaded when first visited (docs/console.md, "How the console is built").
import { getJson } from './api.js';
import { el, errorBox, loading, show } from './ui.js';

// id: the first segment of the route (#/audit/...); roles: who the gateway lets read it.
export const PAGES = [
  { id: 'audit', title: 'Audit log', roles: ['auditor'] },
  { id: 'subject', title: 'Subject access', roles: ['auditor'] },
  { id: 'flows', title: 'Flows', roles: ['admin', 'auditor'] },
  { id: 'agreements', title: 'Agreements', roles: ['admin', 'auditor'] },
  { id: 'deliveries', title: 'Deliveries', roles: ['admin', 'auditor'] },
  { id: 'dead-letters', title: 'Dead letters', roles: ['admin'] },
  { id: 'compliance', title: "Victims' Code", roles: ['auditor'] },
];

const main = () => document.getElementById('main');

export function announce(message) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  requestAnimationFrame(() => { announcer.textContent = message; });
}

// A modal confirmation (native <dialog>: focus is trapped and Escape cancels). Resolves true
// only on the confirm button.
export function confirmAction(question, { confirmLabel = 'Confirm', detail = '' } = {}) {
  return new Promise((resolve) => {
    const heading = el('h2', { id: 'confirm-title' }, question);
    const yes = el('button', { type: 'button', class: 'danger' }, confirmLabel);
    const no = el('button', { type: 'button' }, 'Cancel');
    const dialog = el('dialog', { 'aria-labelledby': 'confirm-title', class: 'confirm' },
      heading, detail ? el('p', {}, detail) : null, el('div', { class: 'actions' }, no, yes));
    const finish = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    yes.addEventListener('click', () => finish(true));
    no.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// "#/audit/record/12?case_urn=X" -> {segments: ['audit', 'record', '12'], params}
export function parseRoute(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

export function navigate(hash) {
  if (window.location.hash === hash) route(); else window.location.hash = hash;
}

let whoami = null;

function renderNav(active) {
  const items = PAGES.filter((p) => p.roles.includes(whoami.role)).map((p) =>
    el('li', {}, el('a', { href: `#/${p.id}`, 'aria-current': p.id === active ? 'page' : null }, p.title)));
  show(document.getElementById('nav'), items);
}

// Counts routes: a page still rendering when the user moves on draws into a container that is
// no longer in the document, so a slow answer never overwrites the page now shown.
let routeCount = 0;

async function route() {
  const { segments, params } = parseRoute(window.location.hash);
  const allowed = PAGES.filter((p) => p.roles.includes(whoami.role));
  // A page of the other role opened by its address (a bookmark, a shared link) is rendered all
  // the same: its API calls answer 403 and the page shows that refusal. The API decides what a
  // certificate may see, never the page; the navigation only leaves such pages out.
  const page = PAGES.find((p) => p.id === segments[0]) ?? allowed[0];
  renderNav(page?.id);
  const count = ++routeCount;
  const root = el('div', { class: 'page' });
  show(main(), root);
  window.scrollTo(0, 0);
  if (!page) {
    document.title = 'Accord console';
    show(root, el('h1', {}, 'Accord console'), el('p', { class: 'error', role: 'alert' }, 'This certificate may not use any page.'));
    main().focus({ preventScroll: true });
    return;
  }
  document.title = `${page.title} · Accord console`;
  show(root, loading());
  try {
    const module = await import(`./pages/${page.id}.js`);
    await module.render(root, { segments: segments.slice(1), params, whoami, navigate, confirmAction, announce });
  } catch (error) {
    if (count === routeCount) show(root, el('h1', {}, page.title), errorBox(error));
  }
  if (count === routeCount) main().focus({ preventScroll: true });
}

// The skip link's target is an element id, not a route: focus it without touching the hash.
function wireSkipLink() {
  const skip = document.querySelector('.skip-link');
  skip?.addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
}

async function start() {
  wireSkipLink();
  try {
    whoami = await getJson('/v1/admin/whoami');
  } catch (error) {
    show(main(), el('h1', {}, 'Accord console'), errorBox(error));
    return;
  }
  document.getElementById('identity').textContent = `${whoami.id} (${whoami.role})`;
  window.addEventListener('hashchange', route);
  await route();
}

start();
