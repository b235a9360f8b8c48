// Who the call centre may book: the direct members of the integration's
// booking group, the same set the Exchange admin's management scope names
// ("MemberOfGroup" matches direct members only,
// https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
// A mailbox outside it is refused here, before any Graph write is tried, so
// the call centre hears why instead of a 403 from Exchange. The member list
// is read with Graph (GroupMember.Read.All, which the group-following
// feature asks for too) and kept per instance for a few minutes: a call
// centre asks about the same people all day, and Exchange itself takes 30
// minutes to 2 hours to apply a change of the group to the scope.
import type { Client } from '@microsoft/microsoft-graph-client';
import { type GroupMember, listGroupMembers } from '../graph/groups';

export const BOOKING_GROUP_CACHE_MS = 5 * 60_000;

export interface BookableMailbox {
  /** Graph user id. */
  userId: string;
  /** The address the call centre used (lower-case form). */
  address: string;
}

export type BookableLookup =
  | { kind: 'member'; mailbox: BookableMailbox }
  | { kind: 'outsideGroup'; address: string };

export interface BookingGroupMembers {
  /** Each address as a member of the group, or refused as outside it. */
  lookup(
    integrationId: string,
    groupId: string,
    client: Client,
    addresses: readonly string[],
  ): Promise<BookableLookup[]>;
}

interface Cached {
  at: number;
  groupId: string;
  byAddress: Map<string, GroupMember>;
}

export function bookingGroupMembers(graphBaseUrl: string, now: () => Date): BookingGroupMembers {
  const cache = new Map<string, Cached>();
  async function membersOf(integrationId: string, groupId: string, client: Client): Promise<Cached> {
    const at = now().getTime();
    const kept = cache.get(integrationId);
    if (kept && kept.groupId === groupId && at - kept.at < BOOKING_GROUP_CACHE_MS) return kept;
    const members = await listGroupMembers(client, graphBaseUrl, groupId);
    const fresh: Cached = {
      at,
      groupId,
      byAddress: new Map(members.map((member) => [member.address.toLowerCase(), member])),
    };
    cache.set(integrationId, fresh);
    return fresh;
  }
  return {
    async lookup(integrationId, groupId, client, addresses) {
      const { byAddress } = await membersOf(integrationId, groupId, client);
      return addresses.map((address): BookableLookup => {
        const member = byAddress.get(address.toLowerCase());
        return member
          ? { kind: 'member', mailbox: { userId: member.id, address } }
          : { kind: 'outsideGroup', address };
      });
    },
  };
}
