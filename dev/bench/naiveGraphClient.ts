// The Graph client of the naive baselines: an app token from the client
// credentials flow and plain GETs, each one counted. It talks to the same
// simulator as the service, so a baseline is a run, not a formula.

import { DEMO_TENANT } from '../localHost/demoTenant';

export interface NaiveGraphClient {
  /** GETs a path below `/v1.0` (or an absolute link Graph handed out); the parsed body, or undefined when not 200. */
  get(pathOrUrl: string, headers?: Record<string, string>): Promise<unknown>;
  /** Requests sent, and of them answered 200. */
  readonly requests: number;
  readonly ok: number;
  reset(): void;
}

export function naiveGraphClient(simulator: {
  graphBaseUrl: string;
  authorityHost: string;
}): NaiveGraphClient {
  let token: Promise<string> | undefined;
  const counts = { requests: 0, ok: 0 };
  const bearer = () => {
    token ??= fetchToken(simulator.authorityHost);
    return token;
  };
  return {
    async get(pathOrUrl, headers = {}) {
      const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${simulator.graphBaseUrl}/${pathOrUrl}`;
      counts.requests++;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${await bearer()}`, ...headers },
      });
      if (response.status !== 200) {
        await response.arrayBuffer();
        return undefined;
      }
      counts.ok++;
      return response.json();
    },
    get requests() {
      return counts.requests;
    },
    get ok() {
      return counts.ok;
    },
    reset() {
      counts.requests = 0;
      counts.ok = 0;
    },
  };
}

async function fetchToken(authorityHost: string): Promise<string> {
  const response = await fetch(`${authorityHost}/${DEMO_TENANT.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_TENANT.clientId,
      client_secret: DEMO_TENANT.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  const body = (await response.json()) as { access_token?: unknown };
  if (typeof body.access_token !== 'string') throw new Error(`no token: ${response.status}`);
  return body.access_token;
}
