// The management API as the page calls it: same origin, the function key in
// the `x-functions-key` header. The key arrives once in the address
// (`?code=`), moves to sessionStorage and leaves the address bar, so it is
// neither bookmarked nor shown over a shoulder.

import { t } from './labels.js';

const KEY_STORAGE = 'pbx-console-key';

export function takeKeyFromAddress(): void {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  if (code === null) return;
  sessionStorage.setItem(KEY_STORAGE, code);
  url.searchParams.delete('code');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

export type ApiAnswer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: string; path?: string };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function reasonOf(json: unknown, status: number): string {
  if (typeof json === 'object' && json !== null && 'error' in json && typeof json.error === 'string') {
    return json.error;
  }
  return status === 401 ? t('unauthorized') : `HTTP ${status}`;
}

/** `path` is below /api/manage/. The answer's body is the API's own JSON, typed by the caller. */
export async function callApi<T>(method: Method, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers['x-functions-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/manage/${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, error: t('networkError') };
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = reasonOf(json, response.status);
    // A 400 names the field at fault (`settings.syncDaysForward`); forms show the reason there.
    const path = typeof json === 'object' && json !== null && 'path' in json ? json.path : undefined;
    return typeof path === 'string'
      ? { ok: false, status: response.status, error, path }
      : { ok: false, status: response.status, error };
  }
  return { ok: true, status: response.status, body: json as T };
}

export function integrationPath(id: string, rest = ''): string {
  return `integrations/${encodeURIComponent(id)}${rest}`;
}
