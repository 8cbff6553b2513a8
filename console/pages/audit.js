// The audit log (auditor certificates; docs/console.md, "Audit log"): a search whose filters
// live in the URL (a search is a link), results page by page, one record's detail at
// #/audit/record/<seq>, and the chain status: the head, the latest signed checkpoint and the
// gateway's own verification of the stored chain. Every read here is itself recorded in the
// log as audit.read, naming this certificate.
import { getJson, getNdjson } from '../api.js';
import {
  badge, definitionList, el, errorBox, field, hashLink, loading, pager, show, table, timeEl,
  formatLocal, formatUtc,
} from '../ui.js';

const TITLE = 'Audit log';
const PAGE_SIZE = 50;

// The filters of GET /v1/admin/audit/records this form offers (docs/api.yaml), in form order.
const FILTERS = [
  { name: 'case_urn', label: 'Case URN' },
  { name: 'subject_ref', label: 'Subject reference' },
  { name: 'agency', label: 'Agency', hint: 'Sender or recipient, e.g. police.met' },
  { name: 'agreement', label: 'Agreement', hint: 'id@version, or id for every version' },
  { name: 'kind', label: 'Event type', hint: 'A record kind, or a prefix ending in "." (delivery.)', list: 'audit-kinds' },
  {
    name: 'decision',
    label: 'Decision',
    options: [{ value: '', label: 'Any' }, { value: 'accepted', label: 'Accepted' }, { value: 'refused', label: 'Refused' }],
  },
  { name: 'from', label: 'From', hint: 'At or after: YYYY-MM-DD or RFC 3339 (UTC unless an offset is given)' },
  { name: 'to', label: 'To', hint: 'Before: the same forms' },
];

// Suggestions for "Event type" (docs/audit-format.md §1); any kind or prefix may be typed.
const KINDS = [
  'decision.', 'decision.inputs', 'decision.accepted', 'decision.refused', 'decision.shadow',
  'compliance.facts', 'compliance.notified', 'delivery.', 'delivery.leased', 'delivery.redelivered',
  'delivery.acked', 'delivery.retry_scheduled', 'delivery.dead_lettered', 'delivery.expired',
  'delivery.redriven', 'delivery.returned', 'retention.purged', 'agreement.', 'admin.',
  'admin.action', 'admin.gateway_started', 'admin.agreements_loaded', 'audit.read',
];

// The paging of the last search, so coming back from a record's detail returns to the same
// page: {key, stack: [after_seq of each earlier page], after: after_seq of the page shown}.
let lastPaging = null;
// The last verification answer of this browser tab (it reads the whole log: not re-run on
// every search; "Verify again" re-runs it).
let lastVerification = null;
// Counts searches started, so that only the newest one draws its answer: the search a page
// opens with can answer after one the user started meanwhile, and must not replace it.
let searchGeneration = 0;

export async function render(root, ctx) {
  if (ctx.segments[0] === 'record') return renderRecord(root, ctx);
  return renderSearch(root, ctx);
}

function filtersOf(params) {
  const filters = {};
  for (const f of FILTERS) {
    const value = params.get(f.name);
    if (value) filters[f.name] = value;
  }
  return filters;
}

// ---- search --------------------------------------------------------------------------------

async function renderSearch(root, ctx) {
  const filters = filtersOf(ctx.params);
  const fields = FILTERS.map((f) => field(f.label, { name: f.name, value: filters[f.name] ?? '', hint: f.hint, options: f.options }));
  for (const [i, f] of FILTERS.entries()) if (f.list) fields[i].control.setAttribute('list', f.list);
  const form = el('form', { class: 'search', role: 'search', 'aria-label': 'Search the audit log' },
    fields,
    el('datalist', { id: 'audit-kinds' }, KINDS.map((k) => el('option', { value: k }))),
    el('div', { class: 'form-actions' },
      el('button', { type: 'submit' }, 'Search'),
      el('a', { href: '#/audit', class: 'button secondary' }, 'Clear')));
  const results = el('section', { 'aria-labelledby': 'results-title' });
  const chain = el('section', { class: 'panel', 'aria-labelledby': 'chain-title' });

  show(root,
    el('h1', {}, TITLE),
    el('p', {}, 'Every record the gateway wrote: decisions, deliveries, agreement changes and administrative actions. ',
      'Records carry names, ids, hashes and field actions, never a field\u2019s value. ',
      'Each search you make is itself recorded in the log with your certificate.'),
    form, results, chain);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = {};
    for (const f of FILTERS) {
      const value = form.elements[f.name].value.trim();
      if (value) wanted[f.name] = value;
    }
    // The URL is the search: bookmarkable, shareable, and Back returns to the previous one.
    const hash = hashLink('audit', wanted);
    if (window.location.hash !== hash) window.history.pushState(null, '', hash);
    lastPaging = null;
    runSearch(results, wanted, ctx, { stack: [], after: 0 });
  });

  const key = JSON.stringify(filters);
  const paging = lastPaging?.key === key ? lastPaging : { stack: [], after: 0 };
  const refused = await runSearch(results, filters, ctx, paging);
  if (refused?.status === 403) {
    // Not an auditor's certificate: the gateway's refusal is the page (one alert, no form).
    show(root, el('h1', {}, TITLE), errorBox(refused));
    return;
  }
  await renderChainStatus(chain, ctx);
}

function describe(filters) {
  const parts = FILTERS.filter((f) => filters[f.name]).map((f) => `${f.label}: ${filters[f.name]}`);
  return parts.length === 0 ? 'All records' : parts.join('; ');
}

async function runSearch(section, filters, ctx, { stack, after }) {
  const generation = ++searchGeneration;
  const heading = el('h2', { id: 'results-title' }, 'Results');
  show(section, heading, loading('Searching'));
  let page;
  try {
    page = await getNdjson('/v1/admin/audit/records', { ...filters, after_seq: after || undefined, limit: PAGE_SIZE });
  } catch (error) {
    if (generation !== searchGeneration) return undefined;  // a newer search owns the results
    show(section, heading, errorBox(error));
    ctx.announce(`Search failed: ${error.code}`);
    return error;
  }
  if (generation !== searchGeneration) return undefined;  // a newer search owns the results
  lastPaging = { key: JSON.stringify(filters), stack, after };
  const first = stack.length * PAGE_SIZE + 1;
  const position = page.items.length === 0
    ? 'No records match.'
    : `Records ${first}\u2013${first + page.items.length - 1}${page.next ? '' : ' (last page)'}`;
  const go = (paging) => runSearch(section, filters, ctx, paging).then(() => {
    section.querySelector('h2')?.focus();
  });
  show(section,
    heading,
    el('p', { class: 'muted' }, describe(filters)),
    recordsTable(page.items),
    pager({
      hasPrevious: stack.length > 0,
      hasNext: Boolean(page.next),
      onPrevious: () => go({ stack: stack.slice(0, -1), after: stack[stack.length - 1] }),
      onNext: () => go({ stack: [...stack, after], after: Number(page.next) }),
      position,
      label: 'Result pages',
    }));
  heading.setAttribute('tabindex', '-1');
  ctx.announce(page.items.length === 0 ? 'No records match.' : `${position}.`);
}

function kindBadge(kind) {
  if (kind === 'decision.accepted') return badge(kind, 'ok');
  if (kind === 'decision.refused' || kind === 'delivery.dead_lettered' || kind === 'delivery.expired') {
    return badge(kind, 'bad');
  }
  return kind;
}

function recordsTable(records) {
  return table('Audit records', [
    {
      label: 'Record',
      value: (r) => el('a', { href: `#/audit/record/${r.seq}`, 'aria-label': `Record ${r.seq}` }, String(r.seq)),
      class: 'num',
    },
    { label: 'Time (UTC)', value: (r) => el('time', { datetime: r.at, title: `local ${formatLocal(r.at)}` }, formatUtc(r.at)), class: 'nowrap' },
    { label: 'Kind', value: (r) => kindBadge(r.kind) },
    { label: 'Sender', value: (r) => r.sender ?? '' },
    { label: 'Recipient', value: (r) => r.recipient ?? '' },
    { label: 'Agreement', value: (r) => r.agreement ?? '' },
    { label: 'Event', value: (r) => r.event_type ?? '' },
    { label: 'Case URN', value: (r) => r.case_urn ?? '' },
    { label: 'Code', value: (r) => r.code ?? '' },
  ], records, { empty: 'No records match these filters.' });
}

// ---- one record ----------------------------------------------------------------------------

async function renderRecord(root, ctx) {
  const seq = Number(ctx.segments[1]);
  if (!Number.isSafeInteger(seq) || seq < 1) {
    show(root, el('h1', {}, TITLE), el('p', { class: 'error', role: 'alert' },
      `"${ctx.segments[1] ?? ''}" is not a record number: records are numbered from 1.`),
    el('p', {}, el('a', { href: '#/audit' }, 'Search the audit log')));
    return;
  }
  show(root, el('h1', {}, TITLE), loading(`Reading record ${seq}`));
  let record;
  try {
    const page = await getNdjson('/v1/admin/audit/records', { after_seq: seq - 1, limit: 1 });
    record = page.items.find((r) => r.seq === seq);
  } catch (error) {
    show(root, el('h1', {}, TITLE), errorBox(error));
    return;
  }
  const back = el('p', { class: 'no-print' }, el('a', { href: backToSearch() }, 'Back to the search'));
  if (!record) {
    show(root, el('h1', {}, TITLE), back,
      el('p', { class: 'notice', role: 'status' }, `There is no record ${seq}: the log ends before it.`));
    return;
  }
  show(root, el('h1', {}, TITLE), back, recordDetail(record),
    el('nav', { class: 'pager no-print', 'aria-label': 'Neighbouring records' },
      seq > 1 ? el('a', { href: `#/audit/record/${seq - 1}`, class: 'button secondary' }, 'Previous record') : null,
      el('a', { href: `#/audit/record/${seq + 1}`, class: 'button secondary' }, 'Next record')));
}

function backToSearch() {
  if (!lastPaging) return '#/audit';
  return hashLink('audit', JSON.parse(lastPaging.key));
}

function recordDetail(r) {
  const related = [];
  if (r.case_urn) related.push(el('li', {}, el('a', { href: hashLink('audit', { case_urn: r.case_urn }) }, 'Every record of this case')));
  if (r.subject_ref) {
    related.push(el('li', {}, el('a', { href: hashLink('audit', { subject_ref: r.subject_ref }) }, 'Every record of this subject')));
    related.push(el('li', {}, el('a', { href: hashLink('subject', { ref: r.subject_ref }) }, 'Subject access report')));
  }
  if (r.message_id && r.sender) {
    related.push(el('li', {}, el('a', { href: hashLink('audit', { agency: r.sender, case_urn: r.case_urn }) },
      `Every record of ${r.sender} on this case`)));
  }
  const details = Object.entries(r.details ?? {});
  return el('article', { 'aria-labelledby': 'record-title' },
    el('h2', { id: 'record-title' }, `Record ${r.seq}: ${r.kind}`),
    definitionList([
      ['Record', String(r.seq)],
      ['Time', timeEl(r.at)],
      ['Kind', kindBadge(r.kind)],
      ['Message id', r.message_id],
      ['Sender', r.sender],
      ['Recipient', r.recipient],
      ['Agreement', r.agreement],
      ['Event type', r.event_type],
      ['Case URN', r.case_urn],
      ['Subject role', r.subject_role],
      ['Subject reference', r.subject_ref],
      ['Delivery id', r.delivery_id === undefined ? undefined : String(r.delivery_id)],
      ['Attempt', r.attempt === undefined ? undefined : String(r.attempt)],
      ['Code', r.code],
      ['Reason', r.reason],
      ['Content hash', r.content_hash ? el('code', {}, r.content_hash) : undefined],
      ['Copy hash', r.copy_hash ? el('code', {}, r.copy_hash) : undefined],
    ], { label: `Members of record ${r.seq}` }),
    Array.isArray(r.fields) && r.fields.length > 0
      ? table('Field actions', [
        { label: 'Field', value: (f) => el('code', {}, f[0]) },
        { label: 'Action', value: (f) => f[1] },
      ], r.fields)
      : null,
    details.length > 0
      ? table('Details', [
        { label: 'Name', value: ([k]) => el('code', {}, k) },
        { label: 'Value', value: ([, v]) => (String(v).includes('\n') ? el('pre', { class: 'mono' }, String(v)) : String(v)) },
      ], details)
      : null,
    related.length > 0 ? el('nav', { 'aria-label': 'Related records', class: 'no-print' }, el('h3', {}, 'Related'), el('ul', {}, related)) : null,
    el('details', { class: 'no-print' }, el('summary', {}, 'The record as stored'),
      el('pre', { class: 'mono' }, JSON.stringify(r))));
}

// ---- chain status --------------------------------------------------------------------------

async function renderChainStatus(section, ctx) {
  const heading = el('h2', { id: 'chain-title' }, 'Chain status');
  const verification = el('div', { 'aria-live': 'polite' });
  const again = el('button', { type: 'button', class: 'secondary no-print' }, 'Verify again');
  again.addEventListener('click', () => verify(verification, again, ctx));
  const headBox = el('div', {}, loading('Reading the head of the log'));
  show(section, heading, headBox, el('h3', {}, 'Verification'), verification, again,
    el('p', { class: 'muted' },
      'The gateway checks every record against the hash chain and every signed checkpoint with its own public key. ',
      'For a check that does not trust this gateway, export the log with ', el('code', {}, 'accord audit export'),
      ' and run ', el('code', {}, 'accord audit verify'), ' on the export with the gateway\u2019s public key (docs/audit-format.md \u00a76).'));
  const headDone = (async () => {
    try {
      const head = await getJson('/v1/admin/audit/head');
      show(headBox, headSummary(head));
    } catch (error) {
      show(headBox, errorBox(error));
    }
  })();
  if (lastVerification) {
    show(verification, verificationSummary(lastVerification));
    await headDone;
    return;
  }
  await Promise.all([headDone, verify(verification, again, ctx)]);
}

function headSummary(head) {
  const cp = head.latest_checkpoint;
  return definitionList([
    ['Records in the log', String(head.records)],
    ['Last record', head.last_seq > 0 ? el('a', { href: `#/audit/record/${head.last_seq}` }, `Record ${head.last_seq}`) : 'none'],
    ['Sealed up to', head.sealed_seq > 0 ? `record ${head.sealed_seq}` : 'no record yet'],
    ['Not yet sealed', `${head.unsealed} record${head.unsealed === 1 ? '' : 's'} after the latest checkpoint`],
    ['Latest checkpoint', cp ? el('span', {}, `record ${cp.seq}, signed `, timeEl(cp.at)) : 'none yet'],
    ['Signing key', cp ? el('code', {}, cp.kid) : undefined],
    ['Chain value at the checkpoint', cp ? el('code', {}, cp.head) : undefined],
  ], { label: 'Head of the audit log' });
}

async function verify(box, button, ctx) {
  button.disabled = true;
  show(box, loading('Verifying the whole chain'));
  try {
    lastVerification = await getJson('/v1/admin/audit/verification');
    show(box, verificationSummary(lastVerification));
    ctx.announce(lastVerification.ok ? 'Chain verified.' : 'Chain verification FAILED.');
  } catch (error) {
    show(box, errorBox(error));
  } finally {
    button.disabled = false;
  }
}

function verificationSummary(v) {
  if (!v.ok) {
    const f = v.failure ?? {};
    return el('div', { class: 'error', role: 'alert' },
      el('p', {}, badge('FAILED', 'bad'), ` The stored log does not verify: `, el('strong', {}, f.code ?? 'unknown'),
        ` at record ${f.seq ?? '?'}.`),
      el('p', {}, f.message ?? ''),
      el('p', {}, 'Checked at ', timeEl(v.verified_at), '. Keep the database as it is and compare it with an earlier export (docs/operations.md).'));
  }
  const range = v.records > 0 ? `records ${v.first_seq}\u2013${v.last_seq}` : 'no records yet';
  return el('div', {},
    el('p', {}, badge('Verified', 'ok'), ` Chain verified: ${v.records} records (${range}) and ${v.checkpoints} signed checkpoint${v.checkpoints === 1 ? '' : 's'}, key `,
      el('code', {}, v.key_id ?? ''), '.'),
    el('p', {}, v.sealed_seq > 0 ? `Signed up to record ${v.sealed_seq}` : 'No checkpoint signed yet',
      v.unsealed_tail > 0 ? `; ${v.unsealed_tail} newer record${v.unsealed_tail === 1 ? ' awaits' : 's await'} the next checkpoint.` : '.'),
    v.index_mismatches > 0
      ? el('p', { class: 'error', role: 'alert' }, `${v.index_mismatches} rows have index columns that disagree with their record (the database was changed).`)
      : null,
    el('p', { class: 'muted' }, 'Checked at ', timeEl(v.verified_at), '.'));
}
