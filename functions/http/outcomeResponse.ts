// The HTTP side of the services' domain outcomes: the only file that knows
// which status code a refusal becomes.
import type { HttpResponseInit } from '@azure/functions';
import type { Outcome, Refusal } from '../../shared/outcome';

const STATUS: Record<Refusal['kind'], number> = { notFound: 404, conflict: 409, invalid: 400 };

export function refusalResponse(refusal: Refusal): HttpResponseInit {
  const body =
    refusal.kind === 'invalid' && refusal.path
      ? { error: refusal.reason, path: refusal.path }
      : { error: refusal.reason };
  return { status: STATUS[refusal.kind], jsonBody: body };
}

/** `ok` becomes `status` with the body `render` makes (none when it returns undefined); a refusal its own status. */
export function outcomeResponse<T>(
  outcome: Outcome<T>,
  status: number,
  render: (value: T) => unknown = (value) => value,
): HttpResponseInit {
  if (outcome.kind !== 'ok') return refusalResponse(outcome);
  const json = render(outcome.value);
  return json === undefined ? { status } : { status, jsonBody: json };
}
