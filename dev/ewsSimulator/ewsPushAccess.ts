// Who may subscribe which Calendar: the mailbox owner, or a service account
// impersonating it (ApplicationImpersonation, as for reads: ewsAccess.ts).
// A folder of another mailbox reached through a folder permission is
// delegate access, and Exchange refuses to subscribe it with
// ErrorSubscriptionDelegateAccessNotSupported, whatever the permission
// (MicrosoftDocs/office-developer-exchange-docs,
// docs/exchange-web-services/handling-delegation-related-errors-in-ews-in-exchange.md;
// the same refusal is the error example of docs/web-service-reference/subscribe-operation.md).
import { decideAccess } from './ewsAccess';
import type { EwsDirectory, ServiceAccount } from './ewsDirectory';
import type { EwsPush } from './ewsPush';
import { readPushSubscribe } from './ewsPushSubscribe';
import { errorResponse, type SoapAnswer } from './soapFaults';
import type { SoapRequest } from './soapXml';

export function answerPushSubscribe(
  simulator: { directory: EwsDirectory; push: EwsPush },
  account: ServiceAccount,
  request: SoapRequest,
  record: { impersonated: string | undefined; mailbox: string | undefined },
): SoapAnswer {
  const subscribe = readPushSubscribe(request.operation);
  if ('status' in subscribe) return subscribe;
  const access = decideAccess(
    simulator.directory,
    account,
    request.header,
    subscribe.folderMailbox,
    'Subscribe',
  );
  if (!access.ok) return access.answer;
  record.impersonated = access.impersonated;
  record.mailbox = access.mailbox;
  const actingAs = access.impersonated ?? account.userName;
  if (access.mailbox.toLowerCase() !== actingAs.toLowerCase()) {
    return errorResponse(
      'Subscribe',
      'ErrorSubscriptionDelegateAccessNotSupported',
      'Subscriptions are not supported for delegate user access.',
    );
  }
  if (subscribe.distinguishedId !== 'calendar') {
    return errorResponse(
      'Subscribe',
      'ErrorFolderNotFound',
      'The specified folder could not be found in the store.',
    );
  }
  return simulator.push.subscribe(account.userName, access.mailbox, subscribe);
}
