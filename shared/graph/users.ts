// Finding a user in the tenant's directory by whatever address people know.
// `GET /users/{id | userPrincipalName}` takes only an object id or the UPN
// (https://learn.microsoft.com/graph/api/user-get); a primary SMTP address or
// alias that differs from the UPN must be found with `$filter` on `mail` and
// `proxyAddresses`. `eq` on both, including `proxyAddresses/any(p:p eq …)`,
// works without the advanced query parameters
// (https://learn.microsoft.com/graph/aad-advanced-queries, "Support for
// filter by properties of directory objects"), and the comparison ignores
// case, so `smtp:` finds the primary `SMTP:` entry as well as an alias.

import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { classifyGraphError } from './graphErrors';

const USER_FIELDS = ['id', 'userPrincipalName', 'mail', 'displayName'];

const graphUserSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().optional(),
  mail: z.string().nullish(),
  displayName: z.string().nullish(),
});
export type GraphUser = z.infer<typeof graphUserSchema>;

const userListSchema = z.object({ value: z.array(graphUserSchema) });

/** An OData string literal: single quotes doubled. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Looks a user up by object id, user principal name, primary SMTP address or
 * alias; undefined when Graph knows no one (or, for an address, more than one) by it.
 */
export async function findUser(client: Client, idOrAddress: string): Promise<GraphUser | undefined> {
  const direct = await findByKey(client, idOrAddress);
  if (direct || !idOrAddress.includes('@')) return direct;
  const raw: unknown = await client
    .api('/users')
    .filter(`mail eq ${literal(idOrAddress)} or proxyAddresses/any(p:p eq ${literal(`smtp:${idOrAddress}`)})`)
    .select(USER_FIELDS)
    .get();
  const { value } = userListSchema.parse(raw);
  // Exchange keeps addresses unique in a tenant; two answers mean we cannot tell whom was meant.
  return value.length === 1 ? value[0] : undefined;
}

async function findByKey(client: Client, idOrUpn: string): Promise<GraphUser | undefined> {
  try {
    const raw: unknown = await client
      .api(`/users/${encodeURIComponent(idOrUpn)}`)
      .select(USER_FIELDS)
      .get();
    return graphUserSchema.parse(raw);
  } catch (error) {
    if (classifyGraphError(error)?.kind === 'notFound') return undefined;
    throw error;
  }
}
