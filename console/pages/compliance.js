// Victims' Code compliance (GET /v1/admin/compliance/report?format=json; docs/compliance.md
// §5-6): on time / late / missing / open per informer agency and per right, and the rule
// applied to each row. Auditor certificates only; the gateway decides.
import { getJson } from '../api.js';
import { el, errorBox, show, table } from '../ui.js';
import { count, facts, formatTime, heading } from './page-kit.js';

const FILTERS = ['from', 'to', 'agency', 'right'];
const COUNTS = [
  { key: 'on_time', label: 'On time' },
  { key: 'late', label: 'Late' },
  { key: 'missing', label: 'Missing' },
  { key: 'open', label: 'Open' },
];

function field(id, label, control) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), control);
}

function filterForm(ctx) {
  const value = (k) => ctx.params.get(k) ?? '';
  const from = el('input', { id: 'vc-from', name: 'from', type: 'date', value: value('from'), 'aria-describedby': 'vc-dates-hint' });
  const to = el('input', { id: 'vc-to', name: 'to', type: 'date', value: value('to'), 'aria-describedby': 'vc-dates-hint' });
  const agency = el('input', { id: 'vc-agency', name: 'agency', type: 'text', value: value('agency'), autocomplete: 'off', spellcheck: 'false' });
  const right = el('select', { id: 'vc-right', name: 'right' },
    el('option', { value: '' }, 'Every right'),
    Array.from({ length: 12 }, (_, i) => el('option', { value: String(i + 1), selected: value('right') === String(i + 1) }, `Right ${i + 1}`)));
  const form = el('form', {
    class: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const params = new URLSearchParams();
      for (const [k, control] of [['from', from], ['to', to], ['agency', agency], ['right', right]]) {
        if (control.value.trim()) params.set(k, control.value.trim());
      }
      const query = params.toString();
      ctx.navigate(query ? `#/compliance?${query}` : '#/compliance');
    },
  },
  field('vc-from', 'From', from),
  field('vc-to', 'To', to),
  field('vc-agency', 'Informer agency', agency),
  field('vc-right', 'Right', right),
  el('div', { class: 'form-actions' }, el('button', { type: 'submit' }, 'Show report')),
  el('p', { class: 'hint', id: 'vc-dates-hint' },
    'Clocks started on or after From and before To, each day from 00:00 UTC. Empty: from the first record, to now.'));
  return form;
}

const countColumns = COUNTS.map(({ key, label }) => ({ label, class: 'num', value: (r) => count(r[key]) }));

function report(data) {
  const f = data.filter ?? {};
  const rows = data.rows ?? [];
  const total = data.total ?? {};
  const parts = [
    facts([
      ['Clocks started from', formatTime(f.from)],
      ['Clocks started before', formatTime(f.to)],
      ['Judged at', formatTime(f.as_of)],
      f.agency ? ['Informer agency', f.agency] : null,
      f.right ? ['Right', String(f.right)] : null,
    ]),
    el('h2', {}, 'Totals'),
    el('p', { class: 'totals' }, COUNTS.map(({ key, label }) => `${label}: ${count(total[key] ?? 0)}`).join(' · ')),
  ];
  if (rows.length === 0) {
    parts.push(el('p', {}, 'No clocks started in the window.'));
  } else {
    parts.push(
      table('Totals by agency', [{ label: 'Agency', value: (r) => r.agency }, ...countColumns], data.by_agency ?? []),
      table('Totals by right', [{ label: 'Right', value: (r) => String(r.right) }, ...countColumns], data.by_right ?? []),
      el('h2', {}, 'Clocks by rule'),
      el('p', { class: 'muted' }, 'One row per informer agency, right, rule applied, London month of the clock\'s start, and whether the enhanced rights\' deadline applied.'),
      table('Clocks by agency, right and rule', [
        { label: 'Agency', value: (r) => r.agency },
        { label: 'Right', value: (r) => String(r.right) },
        { label: 'Rule applied', value: (r) => el('code', {}, r.rule) },
        { label: 'Month', value: (r) => r.month },
        { label: 'Rights', value: (r) => (r.enhanced ? 'enhanced' : 'standard') },
        ...countColumns,
      ], rows));
  }
  const problems = data.problems ?? [];
  if (problems.length) {
    parts.push(el('h2', {}, 'Problems'),
      el('p', {}, 'Records the tracker could not count (docs/compliance.md §6.1):'),
      el('ul', {}, problems.map((p) => el('li', {}, typeof p === 'string' ? p : JSON.stringify(p)))));
  }
  return parts;
}

export async function render(root, ctx) {
  const body = el('div', {});
  show(root, heading("Victims' Code", 'Clocks of the Victims\' Code duties, from the gateway\'s own audit log: on time, late, missing or still open.'),
    filterForm(ctx), body);
  const query = { format: 'json' };
  for (const k of FILTERS) if (ctx.params.get(k)) query[k] = ctx.params.get(k);
  try {
    show(body, report(await getJson('/v1/admin/compliance/report', query)));
  } catch (error) {
    if (error.code === 'compliance_unconfigured') {
      show(body, el('p', { class: 'notice', role: 'status' }, 'Compliance tracking is not configured on this gateway (no compliance: section in its configuration).'));
    } else {
      show(body, errorBox(error));
    }
  }
}
