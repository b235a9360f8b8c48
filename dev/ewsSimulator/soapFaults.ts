// The two ways Exchange says no. Errors about the request as a whole (the
// SOAP headers: impersonation, server version) come back as a SOAP fault with
// HTTP 500 and the ResponseCode in the fault's detail; errors about one item
// or folder come back with HTTP 200 as a response message whose ResponseClass
// is "Error" (MicrosoftDocs/office-developer-exchange-docs,
// docs/web-service-reference/responsecode.md for the codes;
// docs/web-service-reference/exchangeimpersonation.md for the impersonation
// header; ErrorInvalidServerVersion: "an invalid request server version was
// specified"). A throttled caller gets ErrorServerBusy as a fault whose
// MessageXml names BackOffMilliseconds, the wait before trying again
// (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange).
import { ERRORS_NS, escapeXml, MESSAGES_NS, soapEnvelope, TYPES_NS } from './soapXml';

export interface SoapAnswer {
  status: number;
  body: string;
}

export function soapFault(
  responseCode: string,
  message: string,
  messageXml: Record<string, string> = {},
): SoapAnswer {
  const values = Object.entries(messageXml)
    .map(([name, value]) => `<t:Value Name="${escapeXml(name)}">${escapeXml(value)}</t:Value>`)
    .join('');
  const body =
    `<s:Fault><faultcode xmlns:a="${TYPES_NS}">a:${responseCode}</faultcode>` +
    `<faultstring xml:lang="en-US">${escapeXml(message)}</faultstring><detail>` +
    `<e:ResponseCode xmlns:e="${ERRORS_NS}">${responseCode}</e:ResponseCode>` +
    `<e:Message xmlns:e="${ERRORS_NS}">${escapeXml(message)}</e:Message>` +
    (values ? `<t:MessageXml xmlns:t="${TYPES_NS}">${values}</t:MessageXml>` : '') +
    `</detail></s:Fault>`;
  return { status: 500, body: soapEnvelope(body) };
}

/** One response message of an operation that failed for its folder or item. */
export function errorResponse(operation: string, responseCode: string, message: string): SoapAnswer {
  const body =
    `<m:${operation}Response xmlns:m="${MESSAGES_NS}" xmlns:t="${TYPES_NS}"><m:ResponseMessages>` +
    `<m:${operation}ResponseMessage ResponseClass="Error">` +
    `<m:MessageText>${escapeXml(message)}</m:MessageText>` +
    `<m:ResponseCode>${responseCode}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>` +
    `</m:${operation}ResponseMessage></m:ResponseMessages></m:${operation}Response>`;
  return { status: 200, body: soapEnvelope(body) };
}
