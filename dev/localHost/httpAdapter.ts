import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpHandler, HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/http/functionRegistry';
import { matchRoute } from './routeTemplates';

type HttpDefinition = Extract<FunctionDefinition, { kind: 'http' }>;

/** Like the Functions host's default request limit, so oversize bodies reach the handler's own check. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

/**
 * Turns a Node request into the @azure/functions HttpRequest the handler
 * expects, and its HttpResponseInit back into a Node response, so handlers run
 * exactly as in the Functions host.
 */
export async function dispatchHttp(
  definitions: readonly HttpDefinition[],
  req: IncomingMessage,
  res: ServerResponse,
  baseUrl: string,
  logHandler: (functionName: string) => (level: string, ...args: unknown[]) => void,
  /** Required, as by the Functions host, on routes whose authLevel is not `anonymous`. */
  functionKey?: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', baseUrl);
  if (!url.pathname.startsWith('/api/')) return send(res, { status: 404, jsonBody: { error: 'not found' } });
  const path = url.pathname.slice('/api/'.length);
  const method = (req.method ?? 'GET').toUpperCase();
  let routeFound = false;
  for (const definition of definitions) {
    const match = matchRoute(definition.options.route ?? definition.name, path);
    if (!match) continue;
    routeFound = true;
    const methods = definition.options.methods ?? ['GET', 'POST'];
    if (!methods.includes(method as (typeof methods)[number])) continue;
    const authLevel = definition.options.authLevel ?? 'anonymous';
    if (authLevel !== 'anonymous' && !presentsKey(req, url, functionKey)) {
      return send(res, { status: 401 });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, { status: 413, jsonBody: { error: 'body too large' } });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
      else if (Array.isArray(value)) headers[name] = value.join(', ');
    }
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params: match.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      functionName: definition.name,
      logHandler: logHandler(definition.name),
    });
    const handler = definition.options.handler as HttpHandler;
    let response: HttpResponseInit;
    try {
      response = (await handler(request, context)) ?? { status: 204 };
    } catch (error) {
      logHandler(definition.name)(
        'error',
        'handler threw',
        error instanceof Error ? error.message : String(error),
      );
      response = { status: 500, jsonBody: { error: 'internal error' } };
    }
    return send(res, response);
  }
  return send(res, {
    status: routeFound ? 405 : 404,
    jsonBody: { error: routeFound ? 'method not allowed' : 'not found' },
  });
}

/** `x-functions-key` header or `code` query, as the Functions host accepts; compared in constant time. */
function presentsKey(req: IncomingMessage, url: URL, functionKey: string | undefined): boolean {
  if (!functionKey) return false;
  const header = req.headers['x-functions-key'];
  const given = (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('code');
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(functionKey));
}

async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_READ_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, response: HttpResponseInit): Promise<void> {
  const headers = new Headers(response.headers as ConstructorParameters<typeof Headers>[0]);
  let body: string | Uint8Array | undefined;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  } else if (typeof response.body === 'string') {
    body = response.body;
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
  } else if (response.body instanceof Uint8Array) {
    body = response.body;
  }
  res.statusCode = response.status ?? 200;
  headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  res.end(body);
}
