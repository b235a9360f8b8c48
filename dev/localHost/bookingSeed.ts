// Call-centre booking turned on for an integration of the local host, as the
// operator's PUT …/booking and POST …/booking/credential leave it, without
// the Graph check of the group (tests and benchmarks name simulator groups
// that need not be mail-enabled). Answers the call centre's new key.
import { rotateBookingCredential } from '../../shared/booking/bookingCredential';
import type { Runtime } from '../../shared/runtime';
import { integrationRow, optimisticUpdate, settledOrThrow } from '../../shared/storage/optimisticUpdate';
import type { BookingSettings } from '../../shared/storage/records';

export async function enableBooking(
  runtime: Pick<Runtime, 'repos' | 'now'>,
  integrationId: string,
  groupId: string,
): Promise<string> {
  let key = '';
  const outcome = await optimisticUpdate(
    integrationRow(runtime.repos.integrations, integrationId),
    (current) => {
      const settings: BookingSettings = { enabled: true, groupId };
      const rotated = rotateBookingCredential<BookingSettings>(current.id, settings, runtime.now(), {
        overlap: false,
      });
      key = rotated.key;
      return { ...current, booking: rotated.state };
    },
  );
  settledOrThrow(outcome, `integration ${integrationId}`);
  return key;
}
