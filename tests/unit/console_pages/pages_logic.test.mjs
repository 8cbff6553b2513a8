// The rules of the console's operational pages that decide what a user is told, table-driven
// against docs/console.md: agreement warnings, delivery attention, the flows map's line style
// and layout, the agreement text diff. Pure functions of the page modules (no browser: the
// pages themselves are driven in Chromium by tests/console).
import { test } from 'node:test';
import assert from 'node:assert/strict';

const root = new URL('../../../console/', import.meta.url);
const { warnings, diffRows, foldUnchanged } = await import(new URL('pages/agreements.js', root));
const { attention, STALE_AFTER_MS } = await import(new URL('pages/deliveries.js', root));
const { edgeClass, edgeLabel, layout } = await import(new URL('pages/flows.js', root));
const { formatDuration, formatTime } = await import(new URL('pages/page-kit.js', root));

const NOW = Date.parse('2026-12-06T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

test('agreement warnings (docs/console.md, "Agreements")', () => {
  const base = { status: 'active', valid_until: '2029-04-01T00:00:00Z', review_by: '2027-09-30', review_due: false };
  const cases = [
    ['healthy', {}, []],
    ['expired', { valid_until: '2026-12-06T12:00:00Z' }, ['Expired 2026-12-06: no longer grants']],
    ['expires in 30 days', { valid_until: '2027-01-05T12:00:00Z' }, ['Expires in 30 days']],
    ['31 days left is no warning', { valid_until: '2027-01-06T12:00:01Z' }, []],
    ['a part day rounds up', { valid_until: '2026-12-07T00:00:00Z' }, ['Expires in 1 day']],
    ['a draft never expires', { status: 'draft', valid_until: '2026-01-01T00:00:00Z' }, []],
    ['review overdue by date', { review_by: '2026-12-06' }, ['Review overdue (was due 2026-12-06)']],
    ['review overdue by the gateway', { review_due: true, review_by: '2027-09-30' }, ['Review overdue (was due 2027-09-30)']],
    ['review due soon', { review_by: '2026-12-20' }, ['Review due in 14 days']],
    ['both', { valid_until: '2026-12-10T12:00:00Z', review_by: '2026-11-01' },
      ['Expires in 4 days', 'Review overdue (was due 2026-11-01)']],
  ];
  for (const [name, change, expected] of cases) {
    assert.deepEqual(warnings({ ...base, ...change }, NOW), expected, name);
  }
});

test('delivery rows that need attention (docs/console.md, "Deliveries and dead letters")', () => {
  const base = { circuit: 'closed', dead_letters: 0, oldest_queued_at: null };
  const ago = (ms) => new Date(NOW - ms).toISOString();
  const cases = [
    ['healthy, nothing queued', {}, []],
    ['circuit open', { circuit: 'open' }, ['circuit open']],
    ['no circuit', { circuit: 'none' }, []],
    ['one dead letter', { dead_letters: 1 }, ['1 dead letter']],
    ['dead letters', { dead_letters: 3 }, ['3 dead letters']],
    ['queued 15 min exactly is fine', { oldest_queued_at: ago(STALE_AFTER_MS) }, []],
    ['queued longer', { oldest_queued_at: ago(STALE_AFTER_MS + 60000) }, ['oldest copy waiting 16 min']],
    ['all three', { circuit: 'open', dead_letters: 2, oldest_queued_at: ago(3 * 3600 * 1000) },
      ['circuit open', '2 dead letters', 'oldest copy waiting 3 h']],
  ];
  for (const [name, change, expected] of cases) {
    assert.deepEqual(attention({ ...base, ...change }, NOW), expected, name);
  }
});

test('flow line style by governance state (docs/console.md, "Flows")', () => {
  const cases = [
    [{ agreement: 'a@1', governance: 'active' }, 'active'],
    [{ agreement: 'a@1', governance: 'suspended' }, 'suspended'],
    [{ agreement: 'a@1', governance: 'awaiting_signatures' }, 'held'],
    [{ agreement: 'a@1', governance: 'draft' }, 'held'],
    [{ agreement: 'a@1', governance: 'shadow' }, 'held'],
    [{ agreement: 'a@1', governance: 'expired' }, 'held'],
    [{ agreement: null, refused: 2 }, 'none'],
  ];
  for (const [flow, expected] of cases) assert.equal(edgeClass(flow), expected, JSON.stringify(flow));
  assert.equal(edgeClass({ agreement: 'a@1', governance: 'not_loaded' }), 'held');
  const labels = [
    [{ shared: 0, refused: 0 }, ''],
    [{ shared: 3, refused: 0 }, '3 shared'],
    [{ shared: 0, refused: 2 }, '2 refused'],
    [{ shared: 1200, refused: 1 }, '1,200 shared, 1 refused'],
  ];
  for (const [edge, expected] of labels) assert.equal(edgeLabel(edge), expected, JSON.stringify(edge));
});

test('the flows layout is deterministic and groups agencies by kind', () => {
  const agencies = [
    { id: 'wcu.met', kind: 'wcu' }, { id: 'provider.b', kind: 'provider' }, { id: 'police.met', kind: 'police' },
    { id: 'provider.a', kind: 'provider' }, { id: 'court.london', kind: 'court' },
  ];
  const a = layout(agencies);
  const b = layout([...agencies].reverse());
  for (const { id } of agencies) assert.deepEqual(a.get(id), b.get(id), id);
  // Clockwise from the top: court, police, provider.a, provider.b, wcu.
  const order = [...a.entries()].sort((x, y) => x[1].angle - y[1].angle).map(([id]) => id);
  assert.deepEqual(order, ['court.london', 'police.met', 'provider.a', 'provider.b', 'wcu.met']);
  assert.ok(Math.abs(a.get('court.london').angle + Math.PI / 2) < 1e-9, 'the first sits at the top');
});

test('the agreement text diff marks lines and folds unchanged runs', () => {
  const lines = (n, prefix) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const from = [...lines(10, 'a'), 'old', ...lines(10, 'b')].join('\n') + '\n';
  const to = [...lines(10, 'a'), 'new', ...lines(10, 'b')].join('\n') + '\n';
  const rows = diffRows(from, to);
  assert.equal(rows.length, 22);
  assert.deepEqual(rows.filter((r) => r.mark !== ' '), [{ mark: '-', line: 'old' }, { mark: '+', line: 'new' }]);
  const folded = foldUnchanged(rows);
  assert.deepEqual(folded.map((r) => `${r.mark}${r.line}`), [
    '…7 unchanged lines', ' a7', ' a8', ' a9', '-old', '+new', ' b0', ' b1', ' b2', '…7 unchanged lines',
  ]);
  // A run that would hide a single line is shown whole.
  const short = foldUnchanged(diffRows(['x', ...lines(4, 'c')].join('\n'), ['y', ...lines(4, 'c')].join('\n')));
  assert.deepEqual(short.map((r) => `${r.mark}${r.line}`), ['-x', '+y', ' c0', ' c1', ' c2', ' c3']);
  const middle = foldUnchanged(diffRows(['x', ...lines(7, 'm'), 'z'].join('\n'), ['y', ...lines(7, 'm'), 'w'].join('\n')));
  assert.equal(middle.filter((r) => r.mark === '…').length, 0, 'seven unchanged lines between changes stay');
  const eight = foldUnchanged(diffRows(['x', ...lines(8, 'm'), 'z'].join('\n'), ['y', ...lines(8, 'm'), 'w'].join('\n')));
  assert.deepEqual(eight.filter((r) => r.mark === '…'), [{ mark: '…', line: '2 unchanged lines' }]);
  assert.deepEqual(diffRows('same\n', 'same\n'), [{ mark: ' ', line: 'same' }]);
});

test('times and ages', () => {
  assert.equal(formatTime('2026-12-06T20:59:01.123Z'), '2026-12-06 20:59:01 UTC');
  assert.equal(formatTime(null), '—');
  assert.equal(formatTime('not a time'), 'not a time');
  const cases = [[0, '0 s'], [59999, '59 s'], [60000, '1 min'], [3599999, '59 min'], [3600000, '1 h'],
    [3900000, '1 h 5 min'], [47 * 3600000, '47 h'], [48 * 3600000, '2 d'], [50 * 3600000, '2 d 2 h'], [-5, '0 s']];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});
