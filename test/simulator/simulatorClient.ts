// The real Graph SDK pointed at the simulator.
//
// Why not `Client.init({ authProvider })`: the SDK's AuthenticationHandler
// only attaches the token when the URL starts with `https://` and its host is
// a Graph host or listed in `customHosts` (GraphRequestUtil.isValidEndpoint).
// The simulator is plain http on 127.0.0.1, so no `customHosts` entry makes it
// qualify; a small middleware of our own sets the header instead. For the
// same reason `client.api(absoluteLink)` only understands https links, so
// `@odata.nextLink` / `@odata.deltaLink` are replayed relative to
// `graphBaseUrl` (see `relativeTo`). `defaultVersion: ''` because
// `graphBaseUrl` already ends in `/v1.0`.

import {
  Client,
  HTTPMessageHandler,
  type Middleware,
  RetryHandler,
  RetryHandlerOptions,
} from '@microsoft/microsoft-graph-client';
import type { GraphSimulator } from '../../dev/graphSimulator/graphSimulator';

export const TENANT = { id: 'tenant-a', clientId: 'app-client-id', clientSecret: 'app-secret-value' };

export async function requestToken(
  sim: GraphSimulator,
  overrides: Partial<{ tenantId: string; clientId: string; clientSecret: string }> = {},
): Promise<Response> {
  const tenantId = overrides.tenantId ?? TENANT.id;
  return fetch(`${sim.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: overrides.clientId ?? TENANT.clientId,
      client_secret: overrides.clientSecret ?? TENANT.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
}

export async function accessToken(sim: GraphSimulator): Promise<string> {
  const response = await requestToken(sim);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

function bearer(token: string): Middleware {
  let next: Middleware | undefined;
  return {
    async execute(context) {
      const headers = new Headers(context.options?.headers);
      headers.set('Authorization', `Bearer ${token}`);
      context.options = { ...context.options, headers: Object.fromEntries(headers) };
      await next?.execute(context);
    },
    setNext(middleware) {
      next = middleware;
    },
  };
}

export function graphClient(sim: GraphSimulator, token: string, options: { retry?: boolean } = {}): Client {
  const auth = bearer(token);
  const send = new HTTPMessageHandler();
  if (options.retry) {
    const retry = new RetryHandler(new RetryHandlerOptions(0, 3));
    auth.setNext?.(retry);
    retry.setNext(send);
  } else {
    auth.setNext?.(send);
  }
  return Client.initWithMiddleware({ baseUrl: sim.graphBaseUrl, defaultVersion: '', middleware: auth });
}

export function relativeTo(sim: GraphSimulator, link: string): string {
  if (!link.startsWith(sim.graphBaseUrl)) throw new Error(`link outside the simulator: ${link}`);
  return link.slice(sim.graphBaseUrl.length);
}
