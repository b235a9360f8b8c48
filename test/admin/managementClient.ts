import type { LocalHost } from '../../dev/localHost/localHost';

export interface Answer {
  status: number;
  json: unknown;
  text: string;
  headers: Headers;
}

/** Calls the management API over HTTP, with the host's function key unless told otherwise. */
export function managementClient(host: LocalHost) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; key?: string | null } = {},
  ): Promise<Answer> => {
    const key = options.key === undefined ? host.functionKey : options.key;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers['x-functions-key'] = key;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const response = await fetch(`${host.url}/api/${path.replace(/^\//, '')}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, headers: response.headers };
  };
}

/** GET without following redirects, as a browser's first hop. */
export async function fetchManual(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { redirect: 'manual', headers });
  return {
    status: response.status,
    location: response.headers.get('location'),
    text: await response.text(),
    headers: response.headers,
  };
}
