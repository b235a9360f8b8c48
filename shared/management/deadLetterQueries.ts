// What the operator does with the queues' dead letters: see them, and send
// them back once the cause is gone (a Tables or Graph outage, a fixed bug).
// Deployment-wide: every integration shares the two queues.
import { z } from 'zod';
import type { Logger } from '../logger';
import { invalid, type Outcome, ok } from '../outcome';
import type { DeadLetterListing, DeadLetters, ResubmitResult } from '../queue/deadLetters';
import { QUEUE_NAMES, type QueueName } from '../queue/queuePort';

/** Body of the resubmit route: these message ids, or every dead letter of the queue when absent. */
export const resubmitBodySchema = z
  .object({
    messageIds: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
  })
  .strict();
export type ResubmitBody = z.infer<typeof resubmitBodySchema>;

/** One request sends back at most this many (the route can be called again for the rest). */
export const RESUBMIT_MAX = 100;
/** Dead letters listed per queue. */
export const LIST_MAX = 50;

export interface DeadLetterDeps {
  deadLetters: DeadLetters;
  log: Logger;
}

function queueNamed(name: string): Outcome<QueueName> {
  const queue = QUEUE_NAMES.find((known) => known === name);
  return queue ? ok(queue) : invalid(`no queue ${name}; one of ${QUEUE_NAMES.join(', ')}`, 'queue');
}

export async function listDeadLetters(
  name: string,
  deps: DeadLetterDeps,
): Promise<Outcome<DeadLetterListing>> {
  const queue = queueNamed(name);
  if (queue.kind !== 'ok') return queue;
  return ok(await deps.deadLetters.list(queue.value, LIST_MAX, deps.log));
}

export async function resubmitDeadLetters(
  name: string,
  body: ResubmitBody,
  deps: DeadLetterDeps,
): Promise<Outcome<ResubmitResult>> {
  const queue = queueNamed(name);
  if (queue.kind !== 'ok') return queue;
  const result = await deps.deadLetters.resubmit(queue.value, body.messageIds, RESUBMIT_MAX);
  deps.log.info('dead letters resubmitted', {
    queue: queue.value,
    resubmitted: result.resubmitted.length,
    notFound: result.notFound.length,
  });
  return ok(result);
}
