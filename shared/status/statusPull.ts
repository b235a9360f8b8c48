// The PBX asks for a user's status (the pull endpoint, functions/pbxStatus.ts)
// with the integration's own API key, so a PBX that restarts need not wait for
// a snapshot. The key is checked before anything else is looked at, and every
// way of failing that check (no key, a malformed one, an unknown integration,
// no key minted, a wrong key) answers the same and does the same work, so a
// caller cannot tell an integration that exists from one that does not.

import { idLengthProblem, USER_ID_MAX_LENGTH } from '../domain/identifiers';
import { parseMailAddress } from '../domain/mailAddress';
import { conflict, invalid, notFound, type Refusal } from '../outcome';
import { integrationOfPbxApiKey, pbxApiKeyMatches } from '../pbx/pbxApiKey';
import type { AbsenceRepository, IntegrationRepository, UserRepository } from '../storage/repositories';
import { STATUS_VIEW_MAX_DAYS, type UserStatusView, userStatusView } from './userStatusView';

export interface StatusPullDeps {
  integrations: Pick<IntegrationRepository, 'get'>;
  users: Pick<UserRepository, 'get' | 'findIdByEmail'>;
  absences: Pick<AbsenceRepository, 'listForUser'>;
  now: () => Date;
}

export interface StatusPullRequest {
  /** The bearer token as presented; undefined without one. */
  key: string | undefined;
  /** A user's Graph object id, or their e-mail address (anything with an `@`). */
  user: string;
  /** The `days` query parameter as given; undefined without one. */
  days: string | undefined;
}

export type StatusPullResult =
  | { kind: 'found'; view: UserStatusView }
  /** The key does not open this integration; nothing more is said. */
  | { kind: 'unauthorized' }
  | Refusal;

const DAYS = /^[0-9]{1,3}$/;

export async function pullUserStatus(
  request: StatusPullRequest,
  deps: StatusPullDeps,
): Promise<StatusPullResult> {
  const key = request.key ?? '';
  const integrationId = integrationOfPbxApiKey(key);
  // Read fresh: a key replaced or revoked on another instance must stop here at once.
  const stored = integrationId ? await deps.integrations.get(integrationId, { fresh: true }) : undefined;
  if (!pbxApiKeyMatches(key, stored?.value.pbxApiKey?.hash) || !stored) return { kind: 'unauthorized' };
  const integration = stored.value;
  if (!integration.active) {
    return conflict(
      'the integration is inactive: its calendars are not followed, so there is no status to give',
    );
  }
  let days: number | undefined;
  if (request.days !== undefined) {
    days = DAYS.test(request.days) ? Number(request.days) : Number.NaN;
    if (!(days >= 1 && days <= STATUS_VIEW_MAX_DAYS)) {
      return invalid(`days must be a whole number from 1 to ${STATUS_VIEW_MAX_DAYS}`, 'days');
    }
  }
  let userId: string | undefined = request.user;
  if (request.user.includes('@')) {
    const address = parseMailAddress(request.user);
    if (address.kind === 'refused') return invalid(address.reason, 'user');
    userId = await deps.users.findIdByEmail(integration.id, address.address);
  } else {
    // It becomes a table key: one that cannot be is the caller's mistake, not a storage error.
    const problem = idLengthProblem('user', request.user, USER_ID_MAX_LENGTH);
    if (problem) return invalid(problem, 'user');
  }
  if (userId === undefined) return notFound('no such user');
  return userStatusView(
    integration.id,
    userId,
    // The row just read: the view needs it too, and a second read could see another one.
    { ...deps, integrations: { get: async () => stored } },
    days,
  );
}
