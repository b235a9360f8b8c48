// The call centre's booking API under fuzzed requests, with a valid booking
// key so bodies really get parsed and the rate limit kept out of the way:
// never a 5xx, and neither the key nor a private subject printed or answered.

import fc from 'fast-check';
import { enableBooking } from '../../dev/localHost/bookingSeed';
import { DEMO_INTEGRATION_ID, DEMO_TENANT, DEMO_USERS } from '../../dev/localHost/demoTenant';
import { bodies, describeRequest, FUZZ_RUNS, headers, PRIVATE_SUBJECT, send, useFuzzHost } from './fuzzHost';

const GROUP = 'f0220000-0000-4000-8000-00000000f022';

const almostRight = fc.record(
  {
    users: fc.array(fc.constantFrom(DEMO_USERS[0].mail, DEMO_USERS[1].mail, 'nobody@x', '', 'a@b'), {
      maxLength: 3,
    }),
    user: fc.constantFrom(DEMO_USERS[0].mail, 'x', ''),
    start: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ maxLength: 20 }),
    ),
    end: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ maxLength: 20 }),
    ),
    durationMinutes: fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double()),
    stepMinutes: fc.integer({ min: -5, max: 500 }),
    subject: fc.string({ maxLength: 300 }),
    timeZone: fc.constantFrom('Europe/Stockholm', 'Nowhere/Else', ''),
    clientKey: fc.string({ maxLength: 250 }),
  },
  { requiredKeys: [] },
);

const route = fc.constantFrom(
  { method: 'POST', path: 'free-time' },
  { method: 'POST', path: 'bookings' },
  { method: 'GET', path: 'bookings?limit=5' },
  { method: 'GET', path: 'bookings?limit=-1' },
  { method: 'PATCH', path: 'bookings/nope' },
  { method: 'PATCH', path: `bookings/${'9'.repeat(300)}` },
  { method: 'DELETE', path: 'bookings/%E0%A4%A' },
  { method: 'DELETE', path: 'bookings/..%2F..' },
);

describe('fuzzed booking API', () => {
  // A limit the run stays under, so every keyed request gets its body parsed (the limit itself is tested end to end).
  const fuzz = useFuzzHost({ settings: { BOOKING_RATE_BURST: String(FUZZ_RUNS * 2) } });
  let key = '';

  beforeAll(async () => {
    const { host } = fuzz;
    host.simulator.setGroup(DEMO_TENANT.id, { id: GROUP, memberIds: [DEMO_USERS[0].id, DEMO_USERS[1].id] });
    host.simulator.setEventWriteAccess(DEMO_TENANT.id, { scope: { groupId: GROUP } });
    key = await enableBooking(host.runtime, DEMO_INTEGRATION_ID, GROUP);
  });

  it('never answers 5xx, and never prints or answers the key or a private subject', async () => {
    const statuses: number[] = [];
    const answers: string[] = [];
    await fc.assert(
      fc.asyncProperty(route, bodies(almostRight), headers, fc.boolean(), async (r, body, extra, keyed) => {
        const request = {
          method: r.method,
          path: `/api/booking/v1/${r.path}`,
          headers: { ...extra, ...(keyed ? { authorization: `Bearer ${key}` } : {}) },
          body,
        };
        const response = await fetch(`${fuzz.host.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(body !== undefined && request.method !== 'GET' ? { body } : {}),
        }).catch(() => undefined);
        // Header values fetch refuses never reach the host; `send` is the fuzz host's way to count those.
        const status = response ? response.status : await send(fuzz.host.url, { ...request, headers: {} });
        statuses.push(status);
        if (response) answers.push(await response.text());
        if (status >= 500) throw new Error(`${status} for ${describeRequest(request)}`);
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(statuses.some((status) => status === 400)).toBe(true);
    expect(statuses).not.toContain(429);
    const printed = [...fuzz.output(), ...answers].join('\n');
    expect(printed).not.toContain(key);
    expect(printed).not.toContain(PRIVATE_SUBJECT);
    expect(fuzz.leaks()).toEqual([]);
  });
});
