// The server's half of NTLM (MS-NLMP, learn.microsoft.com/openspecs/windows_protocols/ms-nlmp):
// read a NEGOTIATE_MESSAGE (type 1), answer a CHALLENGE_MESSAGE (type 2,
// section 2.2.1.2) with a fresh 8-byte server challenge and a target info
// that carries a timestamp (MsvAvTimestamp, 2.2.2.1), read the
// AUTHENTICATE_MESSAGE (type 3, 2.2.1.3) and check its NTLMv2 response
// (3.3.2): NTOWFv2 = HMAC_MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)),
// NTProofStr = HMAC_MD5(NTOWFv2, serverChallenge + the client's blob), and
// the response must start with that NTProofStr. NTLMv1 and LM responses
// (24 bytes) are refused, as a domain at LmCompatibilityLevel 5 refuses them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { md4 } from './md4';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'ascii');

// NegotiateFlags, MS-NLMP 2.2.2.5.
const NEGOTIATE_UNICODE = 0x1;
const NEGOTIATE_OEM = 0x2;
const REQUEST_TARGET = 0x4;
const NEGOTIATE_NTLM = 0x200;
const NEGOTIATE_ALWAYS_SIGN = 0x8000;
const TARGET_TYPE_DOMAIN = 0x10000;
const NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x80000;
const NEGOTIATE_TARGET_INFO = 0x800000;
const NEGOTIATE_VERSION = 0x2000000;

// AvId values, MS-NLMP 2.2.2.1.
const AV_EOL = 0;
const AV_NB_COMPUTER_NAME = 1;
const AV_NB_DOMAIN_NAME = 2;
const AV_DNS_COMPUTER_NAME = 3;
const AV_DNS_DOMAIN_NAME = 4;
const AV_TIMESTAMP = 7;

/** Milliseconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

export interface NtlmNegotiate {
  /** The client can take Unicode strings; otherwise the server speaks OEM to it. */
  unicode: boolean;
}

export interface NtlmChallenge {
  serverChallenge: Buffer;
  unicode: boolean;
  /** The CHALLENGE_MESSAGE, ready for `WWW-Authenticate: NTLM <base64>`. */
  message: Buffer;
}

export interface NtlmAuthenticate {
  userName: string;
  domain: string;
  workstation: string;
  ntResponse: Buffer;
}

/** The simulated server's names in the target info. */
export interface NtlmTarget {
  netbiosDomain: string;
  netbiosComputer: string;
  dnsDomain: string;
  dnsComputer: string;
}

function messageType(token: Buffer): number | undefined {
  if (token.length < 12 || !token.subarray(0, 8).equals(SIGNATURE)) return undefined;
  return token.readUInt32LE(8);
}

/** The bytes a security buffer (length, max length, offset) at `at` points to, or undefined past the end. */
function field(token: Buffer, at: number): Buffer | undefined {
  if (token.length < at + 8) return undefined;
  const length = token.readUInt16LE(at);
  const offset = token.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  return offset + length > token.length ? undefined : token.subarray(offset, offset + length);
}

export function readNegotiate(token: Buffer): NtlmNegotiate | undefined {
  if (messageType(token) !== 1 || token.length < 16) return undefined;
  return { unicode: (token.readUInt32LE(12) & NEGOTIATE_UNICODE) !== 0 };
}

function avPair(id: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(id, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value]);
}

function fileTime(nowMs: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeBigUInt64LE((BigInt(nowMs) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
  return value;
}

export function challengeFor(negotiate: NtlmNegotiate, target: NtlmTarget, nowMs: number): NtlmChallenge {
  const serverChallenge = randomBytes(8);
  const encoding = negotiate.unicode ? 'utf16le' : 'latin1';
  const targetName = Buffer.from(target.netbiosDomain, encoding);
  const targetInfo = Buffer.concat([
    avPair(AV_NB_DOMAIN_NAME, Buffer.from(target.netbiosDomain, 'utf16le')),
    avPair(AV_NB_COMPUTER_NAME, Buffer.from(target.netbiosComputer, 'utf16le')),
    avPair(AV_DNS_DOMAIN_NAME, Buffer.from(target.dnsDomain, 'utf16le')),
    avPair(AV_DNS_COMPUTER_NAME, Buffer.from(target.dnsComputer, 'utf16le')),
    avPair(AV_TIMESTAMP, fileTime(nowMs)),
    avPair(AV_EOL, Buffer.alloc(0)),
  ]);
  const flags =
    (negotiate.unicode ? NEGOTIATE_UNICODE : NEGOTIATE_OEM) |
    REQUEST_TARGET |
    NEGOTIATE_NTLM |
    NEGOTIATE_ALWAYS_SIGN |
    TARGET_TYPE_DOMAIN |
    NEGOTIATE_EXTENDED_SESSIONSECURITY |
    NEGOTIATE_TARGET_INFO |
    NEGOTIATE_VERSION;
  const header = Buffer.alloc(56);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(flags >>> 0, 20);
  serverChallenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + targetName.length, 44);
  // Version: Windows Server 2016 (10.0 build 14393), NTLM revision 15.
  header.writeUInt8(10, 48);
  header.writeUInt8(0, 49);
  header.writeUInt16LE(14393, 50);
  header.writeUInt8(15, 55);
  return {
    serverChallenge,
    unicode: negotiate.unicode,
    message: Buffer.concat([header, targetName, targetInfo]),
  };
}

export function readAuthenticate(token: Buffer, unicode: boolean): NtlmAuthenticate | undefined {
  if (messageType(token) !== 3) return undefined;
  const encoding = unicode ? 'utf16le' : 'latin1';
  const ntResponse = field(token, 20);
  const domain = field(token, 28);
  const user = field(token, 36);
  const workstation = field(token, 44);
  if (!ntResponse || !domain || !user || !workstation) return undefined;
  return {
    ntResponse,
    domain: domain.toString(encoding),
    userName: user.toString(encoding),
    workstation: workstation.toString(encoding),
  };
}

/** Whether the AUTHENTICATE_MESSAGE's NTLMv2 response proves knowledge of `password` for this challenge. */
export function provesPassword(
  authenticate: NtlmAuthenticate,
  password: string,
  serverChallenge: Buffer,
): boolean {
  const response = authenticate.ntResponse;
  // 16 bytes of NTProofStr, then NTLMv2_CLIENT_CHALLENGE (2.2.2.7): RespType 1, HiRespType 1, ...
  if (response.length <= 24 + 16 || response[16] !== 1 || response[17] !== 1) return false;
  const ntHash = md4(Buffer.from(password, 'utf16le'));
  const v2Hash = createHmac('md5', ntHash)
    .update(Buffer.from(authenticate.userName.toUpperCase() + authenticate.domain, 'utf16le'))
    .digest();
  const blob = response.subarray(16);
  const proof = createHmac('md5', v2Hash)
    .update(Buffer.concat([serverChallenge, blob]))
    .digest();
  return timingSafeEqual(proof, response.subarray(0, 16));
}
