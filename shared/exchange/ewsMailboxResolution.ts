// Which mailbox an address the operator typed belongs to, asked of Exchange
// with ResolveNames (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/resolvenames-operation.md). Without a routing
// type ResolveNames matches the primary SMTP address only; with "smtp:" in
// front it matches every SMTP address of the mailbox, partially, so a
// secondary address resolves too and several mailboxes may answer
// (ResponseClass Warning, "Multiple results"). Only the directory is
// searched: the service account's own contacts are not mailboxes. It acts as
// the service account, never impersonating, as it needs no mailbox's rights.
import { ResolveNameSearchLocation } from 'ews-javascript-api';
import { type EwsConnection, failureOf, serviceFor } from './ewsService';

export interface ResolvedMailbox {
  primaryAddress: string;
  displayName: string;
}

/** The mailbox with this primary or secondary SMTP address; undefined when Exchange knows none. Throws EwsFailure. */
export async function resolveMailbox(
  connection: EwsConnection,
  address: string,
): Promise<ResolvedMailbox | undefined> {
  const service = serviceFor(connection, undefined);
  const resolutions = await service
    .ResolveName(`smtp:${address.trim()}`, ResolveNameSearchLocation.DirectoryOnly, false)
    .catch((error: unknown) => {
      throw failureOf(error);
    });
  const candidates = resolutions.GetEnumerator().map((resolution) => ({
    primaryAddress: resolution.Mailbox.Address ?? '',
    displayName: resolution.Mailbox.Name ?? '',
  }));
  // A partial match may bring others whose address starts the same; one candidate is the answer, else the exact one.
  if (candidates.length === 1) return candidates[0];
  const wanted = address.trim().toLowerCase();
  return candidates.find((candidate) => candidate.primaryAddress.toLowerCase() === wanted);
}
