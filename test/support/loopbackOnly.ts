// Tests talk to this machine only. Every TCP connection a test process opens
// (Node's http, https and fetch all end in net.Socket#connect) is checked
// against the loopback ranges, after name resolution too: a PBX, Graph or
// Azurite address that is not 127.0.0.0/8 or ::1 fails the connection with
// an error instead of sending a packet anywhere else.
import { lookup as dnsLookup } from 'node:dns';
import { isIP, Socket } from 'node:net';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | object[],
  family?: number,
) => void;
type Lookup = (hostname: string, options: object, callback: LookupCallback) => void;

function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/i, '');
  return plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain);
}

function refusal(host: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`tests may only connect to loopback addresses, not ${host}`), {
    code: 'ECONNREFUSED',
  });
}

const originalConnect = Socket.prototype.connect;
Socket.prototype.connect = function connect(this: Socket, ...args: unknown[]) {
  // net.connect and the http agents pass their already normalised arguments as one array.
  const packed = Array.isArray(args[0]) ? (args[0] as unknown[]) : undefined;
  const options = packed ? packed[0] : args[0];
  if (typeof options === 'object' && options !== null) {
    const { host, port, lookup } = options as { host?: string; port?: unknown; lookup?: Lookup };
    // A port means TCP; without one the socket is a Unix socket or named pipe, local by nature.
    if (port !== undefined && port !== null) {
      const target = host ?? 'localhost';
      if (isIP(target) !== 0 && !isLoopback(target)) {
        process.nextTick(() => this.destroy(refusal(target)));
        return this;
      }
      // Imported up front: a connection a stopping host opens after the suite ends may not require().
      const resolve: Lookup = lookup ?? (dnsLookup as unknown as Lookup);
      const checked: Lookup = (hostname, lookupOptions, callback) =>
        resolve(hostname, lookupOptions, (error, address, family) => {
          if (error) return callback(error, address, family);
          const addresses = Array.isArray(address)
            ? (address as { address: string }[]).map((entry) => entry.address)
            : [address];
          const outside = addresses.find((entry) => !isLoopback(entry));
          if (outside !== undefined) return callback(refusal(hostname), address, family);
          callback(null, address, family);
        });
      const guarded = { ...options, lookup: checked };
      if (packed) packed[0] = guarded;
      else args[0] = guarded;
    }
  } else if (typeof options === 'number' && typeof args[1] === 'string') {
    const host = args[1];
    if (isIP(host) !== 0 && !isLoopback(host)) {
      process.nextTick(() => this.destroy(refusal(host)));
      return this;
    }
  }
  return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
} as typeof Socket.prototype.connect;
