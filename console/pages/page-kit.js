// Small pieces the operational pages (flows, agreements, deliveries, dead letters, Victims'
// Code) share: times and ages, definition lists, a refresh bar. Text through ui.js `el` only.
import { el } from '../ui.js';

// "2026-12-06T20:59:01.123Z" -> "2026-12-06 20:59:01 UTC" (the gateway's times are UTC; showing
// them in UTC keeps the console and the audit log saying the same instant the same way).
export function formatTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

// Milliseconds -> "45 s", "12 min", "3 h 5 min", "2 d 4 h".
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export const count = (n) => (typeof n === 'number' ? n.toLocaleString('en-GB') : '—');

// A description list from [term, value] pairs (a value may be a Node); null pairs are skipped.
export function facts(pairs) {
  return el('dl', { class: 'record' },
    pairs.filter(Boolean).flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '—')]));
}

// The page's <h1> (its PAGES title), then a one-line lead.
export function heading(title, lead) {
  return [el('h1', {}, title), lead ? el('p', { class: 'lead' }, lead) : null];
}

// True while `node` is still on the page: a timer of a page the user has left stops itself.
export const stillShown = (node) => node.isConnected;

// A "Refresh" button and, with `everyMs`, a timer that calls `load(false)` until paused or the
// page is left. `load(true)` is a refresh the user asked for (the page may announce it);
// auto-refreshes announce nothing (contract: no chatter for screen reader users).
export function refreshBar({ load, everyMs, label = 'Refresh' }) {
  const status = el('span', { class: 'refresh-status' });
  const refresh = el('button', { type: 'button', onclick: () => load(true) }, label);
  const bar = el('div', { class: 'toolbar' }, refresh);
  if (everyMs) {
    let paused = false;
    const pause = el('button', { type: 'button', class: 'secondary' }, 'Pause auto-refresh');
    const describe = () => {
      pause.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
      status.textContent = paused ? 'Auto-refresh paused.' : `Refreshes every ${everyMs / 1000} s.`;
    };
    pause.addEventListener('click', () => { paused = !paused; describe(); });
    describe();
    bar.append(pause);
    const timer = setInterval(() => {
      if (!stillShown(bar)) { clearInterval(timer); return; }
      if (!paused && document.visibilityState !== 'hidden') load(false);
    }, everyMs);
  }
  bar.append(status);
  return bar;
}

// Replaces the children of `container` unless `data` is what it shows already (an auto-refresh
// with nothing new leaves the page alone); a link that had the focus keeps it when the new
// content has a link to the same place. Answers whether it replaced.
export function showData(container, data, ...children) {
  const signature = JSON.stringify(data);
  if (container.dataset.signature === signature) return false;
  const focused = container.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
  container.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null));
  container.dataset.signature = signature;
  if (focused) container.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
  return true;
}
