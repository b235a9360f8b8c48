import type { CalendarEntry } from '../calendarEntry';
import { type Evaluation, type EvaluationContext, evaluate } from './evaluate';
import { entryFromGraphEvent } from './eventInput';
import type { RuleSet } from './ruleSet';

export type Explanation = { evaluation: Evaluation; entry: CalendarEntry } | { error: string };

/**
 * Dry run for operators: what would these rules do with this event, as Graph
 * returned it? Nothing is stored or sent. The entry is returned so the caller
 * can show how the event was read (it holds the subject: show it to the
 * operator who pasted it, never log it).
 */
export function explainGraphEvent(
  graphEventJson: unknown,
  rules: RuleSet,
  context: EvaluationContext,
): Explanation {
  const read = entryFromGraphEvent(graphEventJson);
  if ('error' in read) return read;
  return { evaluation: evaluate(read.entry, rules, context), entry: read.entry };
}
