// Reading and writing the SOAP the EWS simulator speaks. Requests are parsed
// with fast-xml-parser (already here for @azure/data-tables; @xmldom/xmldom's
// types pull the whole DOM library into the compilation, which breaks Node's
// fetch types elsewhere) into a small typed tree, so no regex reads XML.
// Prefixes are dropped (removeNSPrefix): EWS's elements have unique local
// names across the soap, types and messages namespaces we read
// (MicrosoftDocs/office-developer-exchange-docs,
// docs/exchange-web-services/ews-xml-elements-in-exchange.md).
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const TYPES_NS = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const MESSAGES_NS = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const ERRORS_NS = 'http://schemas.microsoft.com/exchange/services/2006/errors';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export interface SoapRequest {
  header: XmlElement | undefined;
  /** The one operation element inside soap:Body, e.g. FindItem. */
  operation: XmlElement;
}

const ATTRIBUTES = ':@';
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Ordered = Record<string, unknown>;

function toElements(nodes: unknown): XmlElement[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: Ordered) => {
    const name = Object.keys(node).find((key) => key !== ATTRIBUTES && key !== '#text');
    if (name === undefined) return [];
    const content = node[name];
    const attributes = Object.fromEntries(
      Object.entries((node[ATTRIBUTES] as Record<string, unknown> | undefined) ?? {}).map(([key, value]) => [
        key,
        String(value),
      ]),
    );
    const text = Array.isArray(content)
      ? content.map((child: Ordered) => (child['#text'] === undefined ? '' : String(child['#text']))).join('')
      : '';
    return [{ name, attributes, children: toElements(content), text }];
  });
}

export function firstChild(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent?.children.find((child) => child.name === name);
}

export function textOf(element: XmlElement | undefined): string | undefined {
  const text = element?.text.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** undefined when the body is not well-formed XML or not a SOAP envelope with an operation in its body. */
export function parseSoapRequest(body: string): SoapRequest | undefined {
  if (XMLValidator.validate(body) !== true) return undefined;
  const envelope = toElements(parser.parse(body)).find((element) => element.name === 'Envelope');
  const operation = firstChild(envelope, 'Body')?.children[0];
  if (envelope === undefined || operation === undefined) return undefined;
  return { header: firstChild(envelope, 'Header'), operation };
}

export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A SOAP envelope with Exchange 2016's ServerVersionInfo header around a body. */
export function soapEnvelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="${SOAP_NS}"><s:Header>` +
    `<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" ` +
    `Version="V2017_07_11" xmlns:h="${TYPES_NS}" xmlns="${TYPES_NS}"/>` +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}
