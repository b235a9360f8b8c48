// Call-centre booking as the operator manages it: turning it on for a
// Microsoft 365 integration with the group whose members may be booked,
// minting and revoking the call centre's key, and the booking log for the
// console. The call centre's own API (shared/booking/) reads what is saved
// here; nothing here books anything.
//
// Turning booking off keeps the group and the keys, with `enabled: false`:
// the booking API then refuses every call, and turning it back on works with
// the keys the call centre already has. Taking a key away is its own action
// (revoke), so a pause is never mistaken for a key that leaked.

import type { Client } from '@microsoft/microsoft-graph-client';
import {
  bookingCredentialId,
  revokedBookingCredential,
  rotateBookingCredential,
} from '../booking/bookingCredential';
import type { BookingLogEntry } from '../booking/bookingLogEntry';
import { isExchangeServer } from '../exchange/exchangeServerIntegration';
import { classifyGraphError } from '../graph/graphErrors';
import { type GroupKind, readGroupKind } from '../graph/groups';
import { tenantRefusal } from '../graph/tenantAccess';
import type { Logger } from '../logger';
import { conflict, invalid, type Outcome, ok, type Refusal } from '../outcome';
import { integrationRow, optimisticUpdate } from '../storage/optimisticUpdate';
import type { BookingSettings, IntegrationRecord } from '../storage/records';
import type { Repositories } from '../storage/repositories';
import type { BookingCredentialInput, BookingSettingsInput } from './managementSchemas';
import { keptChanging, noIntegration } from './refusals';

export interface BookingSettingsDeps {
  repos: Pick<Repositories, 'integrations' | 'bookingLog'>;
  graphFor(integration: IntegrationRecord): Client;
  now: () => Date;
  log: Logger;
}

/** The call centre's key as the operator sees it: whether there is one and its short name, never the key or its hash. */
export interface BookingCredentialView {
  set: boolean;
  /** `bookingCredentialId` of the current key's hash: the name the booking log gives it. */
  credentialId?: string;
  credentialSetAt?: string;
  /** The key a rotation replaced, while it still works. */
  previousCredentialId?: string;
  previousValidUntil?: string;
}

/** GET and PUT …/booking. */
export interface BookingSettingsView {
  integrationId: string;
  enabled: boolean;
  groupId?: string;
  /** As Graph named the group when it was last checked. */
  groupDisplayName?: string;
  credential: BookingCredentialView;
}

/** POST …/booking/credential: the key, this once. */
export interface MintedBookingKey {
  key: string;
  credentialId: string;
  credentialSetAt: string;
  /** Present when the replaced key keeps working for a while (`overlap`). */
  previousValidUntil?: string;
}

/** GET …/booking/log. */
export interface BookingLogView {
  entries: BookingLogEntry[];
}

/** Graph's limit on a group's displayName; the stored copy never exceeds it. */
const DISPLAY_NAME_MAX = 256;

const exchangeServerRefusal = (id: string): Refusal =>
  conflict(
    `integration ${id} reads Exchange Server over EWS: booking writes through Microsoft Graph, so it is for Microsoft 365 integrations only`,
  );

export function bookingSettingsView(record: IntegrationRecord, now: Date): BookingSettingsView {
  const booking = record.booking;
  const previousLive =
    booking?.previousCredentialHash !== undefined &&
    booking.previousCredentialUntil !== undefined &&
    Date.parse(booking.previousCredentialUntil) > now.getTime();
  return {
    integrationId: record.id,
    enabled: booking?.enabled === true,
    ...(booking?.groupId ? { groupId: booking.groupId } : {}),
    ...(booking?.groupDisplayName ? { groupDisplayName: booking.groupDisplayName } : {}),
    credential: {
      set: booking?.credentialHash !== undefined,
      ...(booking?.credentialHash ? { credentialId: bookingCredentialId(booking.credentialHash) } : {}),
      ...(booking?.credentialSetAt ? { credentialSetAt: booking.credentialSetAt } : {}),
      ...(previousLive && booking?.previousCredentialHash && booking.previousCredentialUntil
        ? {
            previousCredentialId: bookingCredentialId(booking.previousCredentialHash),
            previousValidUntil: booking.previousCredentialUntil,
          }
        : {}),
    },
  };
}

export async function readBookingSettings(
  integrationId: string,
  deps: Pick<BookingSettingsDeps, 'repos' | 'now'>,
): Promise<Outcome<BookingSettingsView>> {
  const stored = await deps.repos.integrations.get(integrationId);
  if (!stored) return noIntegration(integrationId);
  return ok(bookingSettingsView(stored.value, deps.now()));
}

/**
 * Turns booking on or off. On needs consent granted and a group (the one
 * given, or the one saved before); whenever a group is given or booking is
 * turned on, Graph is asked that it exists and is a mail-enabled security
 * group, the only kind an Exchange management scope on group membership
 * takes (docs/microsoft-365-admin.md). Off needs nothing and keeps the rest.
 */
export async function changeBookingSettings(
  integrationId: string,
  input: BookingSettingsInput,
  deps: BookingSettingsDeps,
): Promise<Outcome<BookingSettingsView>> {
  const stored = (await deps.repos.integrations.get(integrationId))?.value;
  if (!stored) return noIntegration(integrationId);
  if (isExchangeServer(stored)) return exchangeServerRefusal(integrationId);
  if (input.enabled && (stored.consentState !== 'granted' || !stored.tenantId)) {
    return conflict(
      'the Microsoft 365 admin has not granted consent (or it was withdrawn): booking can be turned on once it is granted',
    );
  }
  const groupId = input.groupId?.toLowerCase() ?? stored.booking?.groupId;
  if (input.enabled && !groupId) {
    return invalid(
      'turning booking on needs groupId: the mail-enabled security group whose members the call centre may book',
      'groupId',
    );
  }
  let checked: GroupKind | undefined;
  if (groupId && (input.enabled || input.groupId !== undefined)) {
    const group = await checkBookingGroup(stored, groupId, deps);
    if (group.kind !== 'ok') return group;
    checked = group.value;
  }
  const nowIso = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current) => {
      const {
        groupId: _group,
        groupDisplayName: _name,
        ...rest
      }: BookingSettings = current.booking ?? {
        enabled: false,
      };
      const displayName = checked ? checked.displayName : current.booking?.groupDisplayName;
      const next: BookingSettings = {
        ...rest,
        enabled: input.enabled,
        ...(groupId ? { groupId } : {}),
        ...(groupId && displayName ? { groupDisplayName: displayName.slice(0, DISPLAY_NAME_MAX) } : {}),
      };
      return { ...current, booking: next, updatedAt: nowIso };
    },
  );
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  deps.log.info('booking settings changed', { integrationId, enabled: input.enabled, groupId });
  return ok(bookingSettingsView(outcome.value, deps.now()));
}

/** The group as Graph has it, or why it cannot be the booking group. */
async function checkBookingGroup(
  integration: IntegrationRecord,
  groupId: string,
  deps: BookingSettingsDeps,
): Promise<Outcome<GroupKind>> {
  let group: GroupKind | undefined;
  try {
    group = await readGroupKind(deps.graphFor(integration), groupId);
  } catch (error) {
    const refused = tenantRefusal(error);
    if (refused) {
      return conflict(
        `Entra ID refuses the app for this tenant (${refused.code}): the admin has to consent again before booking can be set up`,
      );
    }
    const failure = classifyGraphError(error);
    if (failure?.kind === 'accessDenied') {
      return conflict(
        'the app may not read groups in this tenant: the admin has to grant GroupMember.Read.All (docs/microsoft-365-admin.md)',
      );
    }
    if (failure?.kind === 'throttled') return conflict('Microsoft Graph is busy (throttled); try again');
    throw error;
  }
  if (!group) return invalid(`no group ${groupId} in the integration's tenant`, 'groupId');
  // https://learn.microsoft.com/graph/api/resources/groups-overview: a mail-enabled security group is both.
  if (!(group.securityEnabled && group.mailEnabled)) {
    return invalid(
      `group ${groupId} is not a mail-enabled security group (mailEnabled ${group.mailEnabled}, securityEnabled ${group.securityEnabled}); the Exchange management scope that limits booking needs one`,
      'groupId',
    );
  }
  return ok(group);
}

/**
 * A new key for the call centre, replacing the current one: at once, or with
 * `overlap` after a day (shared/booking/bookingCredential.ts). Booking need
 * not be on, so the key can reach the call centre before it starts.
 */
export async function issueBookingKey(
  integrationId: string,
  input: BookingCredentialInput,
  deps: Pick<BookingSettingsDeps, 'repos' | 'now' | 'log'>,
): Promise<Outcome<MintedBookingKey>> {
  const stored = (await deps.repos.integrations.get(integrationId))?.value;
  if (!stored) return noIntegration(integrationId);
  if (isExchangeServer(stored)) return exchangeServerRefusal(integrationId);
  const now = deps.now();
  // Set by every round; the round whose write landed is the last one.
  let minted: MintedBookingKey | undefined;
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current) => {
      if (isExchangeServer(current)) return undefined;
      const rotated = rotateBookingCredential(integrationId, current.booking ?? { enabled: false }, now, {
        overlap: input.overlap === true,
      });
      const { credentialHash, credentialSetAt, previousCredentialUntil } = rotated.state;
      minted = {
        key: rotated.key,
        credentialId: bookingCredentialId(credentialHash ?? ''),
        credentialSetAt: credentialSetAt ?? now.toISOString(),
        ...(previousCredentialUntil ? { previousValidUntil: previousCredentialUntil } : {}),
      };
      return { ...current, booking: rotated.state, updatedAt: now.toISOString() };
    },
  );
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (outcome.kind === 'unchanged' || !minted) return exchangeServerRefusal(integrationId);
  // That it happened and the key's short name, never the key nor its hash.
  deps.log.info('booking key minted', {
    integrationId,
    credentialId: minted.credentialId,
    overlap: minted.previousValidUntil !== undefined,
  });
  return ok(minted);
}

/** Every key of the integration stops working at once; booking stays as it is (on or off). */
export async function revokeBookingKeys(
  integrationId: string,
  deps: Pick<BookingSettingsDeps, 'repos' | 'now' | 'log'>,
): Promise<Outcome<{ revoked: boolean }>> {
  const stored = (await deps.repos.integrations.get(integrationId))?.value;
  if (!stored) return noIntegration(integrationId);
  if (isExchangeServer(stored)) return exchangeServerRefusal(integrationId);
  const nowIso = deps.now().toISOString();
  const outcome = await optimisticUpdate(
    integrationRow(deps.repos.integrations, integrationId),
    (current) => {
      const booking = current.booking;
      if (
        !booking ||
        (booking.credentialHash === undefined && booking.previousCredentialHash === undefined)
      ) {
        return undefined;
      }
      return { ...current, booking: revokedBookingCredential(booking), updatedAt: nowIso };
    },
  );
  if (outcome.kind === 'notFound') return noIntegration(integrationId);
  if (outcome.kind === 'conflict') return keptChanging('integration');
  if (outcome.kind === 'updated') deps.log.info('booking keys revoked', { integrationId });
  return ok({ revoked: outcome.kind === 'updated' });
}

/** The newest lines of the integration's booking log, newest first, for the console. */
export async function readBookingLog(
  integrationId: string,
  limit: number,
  deps: Pick<BookingSettingsDeps, 'repos'>,
): Promise<Outcome<BookingLogView>> {
  if (!(await deps.repos.integrations.get(integrationId))) return noIntegration(integrationId);
  return ok({ entries: await deps.repos.bookingLog.listRecent(integrationId, limit) });
}
