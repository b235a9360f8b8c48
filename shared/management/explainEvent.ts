// The rules dry run: what would the sync make of this Graph event? The event
// is read by the sync's own reader (shared/graph/graphEvent.ts), occurrences
// take their properties from a series master as in the sync, and the rules
// are given in the same forms PUT /rules takes. Nothing is stored or sent.
// An absence comes with the status it alone would give the user once it has
// begun, as the status webhook and the console's users tab would say it.
import type { CalendarEntry } from '../domain/calendarEntry';
import { type Evaluation, type EvaluationContext, evaluate } from '../domain/rules/evaluate';
import type { RuleSet } from '../domain/rules/ruleSet';
import { syncWindowFor } from '../domain/syncWindow';
import { isTimeZone } from '../domain/timeZone';
import { entryFromGraphEvent } from '../graph/graphEvent';
import { invalid, notFound, type Outcome, ok } from '../outcome';
import type { PbxStatus } from '../pbx/pbxEvent';
import { currentStatus } from '../status/currentStatus';
import type { Repositories } from '../storage/repositories';
import type { ExplainRequest } from './managementSchemas';
import { rulesFrom } from './ruleChoice';

/** The verdict, and the entry as it was read (it holds the subject: show it to the operator who sent it, never log it). */
export interface Explanation {
  evaluation: Evaluation;
  entry: CalendarEntry;
  /** For an absence: the user's status were it their only one, at its start or now if later ("today"/"tomorrow" allowed). */
  status?: PbxStatus;
}

export interface ExplainDeps {
  repos: Pick<Repositories, 'integrations' | 'users'>;
  now: () => Date;
  defaultTimeZone: string;
}

/** Reads one event (with its series master, if given) and evaluates it; a refusal names the field at fault. */
export function explainGraphEvent(
  input: { event: unknown; master?: unknown },
  rules: RuleSet,
  context: EvaluationContext,
): Outcome<Explanation> {
  const read = entryFromGraphEvent(input.event, input.master);
  if ('error' in read) return invalid(read.error, read.path);
  return ok({ evaluation: evaluate(read.entry, rules, context), entry: read.entry });
}

/**
 * The rules' verdict on one pasted Graph event, in the window a sync would
 * use now, with the integration's rules unless others are given. The zone
 * for all-day events is the one given, else a user's, else the default; the
 * status is that user's (their working hours included), else the zone's.
 */
export async function explainEvent(
  integrationId: string,
  request: ExplainRequest,
  deps: ExplainDeps,
): Promise<Outcome<Explanation>> {
  const stored = await deps.repos.integrations.get(integrationId);
  if (!stored) return notFound(`no integration ${integrationId}`);
  const rules = request.rules === undefined ? stored.value.ruleSet : rulesFrom(request.rules);
  const user =
    request.timeZone === undefined ? (await deps.repos.users.listByIntegration(integrationId))[0] : undefined;
  const timeZone = request.timeZone ?? user?.timeZone ?? deps.defaultTimeZone;
  if (!isTimeZone(timeZone)) return invalid(`unknown time zone ${timeZone}`, 'timeZone');
  const now = deps.now();
  const window = syncWindowFor(now, rules.settings.syncDaysForward);
  const explained = explainGraphEvent(request, rules, { timeZone, window });
  if (explained.kind !== 'ok' || explained.value.evaluation.outcome !== 'absence') return explained;
  const absence = { ...explained.value.evaluation.absence, version: 1, deleted: false };
  // As the PBX would hear it while the absence lasts: from its start when that lies ahead.
  const at = Math.max(now.getTime(), Date.parse(absence.start));
  const status = currentStatus([absence], user ?? { timeZone }, rules, at, { relative: true });
  return ok({ ...explained.value, status });
}
