// Entra groups as the service reads them: the members of a group an
// integration follows, and the kind of the group booking is scoped to.

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { relativeGraphPath } from './graphClient';
import { classifyGraphError } from './graphErrors';

const memberSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string().min(1),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});
const pageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

export interface GroupMember {
  id: string;
  address: string;
}

/** Bounds a runaway paging loop; far above any group a PBX customer follows. */
const MAX_PAGES = 200;

/**
 * The direct user members of a security group (GroupMember.Read.All), every
 * page. Devices, contacts and nested groups are skipped: only people have
 * calendars worth following.
 */
export async function listGroupMembers(
  client: Client,
  baseUrl: string,
  groupId: string,
): Promise<GroupMember[]> {
  const members: GroupMember[] = [];
  let path: string | undefined =
    `/groups/${encodeURIComponent(groupId)}/members?$select=id,mail,userPrincipalName&$top=999`;
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const raw: unknown = await client.api(path).get();
    const parsed = pageSchema.parse(raw);
    for (const item of parsed.value) {
      const member = memberSchema.safeParse(item);
      if (!member.success) continue;
      if (member.data['@odata.type'] && member.data['@odata.type'] !== '#microsoft.graph.user') continue;
      const address = member.data.mail ?? member.data.userPrincipalName;
      if (address) members.push({ id: member.data.id, address });
    }
    const next = parsed['@odata.nextLink'];
    path = next ? relativeGraphPath(next, baseUrl) : undefined;
  }
  return members;
}

const groupSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  mailEnabled: z.boolean().nullish(),
  securityEnabled: z.boolean().nullish(),
  groupTypes: z.array(z.string()).nullish(),
});

/** What booking needs to know of a group: whether it can be an Exchange management scope's group. */
export interface GroupKind {
  id: string;
  displayName?: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
}

/**
 * One group's kind by its id (https://learn.microsoft.com/graph/api/group-get:
 * Application `GroupMember.Read.All`, the permission the product already asks
 * for to follow a group). `mailEnabled`, `securityEnabled` and `groupTypes`
 * are returned by default; they are named in `$select` anyway so the answer
 * stays small. A group Graph does not know (404) is undefined; every other
 * failure is thrown for the caller to classify.
 */
export async function readGroupKind(client: Client, groupId: string): Promise<GroupKind | undefined> {
  let raw: unknown;
  try {
    raw = await client
      .api(`/groups/${encodeURIComponent(groupId)}`)
      .select(['id', 'displayName', 'mailEnabled', 'securityEnabled', 'groupTypes'])
      .get();
  } catch (error) {
    if (classifyGraphError(error)?.kind === 'notFound') return undefined;
    throw error;
  }
  const group = groupSchema.parse(raw);
  return {
    id: group.id,
    ...(group.displayName ? { displayName: group.displayName } : {}),
    mailEnabled: group.mailEnabled === true,
    securityEnabled: group.securityEnabled === true,
    groupTypes: group.groupTypes ?? [],
  };
}
