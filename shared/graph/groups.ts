import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { relativeGraphPath } from './graphClient';

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
