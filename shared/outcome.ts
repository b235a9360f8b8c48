// What a service answers when it cannot do what was asked, in the domain's
// words. Services never speak HTTP: functions/http/outcomeResponse.ts is the
// one place that turns these into status codes, so the same refusal reads the
// same on every route.

export type Refusal =
  | { kind: 'notFound'; reason: string }
  | { kind: 'conflict'; reason: string }
  | { kind: 'invalid'; reason: string; path?: string };

export type Outcome<T> = { kind: 'ok'; value: T } | Refusal;

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const notFound = (reason: string): Refusal => ({ kind: 'notFound', reason });
export const conflict = (reason: string): Refusal => ({ kind: 'conflict', reason });
export const invalid = (reason: string, path?: string): Refusal =>
  path === undefined ? { kind: 'invalid', reason } : { kind: 'invalid', reason, path };
