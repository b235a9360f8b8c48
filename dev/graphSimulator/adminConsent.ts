// Entra ID's v2.0 admin consent endpoint (`/{tenant}/v2.0/adminconsent`),
// minus the sign-in page: the answer the "admin" gives is set beforehand,
// and the browser is sent straight back to the redirect URI with Microsoft's
// parameters, as after a real consent screen. The "admin" stays signed in,
// so the OpenID Connect sign-in that follows (signIn.ts) is theirs.

import type { Directory } from './directory';
import { graphError, type SimRequest, type SimResponse } from './exchange';
import { PRODUCT_PERMISSIONS } from './permissions';
import type { SignInAnswer } from './signIn';

export type AdminConsentAnswer =
  | { kind: 'grant'; tenantId: string }
  | { kind: 'error'; error: string; description: string };

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
      return answer.kind === 'grant' ? { kind: 'signIn', tenantId: answer.tenantId } : answer;
    },
    handle(request) {
      if (request.method !== 'GET') return graphError(405, 'BadRequest', 'Use GET.');
      const clientId = request.query.get('client_id');
      const redirectUri = request.query.get('redirect_uri');
      const scope = request.query.get('scope');
      if (!clientId || !redirectUri || !scope) {
        return graphError(400, 'invalid_request', 'client_id, redirect_uri and scope are required.');
      }
      if (!answer) return graphError(400, 'invalid_request', 'No admin answer set (answerAdminConsent).');
      const back = new URL(redirectUri);
      const state = request.query.get('state');
      if (answer.kind === 'error') {
        back.searchParams.set('error', answer.error);
        back.searchParams.set('error_description', answer.description);
      } else {
        const tenant = directory.tenant(answer.tenantId);
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
