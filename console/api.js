// The admin API, same origin: the browser presents the admin or auditor certificate on the TLS
// connection, so no request carries a credential of its own. Every failure becomes an ApiError
// with the gateway's error code (docs/errors.md), never a silent empty page.

export class ApiError extends Error {
  constructor(status, code, message, path, body) {
    super(message);
    this.status = status;  // HTTP status, 0 when the request never reached the gateway
    this.code = code;      // the gateway's error code ("forbidden", "not_found", ...)
    this.path = path;      // the offending input, when the gateway named one
    this.body = body;      // the whole JSON answer (e.g. a dry run's `diagnostics`), if any
  }
}

function urlOf(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

async function send(path, { params, method = 'GET', body } = {}) {
  let response;
  try {
    response = await fetch(urlOf(path, params), {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `the gateway did not answer: ${e.message}`);
  }
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = response.statusText;
    let where;
    let body;
    try {
      // Every refusal is {"error": {"code", "message", "path"}} (docs/api.yaml, Error).
      body = await response.json();
      const error = body.error ?? body;
      code = error.code ?? code;
      message = error.message ?? message;
      where = error.path || undefined;
    } catch { /* not JSON: keep the status line */ }
    throw new ApiError(response.status, code, message, where, body);
  }
  return response;
}

// GET returning JSON.
export async function getJson(path, params) {
  return (await send(path, { params })).json();
}

// GET returning NDJSON (the audit endpoints): the parsed lines and the next page's after_seq
// (from Accord-Next-After-Seq; null on the last page).
export async function getNdjson(path, params) {
  const response = await send(path, { params });
  const text = await response.text();
  const items = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  return { items, next: response.headers.get('Accord-Next-After-Seq') };
}

// GET returning text (CSV, YAML).
export async function getText(path, params) {
  return (await send(path, { params })).text();
}

// POST with a JSON body (every admin POST takes application/json); answers the parsed JSON.
export async function postJson(path, body = {}, params) {
  const response = await send(path, { params, method: 'POST', body });
  const text = await response.text();
  return text === '' ? {} : JSON.parse(text);
}
