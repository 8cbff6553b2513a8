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

// A table with a caption (its accessible name) and one header cell per column.
// columns: [{label, value: (row) => string|Node}]
export function table(caption, columns, rows) {
  return el('table', {},
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c.label)))),
    el('tbody', {}, rows.map((row) => el('tr', {}, columns.map((c) => el('td', {}, c.value(row)))))));
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
