// Mailbox addresses as operators type them: anything RFC 5321 allows in a
// dot-atom local part, with the UTF-8 of RFC 6531 and internationalised
// domain names, is accepted; what cannot be an address is refused with a
// reason. Quoted local parts and address literals (`"a b"@x`, `a@[192.0.2.1]`)
// are refused: they never name a Microsoft 365 mailbox.
//
// One form for lookup and comparison: NFC, lower case, the domain as its
// ASCII (A-label, "xn--") form. Graph's user `userPrincipalName` and `mail`
// "can't contain accent characters" (user resource,
// https://learn.microsoft.com/graph/api/resources/user), so an ASCII domain is
// the only form Graph can match, and `üser@exämple.se` and
// `üser@xn--exmple-cua.se` are one address. An address Microsoft 365 does not
// hold is then refused by the lookup with its reason, not by us.
import { domainToASCII } from 'node:url';

/** RFC 5321 §4.5.3.1.1 (local part) and the 256-octet path of §4.5.3.1.3, less its angle brackets. */
export const LOCAL_PART_MAX_OCTETS = 64;
export const ADDRESS_MAX_OCTETS = 254;
/** RFC 1035 §2.3.4: a label is 1 to 63 octets, a name at most 253 in text form. */
const LABEL_MAX_OCTETS = 63;
const DOMAIN_MAX_OCTETS = 253;

// RFC 5322 atext, extended by RFC 6531 §3.3 with any non-ASCII character.
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+$/u;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const CONTROL_OR_SPACE = /[\p{Cc}\p{Z}\s]/u;
const LONE_SURROGATE = /\p{Cs}/u;

export type ParsedAddress = { kind: 'address'; address: string } | { kind: 'refused'; reason: string };

const octets = (text: string) => Buffer.byteLength(text, 'utf8');
const refused = (reason: string): ParsedAddress => ({ kind: 'refused', reason });

/** The address in its lookup form, or why it is not one. */
export function parseMailAddress(input: string): ParsedAddress {
  if (input.length === 0) return refused('the address is empty');
  if (LONE_SURROGATE.test(input)) return refused('the address is not valid Unicode');
  if (CONTROL_OR_SPACE.test(input)) return refused('the address contains a space or a control character');
  const at = input.lastIndexOf('@');
  if (at < 0) return refused('the address needs an @ between the mailbox and the domain');
  const local = input.slice(0, at).normalize('NFC').toLowerCase();
  const domainText = input.slice(at + 1);
  if (local.length === 0) return refused('the part before the @ is empty');
  if (domainText.length === 0) return refused('the domain after the @ is empty');
  if (local.includes('@')) return refused('the address has more than one @');
  if (local.startsWith('"')) return refused('quoted mailbox names are not supported');
  if (domainText.startsWith('[')) return refused('an address literal is not a mailbox domain');
  if (octets(local) > LOCAL_PART_MAX_OCTETS) {
    return refused(`the part before the @ is longer than ${LOCAL_PART_MAX_OCTETS} octets`);
  }
  if (local.split('.').some((atom) => !ATOM.test(atom))) {
    return refused(
      local.split('.').some((atom) => atom === '')
        ? 'the part before the @ may not start or end with a dot or have two dots in a row'
        : 'the part before the @ contains a character addresses cannot have, such as ( ) , : ; < > [ ] or \\',
    );
  }
  const domain = asciiDomain(domainText);
  if (domain.kind === 'refused') return domain;
  const address = `${local}@${domain.address}`;
  if (octets(address) > ADDRESS_MAX_OCTETS) {
    return refused(`the address is longer than ${ADDRESS_MAX_OCTETS} octets`);
  }
  return { kind: 'address', address };
}

function asciiDomain(text: string): ParsedAddress {
  if (text.endsWith('.') || text.startsWith('.') || text.includes('..')) {
    return refused('the domain may not start or end with a dot or have two dots in a row');
  }
  // UTS #46 processing (lower case, NFC, punycode); '' when the name cannot be one.
  const ascii = domainToASCII(text.normalize('NFC'));
  if (ascii === '') return refused('the domain is not a valid domain name');
  if (ascii.length > DOMAIN_MAX_OCTETS)
    return refused(`the domain is longer than ${DOMAIN_MAX_OCTETS} octets`);
  const labels = ascii.split('.');
  if (labels.length < 2) return refused('the domain needs at least two labels, as in contoso.com');
  for (const label of labels) {
    if (label.length > LABEL_MAX_OCTETS) {
      return refused(`a label of the domain is longer than ${LABEL_MAX_OCTETS} octets`);
    }
    if (!LDH_LABEL.test(label)) {
      return refused('the domain may have only letters, digits and inner hyphens between its dots');
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? ''))
    return refused('the domain ends in a number, not a name');
  return { kind: 'address', address: ascii };
}

/** The lookup form when `input` is an address, else `input` lower-cased (an object id, for instance). */
export function addressKey(input: string): string {
  const parsed = parseMailAddress(input);
  return parsed.kind === 'address' ? parsed.address : input.toLowerCase();
}
