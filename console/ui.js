// Small DOM helpers every page uses. Text always goes in through textContent, never innerHTML:
// every value shown comes from the audit log or an agency's message metadata.

// el('a', {href: '#/x', class: 'btn'}, 'text', childNode, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let nextId = 0;
// A document-unique id for label/for and aria pairs.
export function uniqueId(prefix = 'ui') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A table with a caption (its accessible name) and one header cell per column, inside its own
// horizontally scrolling box (keyboard-focusable, named by the caption) so a wide table never
// widens the page. Returns the box; the table is its only child.
// columns: [{label, value: (row) => string|Node, class?: 'num'}]
// options.empty: when given, the text of the one row shown when there are no rows (without it
// an empty table has no body rows, so a caller's rows and the table's stay index for index).
export function table(caption, columns, rows, { empty } = {}) {
  const captionId = uniqueId('caption');
  const body = rows.length === 0 && empty !== undefined
    ? [el('tr', {}, el('td', { colspan: columns.length, class: 'muted' }, empty))]
    : rows.map((row) => el('tr', {}, columns.map((c) => el('td', { class: c.class }, c.value(row)))));
  const grid = el('table', {},
    el('caption', { id: captionId }, caption),
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.class }, c.label)))),
    el('tbody', {}, body));
  return el('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': captionId, tabindex: 0 }, grid);
}

// A labelled form control: <label for=id> and an input (or a select when `options` is given:
// [{value, label}]) with that id, plus an optional hint tied by aria-describedby.
// Returns the wrapper; the control is wrapper.control.
export function field(label, { name, type = 'text', value = '', options, hint, placeholder, required,
  autocomplete = 'off', inputmode } = {}) {
  const id = uniqueId(`field-${name ?? 'x'}`);
  const hintId = hint ? `${id}-hint` : undefined;
  const common = { id, name, 'aria-describedby': hintId, required };
  let control;
  if (options) {
    control = el('select', common, options.map((o) =>
      el('option', { value: o.value, selected: String(o.value) === String(value ?? '') }, o.label)));
  } else {
    control = el('input', { ...common, type, placeholder, autocomplete, inputmode });
    control.value = value ?? '';
  }
  const wrapper = el('div', { class: 'field' }, el('label', { for: id }, label), control,
    hint ? el('span', { id: hintId, class: 'hint' }, hint) : null);
  wrapper.control = control;
  return wrapper;
}

// A record's members as a definition list. pairs: [[term, value]], value a string or Node;
// pairs whose value is undefined, null or '' are left out.
export function definitionList(pairs, { label } = {}) {
  const items = [];
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    items.push(el('dt', {}, term), el('dd', {}, value));
  }
  return el('dl', { class: 'record', 'aria-label': label }, items);
}

// Previous/next paging. Buttons are named "Previous page" and "Next page" (the e2e tests use
// these names) and disabled at either end; `position` is an optional text such as
// "Records 1–50".
export function pager({ hasPrevious, hasNext, onPrevious, onNext, position, label = 'Pages' }) {
  return el('nav', { class: 'pager', 'aria-label': label },
    el('button', { type: 'button', class: 'secondary', disabled: !hasPrevious, onclick: onPrevious }, 'Previous page'),
    el('button', { type: 'button', class: 'secondary', disabled: !hasNext, onclick: onNext }, 'Next page'),
    position ? el('span', { class: 'position' }, position) : null);
}

function asDate(value) {
  if (value === undefined || value === null || value === '') return null;
  const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

// "2026-12-06 20:59:01 UTC": RFC 3339 instants as the gateway writes them, readable; the input
// unchanged when it is not a time.
export function formatUtc(value) {
  const date = asDate(value);
  if (!date) return value === undefined || value === null ? '' : String(value);
  return `${date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '').replace(/Z$/, '')} UTC`;
}

// The same instant in the browser's time zone: "06/12/2026, 21:59:01".
export function formatLocal(value) {
  const date = asDate(value);
  return date ? date.toLocaleString(undefined, { hour12: false }) : '';
}

// A <time> showing UTC, then the local time beside it when the browser is not on UTC.
export function timeEl(value) {
  const date = asDate(value);
  if (!date) return document.createTextNode(value === undefined || value === null ? '' : String(value));
  const utc = formatUtc(date);
  const local = formatLocal(date);
  const offset = date.getTimezoneOffset();
  return el('span', {},
    el('time', { datetime: date.toISOString() }, utc),
    offset === 0 ? null : el('span', { class: 'local-time' }, ` (local ${local})`));
}

// A small label with a meaning carried by its text, not its colour alone. kind: ok | bad | warn.
export function badge(text, kind) {
  return el('span', { class: `badge ${kind ?? ''}`.trim() }, text);
}

// "#/audit?case_urn=X": a hash link with query parameters (empty ones left out).
export function hashLink(page, params = {}, segments = []) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, value);
  }
  const path = [page, ...segments].map((s) => encodeURIComponent(s)).join('/');
  const text = query.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

// An error the user can act on: the gateway's code and message, announced to screen readers.
export function errorBox(error) {
  const code = error?.code ?? 'error';
  return el('div', { class: 'error', role: 'alert' },
    el('strong', {}, `${code}: `), error?.message ?? String(error));
}

export function loading(what = 'Loading') {
  return el('p', { class: 'loading', role: 'status' }, `${what}…`);
}

// Replaces the children of `node`.
export function show(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null));
}
