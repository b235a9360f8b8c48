// The admin consent link and Microsoft's redirects back. Both are anonymous
// (the customer's admin has no key; App Service Authentication excludes
// /api/consent and /api/consent/*): a link is an operator-minted token, and
// anything that is not a live one gets the same neutral page; the callback
// believes nothing before it has burned a stored single-use state.

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { failureForLog } from '../shared/logger';
import {
  type ConsentDeps,
  type ConsentOutcome,
  completeConsent,
  consentCallbackQuerySchema,
  openConsentLink,
} from '../shared/onboarding/consentFlow';
import { getRuntime } from '../shared/runtime';
import { consentPage, pageLanguage } from './http/consentPages';
import { registerHttp } from './http/functionRegistry';
import { invocationLogger } from './http/invocationLogger';

async function consentDeps(context: InvocationContext): Promise<ConsentDeps> {
  return (await getRuntime()).consent(invocationLogger(context));
}

function page(request: HttpRequest, outcome: Exclude<ConsentOutcome, { kind: 'signIn' }>): HttpResponseInit {
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
  try {
    const link = await openConsentLink(request.params.token ?? '', await consentDeps(context));
    if (link.kind === 'invalidLink') return page(request, link);
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
    const outcome = await completeConsent(query.data, await consentDeps(context));
    if (outcome.kind === 'signIn') {
      return { status: 302, headers: { Location: outcome.location, 'Cache-Control': 'no-store' } };
    }
    return page(request, outcome);
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
  route: 'consent/{token}',
  handler: consentLink,
});
