// Dead letters of the in-process queue, behind the same port as Service Bus's
// dead-letter sub-queues (shared/queue/serviceBusDeadLetters.ts): listed from
// the queue's own list, resubmitted as a fresh copy sent to the main queue
// before the dead letter is removed, as the Service Bus adapter does.
import {
  type DeadLetteredMessage,
  type DeadLetters,
  newestFirst,
  resubmittedCopy,
  summaryOf,
} from '../../shared/queue/deadLetters';
import type { DeadLetter, InProcessQueue } from './inProcessQueue';

function deadLettered(letter: DeadLetter): DeadLetteredMessage {
  return {
    messageId: letter.info.messageId,
    body: letter.body,
    ...(letter.info.sessionId !== undefined ? { sessionId: letter.info.sessionId } : {}),
    applicationProperties: letter.info.applicationProperties,
    reason: letter.deadLetterReason,
    description: letter.deadLetterErrorDescription,
    at: letter.deadLetteredAt,
  };
}

export function inProcessDeadLetters(
  queue: Pick<InProcessQueue, 'deadLetters' | 'takeDeadLetters' | 'send'>,
  now: () => Date,
): DeadLetters {
  return {
    async list(name, max) {
      const letters = queue.deadLetters(name).map((letter) => summaryOf(name, deadLettered(letter)));
      return { available: true, letters: newestFirst(letters, max) };
    },
    async resubmit(name, messageIds, max) {
      const wanted = messageIds ? new Set(messageIds) : undefined;
      const chosen = queue
        .deadLetters(name)
        .filter((letter) => !wanted || wanted.has(letter.info.messageId))
        .slice(0, max);
      const resubmitted: string[] = [];
      for (const letter of chosen) {
        await queue.send(name, [resubmittedCopy(deadLettered(letter), now())]);
        queue.takeDeadLetters(name, [letter.info.messageId]);
        resubmitted.push(letter.info.messageId);
      }
      return { resubmitted, notFound: [...(wanted ?? [])].filter((id) => !resubmitted.includes(id)) };
    },
  };
}
