// Dead letters of push delivery (admin only: GET /v1/admin/dlq) and redrive
// (POST /v1/admin/dlq/retry), each redrive confirmed first. The gateway audits every redrive
// as delivery.redriven and admin.action with this certificate; the page adds nothing to that.
import { getJson, postJson } from '../api.js';
import { el, errorBox, show, table } from '../ui.js';
import { count, formatTime, heading } from './page-kit.js';

const DEFAULT_LIMIT = 100;
// Times in the table without " UTC": the line above the table says it once.
const utc = (value) => formatTime(value).replace(/ UTC$/, '');

function filterForm(ctx, recipient) {
  const input = el('input', { id: 'dlq-recipient', name: 'recipient', type: 'text', value: recipient, autocomplete: 'off', spellcheck: 'false' });
  return el('form', {
    class: 'search',
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const value = input.value.trim();
      ctx.navigate(value ? `#/dead-letters?recipient=${encodeURIComponent(value)}` : '#/dead-letters');
    },
  },
  el('div', { class: 'field' }, el('label', { for: 'dlq-recipient' }, 'Recipient'), input),
  el('div', { class: 'form-actions' }, el('button', { type: 'submit' }, 'Filter')));
}

// Redrive after confirmation; announce the count, then reload the list.
async function redrive(ctx, body, question, detail, reload, status) {
  if (!(await ctx.confirmAction(question, { confirmLabel: 'Redrive', detail }))) return;
  try {
    const answer = await postJson('/v1/admin/dlq/retry', body);
    const n = answer.redriven ?? 0;
    const message = `${n} dead ${n === 1 ? 'letter' : 'letters'} redriven.`;
    await reload();
    show(status, el('p', {}, message));
    ctx.announce(message);
  } catch (error) {
    show(status, errorBox(error));
  }
  // The button pressed is gone with the reload: keep keyboard users where the outcome is.
  status.focus();
}

function lettersTable(letters, ctx, reload, status) {
  return table('Dead letters', [
    {
      label: 'Action',
      value: (d) => el('button', {
        type: 'button',
        class: 'secondary',
        'aria-label': `Redrive ${d.delivery_id}`,
        onclick: () => redrive(ctx, { delivery_id: d.delivery_id },
          `Redrive dead letter ${d.delivery_id}?`,
          `The copy of message ${d.message_id} for ${d.recipient} goes back in the queue with its attempts reset.`,
          reload, status),
      }, 'Redrive'),
    },
    { label: 'Recipient', value: (d) => d.recipient },
    { label: 'Sender', value: (d) => d.sender },
    { label: 'Message id', value: (d) => el('code', {}, d.message_id) },
    { label: 'Event', value: (d) => d.event_type },
    { label: 'Case', value: (d) => d.case_urn },
    { label: 'Received', class: 'time-col', value: (d) => utc(d.received_at) },
    { label: 'Attempts', class: 'num', value: (d) => count(d.attempts) },
    { label: 'Dead since', class: 'time-col', value: (d) => utc(d.dead_at) },
    { label: 'Code', value: (d) => d.code },
    { label: 'Detail', value: (d) => d.detail || '—' },
  ], letters);
}

export async function render(root, ctx) {
  const recipient = ctx.params.get('recipient') ?? '';
  const limit = Number.parseInt(ctx.params.get('limit') ?? '', 10) || DEFAULT_LIMIT;
  const status = el('div', { class: 'action-status', tabindex: '-1' });
  const body = el('div', {});
  const reload = async () => {
    try {
      const data = await getJson('/v1/admin/dlq', { recipient, limit });
      const letters = data.dead_letters ?? [];
      const recipients = [...new Set(letters.map((d) => d.recipient))].sort();
      const bulk = recipients.map((r) => el('button', {
        type: 'button',
        class: 'secondary',
        onclick: () => redrive(ctx, { recipient: r }, `Redrive every dead letter for ${r}?`,
          `Every dead letter of ${r} goes back in the queue with its attempts reset, including any beyond the ${limit} listed here.`,
          reload, status),
      }, `Redrive all for ${r}`));
      show(body,
        el('p', {}, letters.length === 0
          ? (recipient ? `No dead letters for ${recipient}.` : 'No dead letters.')
          : `${letters.length} dead ${letters.length === 1 ? 'letter' : 'letters'}${recipient ? ` for ${recipient}` : ''}, oldest first${letters.length >= limit ? ` (the first ${limit})` : ''}. Times are UTC.`),
        bulk.length ? el('div', { class: 'toolbar' }, bulk) : null,
        letters.length ? lettersTable(letters, ctx, reload, status) : null);
    } catch (error) {
      show(body, errorBox(error));
    }
  };
  show(root, heading('Dead letters', 'Copies push delivery gave up on. Redrive puts a copy back in its queue with its attempts reset.'),
    filterForm(ctx, recipient), status, body);
  await reload();
}
