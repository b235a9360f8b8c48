// Graph requests of the call-centre booking API, counted where the service
// sends them (the runtime's Graph client), against the Graph simulator:
// a free-time question for N people is ⌈N / 20⌉ getSchedule calls (Graph
// takes 20 schedules per call), plus the booking group's member list the
// first time an instance asks; a booking is one getSchedule (is the slot
// still free?) and one POST. The naive client beside it asks getSchedule
// once per person, through the same client, so it is counted the same way.

import { MAX_SCHEDULES_PER_CALL, readSchedules } from '../../shared/graph/freeBusySchedules';
import { enableBooking } from '../localHost/bookingSeed';
import { DEMO_INTEGRATION_ID, DEMO_TENANT } from '../localHost/demoTenant';
import { startBenchHost } from './benchHost';

export interface BookingCost {
  users: number;
  /** The first question of an instance: the group's members are read once, then kept. */
  firstQuery: number;
  query: number;
  queryBound: number;
  naive: number;
  book: number;
  move: number;
  cancel: number;
}

const HOUR = 3_600_000;

export async function measureBookingCost(
  users: number,
  tablesConnectionString: string,
): Promise<BookingCost> {
  const bench = await startBenchHost(tablesConnectionString, 1);
  const { host } = bench;
  try {
    const groupId = 'b0000000-0000-4000-8000-0000000000b0';
    const addresses: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < users; i++) {
      const id = `b0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
      const address = `field${i}@contoso.example`;
      host.simulator.addUser(DEMO_TENANT.id, { id, userPrincipalName: address, mail: address });
      addresses.push(address);
      ids.push(id);
    }
    host.simulator.setGroup(DEMO_TENANT.id, { id: groupId, memberIds: ids });
    host.simulator.setEventWriteAccess(DEMO_TENANT.id, { scope: { groupId } });
    const key = await enableBooking(host.runtime, DEMO_INTEGRATION_ID, groupId);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${host.url}/api/booking/v1/${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as { booking?: { bookingId: string } };
      if (!response.ok)
        throw new Error(`booking API ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    const day = Math.ceil(host.runtime.now().getTime() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
    const question = {
      users: addresses,
      start: new Date(day).toISOString(),
      end: new Date(day + 24 * HOUR).toISOString(),
      durationMinutes: 60,
    };
    const counted = async (work: () => Promise<unknown>) => {
      bench.graph.reset();
      await work();
      return bench.graph.total;
    };
    const firstQuery = await counted(() => call('POST', 'free-time', question));
    const query = await counted(() => call('POST', 'free-time', question));
    const client = host.runtime.graphFor(
      (await host.runtime.repos.integrations.get(DEMO_INTEGRATION_ID))!.value,
    );
    const period = { start: day, end: day + 24 * HOUR };
    const naive = await counted(async () => {
      for (const address of addresses) await readSchedules(client, address, [address], period);
    });
    let bookingId = '';
    const slot = (hour: number) => ({
      start: new Date(day + hour * HOUR).toISOString(),
      end: new Date(day + (hour + 1) * HOUR).toISOString(),
    });
    const book = await counted(async () => {
      const made = await call('POST', 'bookings', {
        user: addresses[0],
        subject: 'Bench visit',
        timeZone: 'Europe/Stockholm',
        clientKey: 'bench-1',
        ...slot(9),
      });
      bookingId = made.booking?.bookingId ?? '';
    });
    const move = await counted(() =>
      call('PATCH', `bookings/${bookingId}`, { ...slot(12), timeZone: 'Europe/Stockholm' }),
    );
    const cancel = await counted(() => call('DELETE', `bookings/${bookingId}`));
    return {
      users,
      firstQuery,
      query,
      queryBound: Math.ceil(users / MAX_SCHEDULES_PER_CALL),
      naive,
      book,
      move,
      cancel,
    };
  } finally {
    await bench.stop();
  }
}
