// The subject access report (auditor certificates; docs/console.md, "Subject access report";
// UK GDPR Art. 15): for one subject reference, which agency received what about the person
// (each field and the form it was shared in), when and under which agreement, and what was
// refused and why. From GET /v1/admin/audit/subject-report, the same report as
// `accord audit report --subject REF`. The reference is in the URL (#/subject?ref=...), so a
// report is a link; producing it is recorded in the audit log as audit.read.
import { getJson } from '../api.js';
import { badge, el, errorBox, field, hashLink, loading, show, table, timeEl } from '../ui.js';

const TITLE = 'Subject access';

// What each field action means for the person, in the report's words (docs/agreements.md).
const ACTIONS = {
  share: 'shared as sent',
  mask: 'masked',
  generalise: 'generalised',
  pseudonymise: 'pseudonymised',
  encrypt: 'encrypted for the recipient only',
  drop: 'not shared',
};

export async function render(root, ctx) {
  const ref = ctx.params.get('ref') ?? '';
  const from = ctx.params.get('from') ?? '';
  const to = ctx.params.get('to') ?? '';
  const refField = field('Subject reference', { name: 'ref', value: ref, hint: 'The pseudonymous reference the agencies use for the person, e.g. V-1234', required: true });
  const fromField = field('From', { name: 'from', value: from, hint: 'Optional: YYYY-MM-DD or RFC 3339' });
  const toField = field('To', { name: 'to', value: to, hint: 'Optional: before this instant' });
  const form = el('form', { class: 'search', 'aria-label': 'Produce a subject access report' },
    refField, fromField, toField,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit' }, 'Produce report')));
  const report = el('section', { 'aria-live': 'polite' });
  show(root,
    el('h1', {}, TITLE),
    el('p', { class: 'no-print' }, 'Everything the audit log holds about one person: who received what, in which form, when and under which agreement, and what was refused. ',
      'The log holds no field values, so neither does the report. Producing it is recorded in the audit log with your certificate.'),
    form, report);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = {
      ref: refField.control.value.trim(), from: fromField.control.value.trim(), to: toField.control.value.trim(),
    };
    if (!wanted.ref) {
      show(report, el('p', { class: 'error', role: 'alert' }, 'Enter a subject reference.'));
      refField.control.focus();
      return;
    }
    // The report's address: re-rendered by the router, and a link the auditor can keep.
    ctx.navigate(hashLink('subject', wanted));
  });

  if (!ref) return;
  show(report, loading(`Producing the report for ${ref}`));
  let answer;
  try {
    answer = await getJson('/v1/admin/audit/subject-report', { subject_ref: ref, from, to });
  } catch (error) {
    show(report, errorBox(error));
    return;
  }
  show(report, renderReport(answer, { from, to }));
  ctx.announce(`Report produced: ${answer.flows.length} records.`);
}

function period({ from, to }) {
  if (from && to) return ` from ${from} to before ${to}`;
  if (from) return ` from ${from}`;
  if (to) return ` before ${to}`;
  return '';
}

// The fields grouped by the form they went in: "Shared as sent: a, b" / "Not shared: c".
function fieldList(fields) {
  if (!fields || fields.length === 0) return el('span', { class: 'muted' }, 'no data fields');
  const order = [...Object.keys(ACTIONS), ...new Set(fields.map((f) => f.action))];
  const groups = [...new Set(order)].map((action) => [action, fields.filter((f) => f.action === action)])
    .filter(([, list]) => list.length > 0);
  return el('div', { class: 'field-actions' }, groups.map(([action, list]) => {
    const words = ACTIONS[action] ?? action;
    return el('p', {}, el('strong', {}, `${words.charAt(0).toUpperCase()}${words.slice(1)}: `),
      list.flatMap((f, i) => [i > 0 ? ', ' : null, el('code', {}, f.path)]));
  }));
}

function recordLink(flow) {
  return el('a', { href: `#/audit/record/${flow.seq}`, 'aria-label': `Record ${flow.seq}` }, String(flow.seq));
}

function renderReport(report, range) {
  const flows = report.flows ?? [];
  const received = flows.filter((f) => f.kind === 'decision.accepted');
  const refused = flows.filter((f) => f.kind === 'decision.refused');
  const deliveries = flows.filter((f) => f.kind.startsWith('delivery.'));
  const others = flows.filter((f) => !received.includes(f) && !refused.includes(f) && !deliveries.includes(f));
  const recipients = [...new Set(received.map((f) => f.recipient).filter(Boolean))].sort();
  const heading = el('h2', { id: 'report-title' }, `Report for ${report.subject_ref}`);
  if (flows.length === 0) {
    return el('div', {}, heading,
      el('p', { class: 'notice', role: 'status' }, `No records: the audit log holds nothing about ${report.subject_ref}${period(range)}.`));
  }
  return el('article', { 'aria-labelledby': 'report-title' },
    heading,
    el('p', {}, `${flows.length} records${period(range)}. `,
      recipients.length > 0
        ? `Information about this person reached ${recipients.length} agenc${recipients.length === 1 ? 'y' : 'ies'}: ${recipients.join(', ')}.`
        : 'No agency received information about this person.',
      refused.length > 0 ? ` ${refused.length} sharing${refused.length === 1 ? ' was' : 's were'} refused.` : ''),
    el('p', { class: 'no-print' },
      el('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Print report'), ' ',
      el('a', { href: hashLink('audit', { subject_ref: report.subject_ref }) }, 'Every record in the audit log')),
    el('h3', {}, 'Who received what'),
    table('Information shared', [
      { label: 'When', value: (f) => timeEl(f.at), class: 'nowrap' },
      { label: 'From', value: (f) => f.sender ?? '' },
      { label: 'To', value: (f) => f.recipient ?? '' },
      { label: 'Event', value: (f) => f.event_type ?? '' },
      { label: 'Agreement', value: (f) => f.agreement ?? el('span', { class: 'muted' }, 'none (a notice)') },
      { label: 'Fields and form', value: (f) => fieldList(f.fields) },
      { label: 'Record', value: recordLink, class: 'num' },
    ], received, { empty: 'Nothing was shared.' }),
    el('h3', {}, 'What was refused'),
    table('Refused sharing', [
      { label: 'When', value: (f) => timeEl(f.at), class: 'nowrap' },
      { label: 'From', value: (f) => f.sender ?? '' },
      { label: 'To', value: (f) => f.recipient ?? el('span', { class: 'muted' }, 'any agency') },
      { label: 'Event', value: (f) => f.event_type ?? '' },
      { label: 'Why', value: (f) => el('span', {}, badge(f.code ?? 'refused', 'bad'), f.reason ? ` ${f.reason}` : '') },
      { label: 'Agreement', value: (f) => f.agreement ?? '' },
      { label: 'Record', value: recordLink, class: 'num' },
    ], refused, { empty: 'Nothing was refused.' }),
    deliveries.length > 0 ? el('h3', {}, 'Deliveries') : null,
    deliveries.length > 0
      ? table('Deliveries', [
        { label: 'When', value: (f) => timeEl(f.at), class: 'nowrap' },
        { label: 'What happened', value: (f) => f.kind },
        { label: 'To', value: (f) => f.recipient ?? '' },
        { label: 'Message', value: (f) => f.message_id ?? '' },
        { label: 'Record', value: recordLink, class: 'num' },
      ], deliveries)
      : null,
    others.length > 0 ? el('h3', {}, 'Other records') : null,
    others.length > 0
      ? table('Other records', [
        { label: 'When', value: (f) => timeEl(f.at), class: 'nowrap' },
        { label: 'Kind', value: (f) => f.kind },
        { label: 'From', value: (f) => f.sender ?? '' },
        { label: 'Event', value: (f) => f.event_type ?? '' },
        { label: 'Record', value: recordLink, class: 'num' },
      ], others)
      : null,
    el('p', { class: 'muted' }, 'Produced ', timeEl(new Date().toISOString()),
      ' from the gateway\u2019s audit log. Field forms: shared as sent, masked, generalised, pseudonymised, encrypted for the recipient only, or not shared.'));
}
