// Whose mailbox a request acts on, and whether the service account may:
// - ExchangeImpersonation (ConnectingSID with PrimarySmtpAddress or
//   SmtpAddress) needs the ApplicationImpersonation role; without it Exchange
//   answers the whole request with the ErrorImpersonateUserDenied fault
//   (docs/web-service-reference/exchangeimpersonation.md,
//   docs/web-service-reference/connectingsid.md in
//   MicrosoftDocs/office-developer-exchange-docs). PrincipalName and SID
//   are not simulated yet.
// - a folder of another mailbox (DistinguishedFolderId with Mailbox) needs a
//   folder permission there, Reviewer on Calendar here; without it the
//   response message is ErrorAccessDenied.
import type { EwsDirectory, ServiceAccount } from './ewsDirectory';
import { errorResponse, type SoapAnswer, soapFault } from './soapFaults';
import { firstChild, textOf, type XmlElement } from './soapXml';

export type AccessDecision =
  | { ok: true; mailbox: string; impersonated: string | undefined }
  | { ok: false; answer: SoapAnswer };

function impersonatedAddress(header: XmlElement | undefined): string | undefined {
  const sid = firstChild(firstChild(header, 'ExchangeImpersonation'), 'ConnectingSID');
  return textOf(firstChild(sid, 'PrimarySmtpAddress')) ?? textOf(firstChild(sid, 'SmtpAddress'));
}

export function decideAccess(
  directory: EwsDirectory,
  account: ServiceAccount,
  header: XmlElement | undefined,
  folderMailbox: string | undefined,
  /** Names the response message of a refusal about the mailbox. */
  operation = 'FindItem',
): AccessDecision {
  const impersonated = impersonatedAddress(header);
  if (firstChild(header, 'ExchangeImpersonation') && impersonated === undefined) {
    return {
      ok: false,
      answer: soapFault(
        'ErrorInvalidExchangeImpersonationHeaderData',
        'ConnectingSID is missing or not simulated.',
      ),
    };
  }
  if (impersonated !== undefined) {
    if (!account.impersonation) {
      return {
        ok: false,
        answer: soapFault(
          'ErrorImpersonateUserDenied',
          'The account does not have permission to impersonate the requested user.',
        ),
      };
    }
    if (!directory.hasMailbox(impersonated)) {
      return {
        ok: false,
        answer: soapFault('ErrorNonExistentMailbox', `No mailbox with such guid or address: ${impersonated}`),
      };
    }
  }
  const actingAs = impersonated ?? account.userName;
  const mailbox = folderMailbox ?? actingAs;
  if (!directory.hasMailbox(mailbox)) {
    return {
      ok: false,
      answer: errorResponse(
        operation,
        'ErrorNonExistentMailbox',
        'The SMTP address has no mailbox associated with it.',
      ),
    };
  }
  const own = mailbox.toLowerCase() === actingAs.toLowerCase();
  // An impersonating caller acts as that user: another mailbox needs that user's permission, not simulated.
  if (!own && (impersonated !== undefined || !directory.canReview(account, mailbox))) {
    return {
      ok: false,
      answer: errorResponse(
        operation,
        'ErrorAccessDenied',
        'Access is denied. Check credentials and try again.',
      ),
    };
  }
  return { ok: true, mailbox, impersonated };
}
