// The transactionId a booking's Graph event is created with: one per
// integration and client key, whatever the key's text.

import { bookingTransactionId } from '../../shared/booking/bookingRecord';

describe('the transactionId of a booking', () => {
  it('is the same for a repeated request and differs for another key or integration', () => {
    const first = bookingTransactionId('contoso', 'call-4711');
    expect(bookingTransactionId('contoso', 'call-4711')).toBe(first);
    expect(bookingTransactionId('contoso', 'call-4712')).not.toBe(first);
    expect(bookingTransactionId('fabrikam', 'call-4711')).not.toBe(first);
    // The two parts never run into each other, whatever characters they hold.
    expect(bookingTransactionId('a', 'b\nc')).not.toBe(bookingTransactionId('a\nb', 'c'));
  });

  it('is 32 hex digits for any key, long or odd', () => {
    expect(bookingTransactionId('contoso', 'x'.repeat(5000))).toMatch(/^[0-9a-f]{32}$/);
    expect(bookingTransactionId('contoso', 'ärende/42 #?')).toMatch(/^[0-9a-f]{32}$/);
  });
});
