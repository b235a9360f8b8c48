import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { ianaTimeZone } from '../../shared/graph/windowsTimeZones';

describe('mailbox time zones', () => {
  it('maps the Windows ids Exchange reports to IANA names', () => {
    expect(ianaTimeZone('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(ianaTimeZone('GMT Standard Time')).toBe('Europe/London');
    expect(ianaTimeZone('Pacific Standard Time')).toBe('America/Los_Angeles');
    expect(ianaTimeZone('Hawaiian Standard Time')).toBe('Pacific/Honolulu');
    expect(ianaTimeZone('W. Australia Standard Time')).toBe('Australia/Perth');
  });

  it('passes IANA names through and refuses what nobody knows', () => {
    expect(ianaTimeZone('Europe/Stockholm')).toBe('Europe/Stockholm');
    expect(ianaTimeZone('Mars Standard Time')).toBeUndefined();
    expect(ianaTimeZone('')).toBeUndefined();
  });

  it('maps every Windows id in CLDR to a zone the runtime can compute with', () => {
    const windowsIds = new Set(WINDOWS_TO_IANA_MAP.map((entry) => entry.windowsName));
    expect(windowsIds.size).toBeGreaterThan(100);
    const unmapped = [...windowsIds].filter((id) => {
      const zone = ianaTimeZone(id);
      if (zone === undefined) return true;
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return false;
    });
    expect(unmapped).toEqual([]);
  });
});
