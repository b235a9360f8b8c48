// The one check for "is this a time zone the runtime can place times in".
// IANA names (and UTC) are what Intl knows; a Windows id such as
// "W. Europe Standard Time" is not one (shared/graph/windowsTimeZones.ts maps
// those first).

export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
