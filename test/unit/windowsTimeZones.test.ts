import { ianaTimeZone } from '../../shared/graph/windowsTimeZones';

describe('mailbox time zones', () => {
  it('maps the Windows ids Exchange reports to IANA names', () => {
    expect(ianaTimeZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(ianaTimeZone('GMT Standard Time')).toBe('Europe/London');
    expect(ianaTimeZone('Pacific Standard Time')).toBe('America/Los_Angeles');
  });

  it('passes IANA names through and refuses what nobody knows', () => {
    expect(ianaTimeZone('Europe/Stockholm')).toBe('Europe/Stockholm');
    expect(ianaTimeZone('Mars Standard Time')).toBeUndefined();
  });

  it('every mapped zone is one the runtime can compute with', () => {
    for (const windowsId of [
      'UTC',
      'FLE Standard Time',
      'India Standard Time',
      'AUS Eastern Standard Time',
    ]) {
      const zone = ianaTimeZone(windowsId);
      expect(zone).toBeDefined();
      expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
    }
  });
});
