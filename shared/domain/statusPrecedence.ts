// Which absence decides a user's state when several cover the same instant.
// The precedence is an ordered list of criteria, each asked only when the ones
// before it tie; a fixed tie-breaker (the absence id) always comes last, so the
// answer never depends on the order absences were stored or read in.
//
// The criteria:
// - `callHandling`: a `diversion` beats an `information`. A diversion changes
//   what happens to a caller (the call goes to an absence message instead of
//   ringing); information only labels the user in the directory. When any
//   absence covering the instant asks for calls to be diverted, ringing the
//   phone anyway would be the surprising answer, so diversion is the stronger.
// - `reasonPriority`: the higher number wins; reasons not listed count as 0,
//   so a negative number ranks a reason below the unlisted ones.
// - `laterStart`: the absence that started later wins: it is the more
//   specific one (a meeting inside a day marked out of office, a lunch inside
//   a day working from home), and it ends first, after which the earlier one
//   shows again.
// The default order is all three, in that order. The schema is meant to
// become part of an integration's rules; until then `DEFAULT_STATUS_PRECEDENCE`
// is what the status timeline uses.

import { z } from 'zod';
import type { CallHandling, Reason } from './absence';

export const PRECEDENCE_CRITERIA = ['callHandling', 'reasonPriority', 'laterStart'] as const;
export type PrecedenceCriterion = (typeof PRECEDENCE_CRITERIA)[number];

const DEFAULT_ORDER: PrecedenceCriterion[] = ['callHandling', 'reasonPriority', 'laterStart'];

/** As many reasons as a rule set's catalogue may hold, with the same code length. */
const MAX_PRIORITIES = 200;

export const statusPrecedenceSchema = z.object({
  order: z
    .array(z.enum(PRECEDENCE_CRITERIA))
    .max(PRECEDENCE_CRITERIA.length)
    .refine((order) => new Set(order).size === order.length, 'each criterion may be listed once')
    .default(DEFAULT_ORDER),
  reasonPriority: z
    .record(z.string().min(1).max(64), z.number().int().min(-1000).max(1000))
    .refine(
      (priorities) => Object.keys(priorities).length <= MAX_PRIORITIES,
      `at most ${MAX_PRIORITIES} reason priorities`,
    )
    .default({}),
});

export type StatusPrecedence = z.infer<typeof statusPrecedenceSchema>;
export type StatusPrecedenceInput = z.input<typeof statusPrecedenceSchema>;

export const DEFAULT_STATUS_PRECEDENCE: StatusPrecedence = statusPrecedenceSchema.parse({});

/** What precedence looks at in an absence; the start as epoch milliseconds, parsed once. */
export interface Contender {
  id: string;
  startMs: number;
  reason: Reason;
  callHandling: CallHandling;
}

const CALL_HANDLING_STRENGTH: Record<CallHandling, number> = { information: 0, diversion: 1 };

/** Plain code-unit order: the same on every machine and in every locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A comparator that sorts the winner first. Total: two contenders compare
 * equal only when they are the same absence in every field precedence sees.
 */
export function strongerFirst(precedence: StatusPrecedence): (a: Contender, b: Contender) => number {
  // A Map, not the parsed object: a reason code such as "constructor" must not find Object's own members.
  const priorities = new Map(Object.entries(precedence.reasonPriority));
  const priorityOf = (contender: Contender) => priorities.get(contender.reason.code) ?? 0;
  const comparators: Record<PrecedenceCriterion, (a: Contender, b: Contender) => number> = {
    callHandling: (a, b) => CALL_HANDLING_STRENGTH[b.callHandling] - CALL_HANDLING_STRENGTH[a.callHandling],
    reasonPriority: (a, b) => priorityOf(b) - priorityOf(a),
    laterStart: (a, b) => b.startMs - a.startMs,
  };
  const criteria = precedence.order.map((criterion) => comparators[criterion]);
  return (a, b) => {
    for (const criterion of criteria) {
      const verdict = criterion(a, b);
      if (verdict !== 0) return verdict;
    }
    return (
      byCodeUnits(a.id, b.id) ||
      byCodeUnits(a.reason.code, b.reason.code) ||
      byCodeUnits(a.reason.name, b.reason.name) ||
      byCodeUnits(a.callHandling, b.callHandling)
    );
  };
}
