import { graphError, json, type SimResponse } from './exchange';
import type { GraphContext } from './graphContext';
import { mailboxOwner } from './graphContext';

export function getUser(context: GraphContext, idOrUpn: string): SimResponse {
  const user = context.directory.findUser(idOrUpn);
  if (!user || user.tenantId !== context.tenantId) {
    return graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users/$entity`,
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    displayName: user.displayName,
  });
}

/**
 * Graph answers with the Windows zone name ("W. Europe Standard Time") unless
 * the mailbox was set with an IANA name; the simulator always returns the IANA
 * name it was given, which callers must accept anyway.
 */
export function getMailboxSettings(context: GraphContext, idOrUpn: string): SimResponse {
  const owner = mailboxOwner(context, idOrUpn);
  if (!owner.ok) return owner.response;
  return json(200, {
    '@odata.context': `${context.graphBaseUrl}/$metadata#users('${owner.user.id}')/mailboxSettings`,
    timeZone: owner.user.timeZone,
    userPurpose: owner.user.mailboxPurpose,
  });
}
