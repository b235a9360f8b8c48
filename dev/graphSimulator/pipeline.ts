// What happens to every request, whether it came over HTTP or inside a
// `$batch`: token endpoint, admin consent and sign-in, the managed-identity
// endpoint, or Graph (auth, then faults, then the route), then the log.

import type { AccessTokens } from './accessTokens';
import type { AdminConsent } from './adminConsent';
import { runBatch } from './batchRoute';
import type { Directory } from './directory';
import { graphError, type SimRequest, type SimResponse } from './exchange';
import type { FaultInjector } from './faults';
import type { createGraphRouter } from './graphRoutes';
import type { MailboxScopes } from './mailboxScopes';
import type { LoggedRequest } from './requestLog';
import type { SignIn } from './signIn';
import type { WorkloadIdentity } from './workloadIdentity';

export interface PipelineParts {
  directory: Directory;
  tokens: AccessTokens;
  adminConsent: AdminConsent;
  signIn: SignIn;
  workload: WorkloadIdentity;
  faults: FaultInjector;
  route: ReturnType<typeof createGraphRouter>;
  scopes: MailboxScopes;
  /** RBAC for Applications' scope of `Application Calendars.ReadWrite`, checked after `scopes`. */
  writeScopes: MailboxScopes;
  /** Whether the tenant's event writes are the app's own (permission-checked) rather than the owner's. */
  appEventWrites: (tenantId: string) => boolean;
  graphBaseUrl: () => string;
  log: (entry: LoggedRequest) => void;
}

const target = (request: SimRequest) => `${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}`;

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i;
const ADMIN_CONSENT_PATH = /^\/[^/]+\/v2\.0\/adminconsent$/i;
const AUTHORIZE_PATH = /^\/[^/]+\/oauth2\/v2\.0\/authorize$/i;
const KEYS_PATH = /^\/[^/]+\/discovery\/v2\.0\/keys$/i;
const GRAPH_PREFIX = '/v1.0';
/** Where IDENTITY_ENDPOINT points (App Service serves it on a local address too). */
export const MANAGED_IDENTITY_PATH = '/msi/token';

export function createPipeline(parts: PipelineParts) {
  const respond = async (request: SimRequest, inBatch: boolean): Promise<SimResponse> => {
    const tokenPath = TOKEN_PATH.exec(request.path);
    if (tokenPath?.[1] && !inBatch) {
      if (request.method !== 'POST') return graphError(405, 'BadRequest', 'Use POST.');
      if (new URLSearchParams(request.bodyText).get('grant_type') === 'authorization_code') {
        return parts.signIn.redeem(request);
      }
      return parts.tokens.handleTokenRequest(decodeURIComponent(tokenPath[1]), request);
    }
    if (ADMIN_CONSENT_PATH.test(request.path) && !inBatch) return parts.adminConsent.handle(request);
    if (AUTHORIZE_PATH.test(request.path) && !inBatch) {
      return parts.signIn.authorize(request, parts.adminConsent.signInAnswer());
    }
    if (KEYS_PATH.test(request.path) && !inBatch) return parts.signIn.keys();
    if (request.path.toLowerCase() === MANAGED_IDENTITY_PATH && !inBatch) {
      return parts.workload.handleIdentityRequest(request);
    }
    if (!request.path.toLowerCase().startsWith(`${GRAPH_PREFIX}/`)) {
      return graphError(404, 'NotFound', `No such endpoint: ${request.path}`);
    }
    const bearer = parts.tokens.verifyBearer(request);
    if (!bearer.ok) return bearer.response;
    const fault = parts.faults.interceptRequest(target(request));
    if (fault) return fault;
    const graphPath = request.path.slice(GRAPH_PREFIX.length);
    // A tenant-wide Calendars.ReadWrite consent writes past any RBAC write scope (the grants add up, mailboxScopes.ts).
    const writesEverywhere = bearer.roles.has('Calendars.ReadWrite');
    const outOfScope =
      parts.scopes.refusal(bearer.tenantId, graphPath, request) ??
      (writesEverywhere ? undefined : parts.writeScopes.refusal(bearer.tenantId, graphPath, request));
    if (outOfScope) return outOfScope;
    const grantedByRbac = parts.writeScopes.grants(bearer.tenantId, graphPath, request);
    if (/^\/\$batch$/i.test(graphPath)) {
      if (inBatch) return graphError(400, 'BadRequest', 'A batch cannot contain a batch.');
      if (request.method !== 'POST') return graphError(405, 'BadRequest', 'Use POST.');
      return runBatch(request, (item) => logged(item, true));
    }
    return parts.route(
      {
        request,
        tenantId: bearer.tenantId,
        roles: bearer.roles,
        graphBaseUrl: parts.graphBaseUrl(),
        directory: parts.directory,
        // Inside the RBAC write scope the assignment stands in for the token's role.
        appEventWrites: parts.appEventWrites(bearer.tenantId) && !grantedByRbac,
      },
      graphPath,
    );
  };

  const logged = async (request: SimRequest, inBatch: boolean): Promise<SimResponse> => {
    let response: SimResponse;
    try {
      response = await respond(request, inBatch);
    } catch (error) {
      // A simulator bug must show up as a Graph-shaped 500, not a hung socket.
      response = graphError(
        500,
        'InternalServerError',
        error instanceof Error ? error.message : String(error),
      );
    }
    parts.log({ method: request.method, path: target(request), status: response.status });
    return response;
  };

  return (request: SimRequest) => logged(request, false);
}
