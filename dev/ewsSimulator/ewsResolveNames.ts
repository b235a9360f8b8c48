// ResolveNames against the simulated directory, as Exchange answers it
// (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/resolvenames-operation.md): an entry without a
// routing type is matched to primary SMTP addresses only; "smtp:" in front
// matches the start of any of a mailbox's SMTP addresses. One match is
// Success, several are Warning with ErrorNameResolutionMultipleResults (at
// most 100 returned), none is Error with ErrorNameResolutionNoResults.
// Contacts folders are not simulated, so only directory entries come back.
import type { EwsDirectory, SimulatedMailbox } from './ewsDirectory';
import { errorResponse, type SoapAnswer, soapFault } from './soapFaults';
import {
  escapeXml,
  firstChild,
  MESSAGES_NS,
  soapEnvelope,
  TYPES_NS,
  textOf,
  type XmlElement,
} from './soapXml';

const MOST_CANDIDATES = 100;

function candidatesFor(directory: EwsDirectory, entry: string): SimulatedMailbox[] {
  const prefixed = /^smtp:/i.test(entry);
  const wanted = (prefixed ? entry.slice(5) : entry).toLowerCase();
  return directory
    .listMailboxes()
    .filter((mailbox) =>
      prefixed
        ? [mailbox.primaryAddress, ...mailbox.aliases].some((address) =>
            address.toLowerCase().startsWith(wanted),
          )
        : mailbox.primaryAddress.toLowerCase() === wanted,
    );
}

function resolutionXml(mailbox: SimulatedMailbox, fullContact: boolean): string {
  const contact = fullContact
    ? `<t:Contact><t:DisplayName>${escapeXml(mailbox.displayName)}</t:DisplayName><t:EmailAddresses>` +
      `<t:Entry Key="EmailAddress1">SMTP:${escapeXml(mailbox.primaryAddress)}</t:Entry></t:EmailAddresses>` +
      `<t:ContactSource>ActiveDirectory</t:ContactSource></t:Contact>`
    : '';
  return (
    `<t:Resolution><t:Mailbox><t:Name>${escapeXml(mailbox.displayName)}</t:Name>` +
    `<t:EmailAddress>${escapeXml(mailbox.primaryAddress)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>` +
    `<t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>${contact}</t:Resolution>`
  );
}

export function answerResolveNames(directory: EwsDirectory, operation: XmlElement): SoapAnswer {
  const entry = textOf(firstChild(operation, 'UnresolvedEntry'));
  if (entry === undefined) return soapFault('ErrorSchemaValidation', 'The request failed schema validation.');
  const found = candidatesFor(directory, entry);
  if (found.length === 0)
    return errorResponse('ResolveNames', 'ErrorNameResolutionNoResults', 'No results were found.');
  const returned = found.slice(0, MOST_CANDIDATES);
  const fullContact = operation.attributes.ReturnFullContactData === 'true';
  const single = found.length === 1;
  const body =
    `<m:ResolveNamesResponse xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>` +
    `<m:ResolveNamesResponseMessage ResponseClass="${single ? 'Success' : 'Warning'}">` +
    (single ? '' : '<m:MessageText>Multiple results were found.</m:MessageText>') +
    `<m:ResponseCode>${single ? 'NoError' : 'ErrorNameResolutionMultipleResults'}</m:ResponseCode>` +
    (single ? '' : '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>') +
    `<m:ResolutionSet TotalItemsInView="${returned.length}" IncludesLastItemInRange="${returned.length === found.length}">` +
    returned.map((mailbox) => resolutionXml(mailbox, fullContact)).join('') +
    `</m:ResolutionSet></m:ResolveNamesResponseMessage></m:ResponseMessages></m:ResolveNamesResponse>`;
  return { status: 200, body: soapEnvelope(body) };
}
