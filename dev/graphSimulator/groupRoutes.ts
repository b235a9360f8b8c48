// Entra security groups and their direct members (`GET /groups/{id}/members`),
// paged like Graph with `$top` and an opaque `$skiptoken` in `@odata.nextLink`.
// Members are user ids; only users of the group's tenant are listed.

import { graphError, json, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';

export interface Groups {
  set(tenantId: string, group: { id: string; displayName?: string; memberIds: string[] }): void;
  members(context: GraphContext, groupId: string): SimResponse;
  /** The group's direct member ids, or undefined for an unknown group. */
  memberIds(groupId: string): readonly string[] | undefined;
}

const DEFAULT_PAGE = 100;

export function createGroups(): Groups {
  const groups = new Map<string, { tenantId: string; displayName: string; memberIds: string[] }>();
  return {
    set(tenantId, group) {
      groups.set(group.id.toLowerCase(), {
        tenantId,
        displayName: group.displayName ?? group.id,
        memberIds: [...group.memberIds],
      });
    },
    memberIds: (groupId) => groups.get(groupId.toLowerCase())?.memberIds,
    members(context, groupId) {
      const group = groups.get(groupId.toLowerCase());
      if (!group || group.tenantId !== context.tenantId) {
        return graphError(404, 'Request_ResourceNotFound', `Resource '${groupId}' does not exist.`);
      }
      const top = Math.min(
        999,
        Math.max(1, Number(context.request.query.get('$top') ?? DEFAULT_PAGE) || DEFAULT_PAGE),
      );
      const offset = Math.max(0, Number(context.request.query.get('$skiptoken') ?? '0') || 0);
      const page = group.memberIds.slice(offset, offset + top).flatMap((id) => {
        const user = context.directory.findUser(id);
        return user && user.tenantId === group.tenantId
          ? [
              {
                '@odata.type': '#microsoft.graph.user',
                id: user.id,
                userPrincipalName: user.userPrincipalName,
                mail: user.mail,
                displayName: user.displayName,
              },
            ]
          : [];
      });
      const next = offset + top < group.memberIds.length;
      return json(200, {
        '@odata.context': `${context.graphBaseUrl}/$metadata#directoryObjects`,
        value: page,
        ...(next
          ? {
              '@odata.nextLink': `${context.graphBaseUrl}/groups/${encodeURIComponent(groupId)}/members?$top=${top}&$skiptoken=${offset + top}`,
            }
          : {}),
      });
    },
  };
}
