// Entra groups (`GET /groups/{id}`) and their direct members
// (`GET /groups/{id}/members`), paged like Graph with `$top` and an opaque
// `$skiptoken` in `@odata.nextLink`. Members are user ids; only users of the
// group's tenant are listed.
//
// A group's kind is told by three properties, named as Graph names them
// (https://learn.microsoft.com/graph/api/resources/group,
// https://learn.microsoft.com/graph/api/resources/groups-overview): a plain
// security group is `securityEnabled` and not `mailEnabled`, a mail-enabled
// security group is both, a distribution list only `mailEnabled`, and a
// Microsoft 365 group has `Unified` in `groupTypes`. Without them a group
// here is a plain security group, which is what the tests made before the
// properties existed.

import { graphError, json, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';

export interface SimGroupInput {
  id: string;
  displayName?: string;
  memberIds: string[];
  /** Default true. */
  securityEnabled?: boolean;
  /** Default false. */
  mailEnabled?: boolean;
  /** Default none: a security or distribution group, not a Microsoft 365 group. */
  groupTypes?: string[];
  /** The group's SMTP address; absent (null in answers) when not mail-enabled. */
  mail?: string;
}

interface SimGroup {
  tenantId: string;
  id: string;
  displayName: string;
  memberIds: string[];
  securityEnabled: boolean;
  mailEnabled: boolean;
  groupTypes: string[];
  mail: string | null;
}

export interface Groups {
  set(tenantId: string, group: SimGroupInput): void;
  /** GET /groups/{id}: the group's properties (`$select` honoured), 404 outside its tenant. */
  get(context: GraphContext, groupId: string): SimResponse;
  members(context: GraphContext, groupId: string): SimResponse;
  /** The group's direct member ids, or undefined for an unknown group. */
  memberIds(groupId: string): readonly string[] | undefined;
}

const DEFAULT_PAGE = 100;

export function createGroups(): Groups {
  const groups = new Map<string, SimGroup>();
  const notFound = (groupId: string) =>
    graphError(404, 'Request_ResourceNotFound', `Resource '${groupId}' does not exist.`);
  return {
    set(tenantId, group) {
      groups.set(group.id.toLowerCase(), {
        tenantId,
        id: group.id,
        displayName: group.displayName ?? group.id,
        memberIds: [...group.memberIds],
        securityEnabled: group.securityEnabled ?? true,
        mailEnabled: group.mailEnabled ?? false,
        groupTypes: [...(group.groupTypes ?? [])],
        mail: group.mail ?? null,
      });
    },
    memberIds: (groupId) => groups.get(groupId.toLowerCase())?.memberIds,
    get(context, groupId) {
      const group = groups.get(groupId.toLowerCase());
      if (!group || group.tenantId !== context.tenantId) return notFound(groupId);
      const properties: Record<string, unknown> = {
        id: group.id,
        displayName: group.displayName,
        groupTypes: group.groupTypes,
        mail: group.mail,
        mailEnabled: group.mailEnabled,
        securityEnabled: group.securityEnabled,
      };
      // $select answers the named properties only, as Graph does (unknown names are left out here).
      const selected = context.request.query
        .get('$select')
        ?.split(',')
        .map((name) => name.trim())
        .filter((name) => name in properties);
      const body = selected
        ? Object.fromEntries(selected.map((name) => [name, properties[name]]))
        : properties;
      return json(200, { '@odata.context': `${context.graphBaseUrl}/$metadata#groups/$entity`, ...body });
    },
    members(context, groupId) {
      const group = groups.get(groupId.toLowerCase());
      if (!group || group.tenantId !== context.tenantId) return notFound(groupId);
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
