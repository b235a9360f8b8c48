import { createServer, type RequestOptions, request } from 'node:http';
import type { AddressInfo } from 'node:net';

// The guard in test/support/loopbackOnly.ts (a jest setup file): a test that
// tries to reach another machine fails instead of sending anything.
describe('tests stay on this machine', () => {
  const get = (options: RequestOptions) =>
    new Promise<string>((resolve) => {
      const call = request(options, (response) => {
        response.resume();
        resolve(String(response.statusCode ?? 0));
      });
      call.on('error', (error) => resolve((error as NodeJS.ErrnoException).message));
      call.end();
    });

  // 0.0.0.0 is outside 127.0.0.0/8, so the guard must refuse it; were the guard broken, the
  // connection would still only reach this machine (Linux treats it as a local address).
  it('refuses an address outside loopback, literal or behind a name, and lets loopback through', async () => {
    expect(await get({ host: '0.0.0.0', port: 65000, path: '/' })).toMatch(/only connect to loopback/);
    const rebinding = (_name: string, _options: object, callback: (e: null, a: string, f: number) => void) =>
      callback(null, '0.0.0.0', 4);
    expect(await get({ host: 'pbx.example', port: 65000, path: '/', lookup: rebinding as never })).toMatch(
      /only connect to loopback/,
    );
    const viaFetch = await fetch('http://0.0.0.0:65000/').catch((error: Error) =>
      String(error.cause ?? error),
    );
    expect(viaFetch).toMatch(/only connect to loopback/);
    const server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await get({ host: '127.0.0.1', port, path: '/' })).toBe('200');
    expect(await get({ host: 'localhost', port, path: '/', family: 4 })).toBe('200');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
