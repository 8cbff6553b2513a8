// Delivery health per recipient (GET /v1/admin/deliveries): what waits, what is leased, what
// died, and whether the adapter's circuit is open. A row that needs attention says so in words.
import { getJson } from '../api.js';
import { el, errorBox, show, table } from '../ui.js';
import { count, formatDuration, formatTime, heading, refreshBar, showData } from './page-kit.js';

// The oldest queued copy waiting longer than this needs attention (docs/console.md).
export const STALE_AFTER_MS = 15 * 60 * 1000;

// The reasons a row needs attention, in words; empty when it is healthy. `now` is the
// browser's clock in ms.
export function attention(row, now) {
  const reasons = [];
  if (row.circuit === 'open') reasons.push('circuit open');
  if (row.dead_letters > 0) reasons.push(`${row.dead_letters} dead ${row.dead_letters === 1 ? 'letter' : 'letters'}`);
  if (row.oldest_queued_at) {
    const waited = now - Date.parse(row.oldest_queued_at);
    if (waited > STALE_AFTER_MS) reasons.push(`oldest copy waiting ${formatDuration(waited)}`);
  }
  return reasons;
}

function oldest(row, now) {
  if (!row.oldest_queued_at) return 'none queued';
  // Redrawn once a minute at most (showData below): seconds would go stale.
  const waited = now - Date.parse(row.oldest_queued_at);
  return el('span', {}, waited < 60000 ? 'under 1 min' : formatDuration(waited),
    el('br'), el('span', { class: 'muted' }, `since ${formatTime(row.oldest_queued_at)}`));
}

function healthTable(data, whoami, now) {
  const rows = [...(data.recipients ?? [])].sort((a, b) => a.recipient.localeCompare(b.recipient));
  const deadLetters = (r) => (r.dead_letters > 0 && whoami.role === 'admin'
    ? el('a', { href: `#/dead-letters?recipient=${encodeURIComponent(r.recipient)}` }, count(r.dead_letters))
    : count(r.dead_letters));
  const status = (r) => {
    const reasons = attention(r, now);
    return reasons.length
      ? el('span', { class: 'attention' }, el('strong', {}, 'Needs attention: '), reasons.join('; '))
      : el('span', { class: 'healthy' }, 'OK');
  };
  const totals = (r) => `${count(r.delivered_total)} delivered, ${count(r.retried_total)} retried, ${count(r.dead_lettered_total)} dead-lettered`;
  const t = table('Delivery health', [
    { label: 'Recipient', value: (r) => r.recipient },
    { label: 'Status', class: 'status-col', value: status },
    { label: 'Adapter', value: (r) => r.adapter ?? '—' },
    { label: 'Queued', class: 'num', value: (r) => count(r.queued) },
    { label: 'Leased', class: 'num', value: (r) => count(r.leased) },
    { label: 'In flight', class: 'num', value: (r) => count(r.in_flight) },
    { label: 'Oldest queued', value: (r) => oldest(r, now) },
    { label: 'Dead letters', class: 'num', value: deadLetters },
    { label: 'Circuit', value: (r) => r.circuit ?? '—' },
    { label: 'Totals', class: 'totals-col', value: totals },
  ], rows);
  // Mark the rows (the Status column says why in words; the class only adds emphasis).
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    if (attention(rows[i], now).length) tr.classList.add('needs-attention');
  });
  return t;
}

export async function render(root, ctx) {
  const body = el('div', {});
  const load = async (asked) => {
    try {
      const data = await getJson('/v1/admin/deliveries');
      const now = Date.now();
      const troubled = (data.recipients ?? []).filter((r) => attention(r, now).length).length;
      // Ages change with the clock: a refresh always redraws (the signature includes now's minute).
      showData(body, { data, minute: Math.floor(now / 60000) },
        el('p', {}, troubled
          ? `${troubled} of ${data.recipients.length} recipients need attention.`
          : `All ${(data.recipients ?? []).length} recipients are healthy.`),
        healthTable(data, ctx.whoami, now),
        el('p', { class: 'muted' }, '"Leased": copies a recipient or an adapter holds and has not acknowledged yet; "In flight": pushes the adapter is sending now; "Totals": since the gateway started.'));
      if (asked) ctx.announce('Delivery health refreshed');
    } catch (error) {
      showData(body, { error: error.code }, errorBox(error));
    }
  };
  show(root, heading('Deliveries', 'Delivery health per recipient.'),
    refreshBar({ load, everyMs: 10000 }), body);
  await load(false);
}
