// Entra ID's v2.0 admin consent endpoint (`/{tenant}/v2.0/adminconsent`),
// minus the sign-in page. Tests set the answer the "admin" gives beforehand,
// and the browser is sent straight back to the redirect URI with Microsoft's
// parameters, as after a real consent screen. With `ask` (what `npm start`
// uses) a consent page lets a person Accept or Cancel for that tenant, posting
// the choice back here. The "admin" stays signed in, so the OpenID Connect
// sign-in that follows (signIn.ts) is theirs.
// (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent)

import type { Directory } from './directory';
import { graphError, type SimRequest, type SimResponse } from './exchange';
import { PRODUCT_PERMISSIONS } from './permissions';
import type { SignInAnswer } from './signIn';

export type AdminConsentAnswer =
  | { kind: 'grant'; tenantId: string }
  | { kind: 'error'; error: string; description: string }
  /** Show a consent page; Accept grants for this tenant, Cancel answers as Entra does. */
  | { kind: 'ask'; tenantId: string };

/**
 * What Entra sends back when the admin presses Cancel on the consent screen
 * (AADSTS65004, "the resource owner declined"), with `admin_consent=True`
 * because it was the admin consent endpoint that asked.
 */
export const CONSENT_CANCELLED = {
  error: 'consent_required',
  description: 'AADSTS65004: User declined to consent to access the app.',
} as const;

export interface AdminConsent {
  answerWith(answer: AdminConsentAnswer): void;
  handle(request: SimRequest): SimResponse;
  /** The same browser then signs in: as the admin who granted, or with the same error. */
  signInAnswer(): SignInAnswer | undefined;
}

export function createAdminConsent(directory: Directory): AdminConsent {
  let answer: AdminConsentAnswer | undefined;
  return {
    answerWith(next) {
      answer = next;
    },
    signInAnswer() {
      if (!answer) return undefined;
      return answer.kind === 'error' ? answer : { kind: 'signIn', tenantId: answer.tenantId };
    },
    handle(request) {
      const posted = request.method === 'POST' && answer?.kind === 'ask';
      if (request.method !== 'GET' && !posted) return graphError(405, 'BadRequest', 'Use GET.');
      const params = posted ? new URLSearchParams(request.bodyText) : request.query;
      const clientId = params.get('client_id');
      const redirectUri = params.get('redirect_uri');
      const scope = params.get('scope');
      if (!clientId || !redirectUri || !scope) {
        return graphError(400, 'invalid_request', 'client_id, redirect_uri and scope are required.');
      }
      if (!answer) return graphError(400, 'invalid_request', 'No admin answer set (answerAdminConsent).');
      const state = params.get('state');
      if (answer.kind === 'ask' && !posted) return consentPage(request.path, answer.tenantId, params);
      const cancelled = answer.kind === 'ask' && params.get('answer') !== 'accept';
      const choice: AdminConsentAnswer =
        answer.kind !== 'ask'
          ? answer
          : cancelled
            ? { kind: 'error', ...CONSENT_CANCELLED }
            : { kind: 'grant', tenantId: answer.tenantId };
      const back = new URL(redirectUri);
      if (choice.kind === 'error') {
        back.searchParams.set('error', choice.error);
        back.searchParams.set('error_description', choice.description);
        if (cancelled) back.searchParams.set('admin_consent', 'True');
      } else if (choice.kind === 'grant') {
        const tenant = directory.tenant(choice.tenantId);
        if (!tenant || tenant.clientId !== clientId) {
          back.searchParams.set('error', 'unauthorized_client');
          back.searchParams.set(
            'error_description',
            `AADSTS700016: Application '${clientId}' was not found.`,
          );
        } else {
          directory.setConsent(tenant.id, true);
          // `/.default` grants every permission the app registration lists.
          directory.setApplicationPermissions(tenant.id, PRODUCT_PERMISSIONS);
          back.searchParams.set('admin_consent', 'True');
          back.searchParams.set('tenant', tenant.id);
          back.searchParams.set('scope', scope);
        }
      }
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, headers: { Location: back.toString() } };
    },
  };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Entra's consent screen, reduced to what a person decides on: the permissions asked for, Accept or Cancel. */
function consentPage(path: string, tenantId: string, query: URLSearchParams): SimResponse {
  const hidden = ['client_id', 'redirect_uri', 'scope', 'state']
    .flatMap((name) => {
      const value = query.get(name);
      return value === null ? [] : [`<input type="hidden" name="${name}" value="${escapeHtml(value)}">`];
    })
    .join('\n      ');
  const permissions = (query.get('scope') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((scope) => `<li>${escapeHtml(scope)}</li>`)
    .join('');
  const body = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Permissions requested</title></head>
  <body>
    <h1>Permissions requested</h1>
    <p>Graph simulator: signed in as the admin of tenant <code>${escapeHtml(tenantId)}</code>.</p>
    <p>The application <code>${escapeHtml(query.get('client_id') ?? '')}</code> asks for, on behalf of your organization:</p>
    <ul>${permissions}</ul>
    <form method="post" action="${escapeHtml(path)}">
      ${hidden}
      <button type="submit" name="answer" value="accept">Accept</button>
      <button type="submit" name="answer" value="cancel">Cancel</button>
    </form>
  </body>
</html>
`;
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}
