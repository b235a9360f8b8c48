// The admin consent link and Microsoft's redirect back. Both are anonymous
// (the customer's admin has no key; App Service Authentication excludes
// /api/consent and /api/consent/*): the link only redirects, and the callback
// believes nothing before the signed state checks out.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { failureForLog } from '../shared/logger';
import {
  type ConsentDeps,
  type ConsentOutcome,
  completeConsent,
  consentCallbackQuerySchema,
  consentRedirect,
} from '../shared/onboarding/consentFlow';
import { getRuntime } from '../shared/runtime';
import { consentPage, pageLanguage } from './http/consentPages';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';
import { routeIdProblem } from './http/routeIds';

async function consentDeps(context: InvocationContext): Promise<ConsentDeps> {
  return (await getRuntime()).consent(invocationLogger(context));
}

function page(
  request: HttpRequest,
  outcome: ConsentOutcome | { kind: 'unknownIntegration' },
): HttpResponseInit {
  const { status, html } = consentPage(outcome, pageLanguage(request.headers.get('accept-language')));
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'Content-Language': pageLanguage(request.headers.get('accept-language')),
    },
    body: html,
  };
}

export async function consentLink(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const id = request.params.integrationId ?? '';
  if (routeIdProblem(request.params)) return page(request, { kind: 'unknownIntegration' });
  try {
    const link = await consentRedirect(id, await consentDeps(context));
    if (link.kind === 'unknownIntegration') return page(request, link);
    if (link.kind === 'scopedModeUnavailable')
      return page(request, { kind: 'failed', code: 'scoped_mode_not_deployed' });
    return { status: 302, headers: { Location: link.location, 'Cache-Control': 'no-store' } };
  } catch (error) {
    invocationLogger(context).error('consent link failed', failureForLog(error));
    return page(request, { kind: 'failed', code: 'service_error' });
  }
}

export async function consentCallback(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const query = consentCallbackQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
  if (!query.success) return page(request, { kind: 'invalidLink' });
  try {
    return page(request, await completeConsent(query.data, await consentDeps(context)));
  } catch (error) {
    invocationLogger(context).error('consent callback failed', failureForLog(error));
    return page(request, { kind: 'failed', code: 'service_error' });
  }
}

// Registered before the link: the local host matches in order, and Azure prefers the literal segment anyway.
registerHttp('consentCallback', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'consent/callback',
  handler: consentCallback,
});

registerHttp('consentLink', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'consent/{integrationId}',
  handler: consentLink,
});
