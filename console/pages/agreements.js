// Agreements: the set in force with its governance (GET /v1/admin/agreements), one version's
// text and signatures (#/agreements/<id>@<version>), what changes between two versions
// (#/agreements/diff?from=&to=) and a dry run of proposed files on recent traffic.
import { getJson, postJson } from '../api.js';
import { el, errorBox, loading, show, table } from '../ui.js';
import { diffLines } from '../vendor/diff-9.0.0/diff/line.js';
import { count, facts, formatTime, heading } from './page-kit.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Expiry and review warnings start this long before the date (as `accord agreements list`).
export const NOTICE_MS = 30 * DAY_MS;
// Unchanged lines shown around each change of a text diff; longer runs are folded.
const CONTEXT_LINES = 3;

const label = (a) => `${a.id}@${a.version}`;
const dateOf = (value) => (value ? String(value).slice(0, 10) : '—');
const daysUntil = (ms, now) => Math.ceil((ms - now) / DAY_MS);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// The warnings of one agreement at `now` (ms), in words (docs/console.md, "Agreements").
export function warnings(a, now) {
  const out = [];
  const until = Date.parse(a.valid_until);
  if (a.status === 'active' && !Number.isNaN(until)) {
    if (now >= until) out.push(`Expired ${dateOf(a.valid_until)}: no longer grants`);
    else if (until - now <= NOTICE_MS) out.push(`Expires in ${plural(daysUntil(until, now), 'day')}`);
  }
  const review = Date.parse(a.review_by);
  if (a.review_due || (!Number.isNaN(review) && now >= review)) out.push(`Review overdue (was due ${dateOf(a.review_by)})`);
  else if (!Number.isNaN(review) && review - now <= NOTICE_MS) out.push(`Review due in ${plural(daysUntil(review, now), 'day')}`);
  return out;
}

function governanceText(a) {
  if (!a.governance) return a.status;
  return a.held_reason ? `${a.governance}: ${a.held_reason}` : a.governance;
}

// "/v1/admin/agreements/id@3": the route reads the @ literally.
const versionPath = (agreement) => `/v1/admin/agreements/${encodeURIComponent(agreement).replace('%40', '@')}`;
const versionLink = (agreement) => el('a', { href: `#/agreements/${agreement}` }, agreement);

// ---- the list -------------------------------------------------------------------------------

function listTable(list, now) {
  const sorted = [...list].sort((x, y) => x.id.localeCompare(y.id) || x.version - y.version);
  return table('Agreements', [
    { label: 'Agreement', value: (a) => versionLink(label(a)) },
    { label: 'Title', value: (a) => a.title || '—' },
    { label: 'Parties', value: (a) => `${a.provider} → ${(a.recipients ?? []).join(', ')}` },
    { label: 'Status', value: (a) => (a.mode === 'shadow' ? `${a.status} (shadow)` : a.status) },
    { label: 'Governance', value: governanceText },
    { label: 'Valid until', value: (a) => dateOf(a.valid_until) },
    { label: 'Review by', value: (a) => dateOf(a.review_by) },
    {
      label: 'Warnings',
      value: (a) => {
        const w = warnings(a, now);
        return w.length ? el('span', { class: 'warning' }, el('strong', {}, 'Warning: '), w.join('; ')) : 'none';
      },
    },
  ], sorted);
}

function compareForm(list, ctx) {
  const labels = list.map(label).sort();
  const select = (id, chosen) => el('select', { id, name: id },
    labels.map((l) => el('option', { value: l, selected: l === chosen }, l)));
  // Default: the two newest versions of the first agreement that has two.
  const byId = new Map();
  for (const a of [...list].sort((x, y) => x.version - y.version)) byId.set(a.id, [...(byId.get(a.id) ?? []), label(a)]);
  const pair = [...byId.values()].find((v) => v.length > 1)?.slice(-2) ?? [labels[0], labels[0]];
  const from = select('cmp-from', pair[0]);
  const to = select('cmp-to', pair[1]);
  return el('form', {
    class: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      ctx.navigate(`#/agreements/diff?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`);
    },
  },
  el('div', { class: 'field' }, el('label', { for: 'cmp-from' }, 'From version'), from),
  el('div', { class: 'field' }, el('label', { for: 'cmp-to' }, 'To version'), to),
  el('div', { class: 'form-actions' }, el('button', { type: 'submit' }, 'Compare')));
}

async function renderList(root, ctx) {
  const data = await getJson('/v1/admin/agreements');
  const list = data.agreements ?? [];
  const now = Date.now();
  const flagged = list.filter((a) => warnings(a, now).length).length;
  show(root,
    heading('Agreements', 'The agreement set in force: parties, governance, validity and review dates.'),
    facts([['Set hash', el('code', {}, data.hash ?? '—')], ['Loaded', formatTime(data.loaded_at)], ['Versions', count(list.length)],
      ['With warnings', count(flagged)]]),
    listTable(list, now),
    el('h2', {}, 'Compare two versions'),
    list.length ? compareForm(list, ctx) : el('p', {}, 'No agreement is loaded.'),
    dryRunSection(list));
}

// ---- one version ----------------------------------------------------------------------------

function signaturesTable(caption, rows) {
  return table(caption, [
    { label: 'Agency', value: (s) => s.agency },
    { label: 'Signer', value: (s) => s.signer || '—' },
    { label: 'Key id', value: (s) => el('code', {}, s.kid) },
    { label: 'Signed at', value: (s) => formatTime(s.signed_at) },
    { label: 'Source', value: (s) => s.source || '—' },
  ], rows);
}

async function renderVersion(root, ctx, wanted) {
  const [detail, set] = await Promise.all([
    getJson(versionPath(wanted)),
    getJson('/v1/admin/agreements'),
  ]);
  const now = Date.now();
  const listed = (set.agreements ?? []).find((a) => label(a) === detail.agreement) ?? {};
  const merged = { ...listed, ...detail };
  const others = (set.agreements ?? []).filter((a) => a.id === listed.id && label(a) !== detail.agreement)
    .sort((x, y) => x.version - y.version);
  const suspended = listed.suspended_by ?? [];
  const w = warnings(merged, now);
  show(root,
    heading('Agreements'),
    el('p', {}, el('a', { href: '#/agreements' }, 'All agreements')),
    el('h2', {}, detail.agreement, listed.title ? ` — ${listed.title}` : ''),
    facts([
      ['Parties', listed.provider ? `${listed.provider} → ${(listed.recipients ?? []).join(', ')}` : '—'],
      ['File', el('code', {}, detail.file)],
      ['SHA-256', el('code', { class: 'hash' }, detail.sha256)],
      ['Governance', governanceText({ ...merged, governance: detail.governance })],
      ['Valid from', dateOf(detail.valid_from)],
      ['Valid until', dateOf(detail.valid_until)],
      ['Review by', dateOf(detail.review_by)],
      ['Warnings', w.length ? el('span', { class: 'warning' }, w.join('; ')) : 'none'],
    ]),
    el('h3', {}, 'Signatures'),
    (detail.signed_by ?? []).length ? signaturesTable('Parties who signed', detail.signed_by) : el('p', {}, 'No party has signed this version.'),
    el('p', {}, (detail.missing ?? []).length
      ? `Awaiting signatures from: ${detail.missing.join(', ')}.`
      : 'Every party has signed this version.'),
    suspended.length
      ? [el('h3', {}, 'Suspension'), el('p', { class: 'warning' }, 'Suspended: this version never grants again.'),
        signaturesTable('Suspended by', suspended)]
      : null,
    others.length
      ? [el('h3', {}, 'Other versions'), el('ul', {}, others.map((o) => el('li', {},
        versionLink(label(o)), ' — ',
        el('a', { href: `#/agreements/diff?from=${encodeURIComponent(o.version < listed.version ? label(o) : detail.agreement)}&to=${encodeURIComponent(o.version < listed.version ? detail.agreement : label(o))}` },
          `Compare ${o.version < listed.version ? label(o) : detail.agreement} with ${o.version < listed.version ? detail.agreement : label(o)}`))))]
      : null,
    el('h3', {}, 'Text'),
    el('pre', { class: 'agreement-text', tabindex: '0', role: 'region', 'aria-label': `Text of ${detail.agreement}` }, el('code', {}, detail.text ?? '')));
}

// ---- diff -----------------------------------------------------------------------------------

// Splits jsdiff's parts into lines, marking each '+', '-' or ' '.
export function diffRows(fromText, toText) {
  const rows = [];
  for (const part of diffLines(fromText ?? '', toText ?? '')) {
    const mark = part.added ? '+' : part.removed ? '-' : ' ';
    const lines = part.value.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) rows.push({ mark, line });
  }
  return rows;
}

// Folds runs of unchanged lines longer than twice the context into one "… n unchanged lines".
export function foldUnchanged(rows, context = CONTEXT_LINES) {
  const out = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i].mark !== ' ') { out.push(rows[i]); i += 1; continue; }
    let j = i;
    while (j < rows.length && rows[j].mark === ' ') j += 1;
    const run = rows.slice(i, j);
    const keepHead = i === 0 ? 0 : context;
    const keepTail = j === rows.length ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead), { mark: '…', line: `${run.length - keepHead - keepTail} unchanged lines` }, ...run.slice(run.length - keepTail));
    } else {
      out.push(...run);
    }
    i = j;
  }
  return out;
}

function textDiff(fromText, toText, fromLabel, toLabel) {
  const rows = foldUnchanged(diffRows(fromText, toText));
  if (!rows.some((r) => r.mark === '+' || r.mark === '-')) return el('p', {}, 'The two texts are identical.');
  const lines = rows.map(({ mark, line }) => {
    if (mark === '+') return el('ins', { class: 'diff-line' }, `+ ${line}`);
    if (mark === '-') return el('del', { class: 'diff-line' }, `- ${line}`);
    if (mark === '…') return el('span', { class: 'diff-line diff-fold' }, `… ${line}`);
    return el('span', { class: 'diff-line' }, `  ${line}`);
  });
  return [
    el('p', { class: 'muted' }, `Lines starting "-" are only in ${fromLabel}; lines starting "+" are only in ${toLabel}.`),
    el('pre', { class: 'text-diff', tabindex: '0', role: 'region', 'aria-label': `Text changes from ${fromLabel} to ${toLabel}` }, lines),
  ];
}

// An exposure row of policy exposure_diff (docs/api.yaml): {change, provider, recipient, event,
// field ("" for a whole route, "(conditions)"), before, after, whole_route}.
const KIND_WORDS = { gained: 'Gained', lost: 'Lost', changed: 'Changed' };

function exposureTable(rows) {
  return table('Exposure changes', [
    { label: 'Change', value: (r) => KIND_WORDS[r.change] ?? r.change },
    { label: 'From agency', value: (r) => r.provider },
    { label: 'To agency', value: (r) => r.recipient },
    { label: 'Event', value: (r) => r.event },
    { label: 'Field', value: (r) => (r.field ? el('code', {}, r.field) : 'the whole route') },
    { label: 'Before', value: (r) => r.before || '—' },
    { label: 'After', value: (r) => r.after || '—' },
  ], rows);
}

async function renderDiff(root, ctx) {
  const from = ctx.params.get('from') ?? '';
  const to = ctx.params.get('to') ?? '';
  const data = await getJson('/v1/admin/agreements/diff', { from, to });
  const exposure = data.exposure ?? [];
  show(root,
    heading('Agreements'),
    el('p', {}, el('a', { href: '#/agreements' }, 'All agreements')),
    el('h2', {}, `Changes from ${data.from ?? from} to ${data.to ?? to}`),
    el('h3', {}, 'Exposure'),
    el('p', {}, exposure.length
      ? 'Who newly receives, or no longer receives, which events and fields (enforce-mode flows only).'
      : 'No change of exposure: every agency receives the same events and fields in the same form.'),
    exposure.length ? exposureTable(exposure) : null,
    el('h3', {}, 'Text'),
    textDiff(data.from_text, data.to_text, data.from ?? from, data.to ?? to));
}

// ---- dry run --------------------------------------------------------------------------------

const CHANGE_WORDS = {
  route_gained: 'route gained',
  route_lost: 'route lost',
  field_gained: 'field gained',
  field_lost: 'field lost',
  form_changed: 'form changed',
};

export function dryRunResult(result) {
  const changes = result.changes ?? [];
  const facts_ = Object.entries(result.undecidable_facts ?? {});
  return [
    el('h3', {}, 'Dry run result'),
    facts([
      ['Submissions considered', count(result.submissions)],
      ['With a change', count(result.changed)],
      ['Undecidable', count(result.undecidable)],
    ]),
    changes.length
      ? table('Dry run changes', [
        { label: 'Recipient', value: (c) => c.recipient },
        { label: 'Sender', value: (c) => c.sender },
        { label: 'Event', value: (c) => c.event_type },
        { label: 'Change', value: (c) => CHANGE_WORDS[c.change] ?? c.change },
        { label: 'Field', value: (c) => (c.path ? el('code', {}, c.path) : '—') },
        { label: 'Now', value: (c) => c.from || '—' },
        { label: 'Proposed', value: (c) => c.to || '—' },
        { label: 'Messages', class: 'num', value: (c) => count(c.messages) },
      ], changes)
      : el('p', {}, 'No exposure change: the proposed set would have made the same copies.'),
    facts_.length
      ? table('Facts the log did not hold', [
        { label: 'Fact', value: ([fact]) => el('code', {}, fact) },
        { label: 'Submissions', class: 'num', value: ([, n]) => count(n) },
      ], facts_)
      : null,
  ];
}

// The files in force, as {file, text}, from each version's text (the detail endpoint).
async function filesInForce(list) {
  const files = new Map();
  for (const a of list) {
    const detail = await getJson(versionPath(label(a)));
    if (!files.has(detail.file)) files.set(detail.file, detail.text);
  }
  return files;
}

function dryRunSection(list) {
  const files = el('input', { id: 'dr-files', name: 'files', type: 'file', multiple: true, accept: '.yaml,.yml', required: true, 'aria-describedby': 'dr-files-hint' });
  const keep = el('input', { id: 'dr-keep', name: 'keep', type: 'checkbox', checked: true });
  const since = el('input', { id: 'dr-since', name: 'since', type: 'text', value: '30d', 'aria-describedby': 'dr-since-hint', spellcheck: 'false' });
  const at = el('input', { id: 'dr-at', name: 'at', type: 'text', placeholder: 'now', 'aria-describedby': 'dr-at-hint', spellcheck: 'false' });
  const result = el('div', { class: 'dry-run-result', tabindex: '-1' });
  const run = async (e) => {
    e.preventDefault();
    show(result, loading('Running the dry run'));
    try {
      const chosen = new Map();
      for (const file of files.files) chosen.set(file.name, await file.text());
      const set = keep.checked ? await filesInForce(list) : new Map();
      for (const [name, text] of chosen) set.set(name, text);
      const body = { agreements: [...set].map(([file, text]) => ({ file, text })), since: since.value.trim() || '30d' };
      if (at.value.trim()) body.at = at.value.trim();
      show(result, dryRunResult(await postJson('/v1/admin/agreements/dry-run', body)));
    } catch (error) {
      const diagnostics = error.body?.diagnostics ?? [];
      show(result, errorBox(error),
        diagnostics.length ? el('ul', { class: 'diagnostics', 'aria-label': 'Diagnostics' }, diagnostics.map((d) => el('li', {}, el('code', {}, d)))) : null);
    }
    result.focus();
  };
  return el('section', { 'aria-labelledby': 'dry-run-title' },
    el('h2', { id: 'dry-run-title' }, 'Dry run'),
    el('p', {}, 'What would proposed agreement files have shared differently on recent traffic? The files are read in this browser and sent to the gateway, which decides the window\'s submissions again under them. Nothing is loaded, stored or sent to an agency; the read is audited.'),
    el('form', { class: 'stacked', onsubmit: run },
      el('div', { class: 'field' }, el('label', { for: 'dr-files' }, 'Proposed agreement files'), files,
        el('span', { class: 'hint', id: 'dr-files-hint' }, 'One or more YAML files.')),
      el('div', { class: 'field checkbox' }, keep, el('label', { for: 'dr-keep' }, 'Keep the files in force that these do not replace (same file name)')),
      el('div', { class: 'field' }, el('label', { for: 'dr-since' }, 'Since'), since,
        el('span', { class: 'hint', id: 'dr-since-hint' }, 'The window: 30d, 12h, a date or an RFC 3339 time.')),
      el('div', { class: 'field' }, el('label', { for: 'dr-at' }, 'Decide as at'), at,
        el('span', { class: 'hint', id: 'dr-at-hint' }, 'A date or RFC 3339 time; empty for now.')),
      el('button', { type: 'submit' }, 'Run dry run')),
    result);
}

export async function render(root, ctx) {
  const [first] = ctx.segments;
  if (first === undefined) return renderList(root, ctx);
  if (first === 'diff') return renderDiff(root, ctx);
  return renderVersion(root, ctx, first);
}
