import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { classifyGraphError } from './graphErrors';

const graphUserSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().optional(),
  mail: z.string().nullish(),
  displayName: z.string().nullish(),
});
export type GraphUser = z.infer<typeof graphUserSchema>;

/** Looks a user up by object id or user principal name; undefined when Graph does not know it. */
export async function findUser(client: Client, idOrUpn: string): Promise<GraphUser | undefined> {
  try {
    const raw: unknown = await client
      .api(`/users/${encodeURIComponent(idOrUpn)}`)
      .select(['id', 'userPrincipalName', 'mail', 'displayName'])
      .get();
    return graphUserSchema.parse(raw);
  } catch (error) {
    if (classifyGraphError(error)?.kind === 'notFound') return undefined;
    throw error;
  }
}
