// The queue port. Service Bus in Azure, an in-process queue locally; both keep
// the semantics the code relies on: at-least-once delivery, delivery count,
// dead-letter after a maximum, scheduled messages, duplicate detection by
// message id within a window, and sessions (one message per session at a time).

export const QUEUE_NAMES = ['sync', 'deliveries'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type ApplicationProperties = Record<string, string | number | boolean>;

export interface OutgoingMessage<T = unknown> {
  body: T;
  /** Duplicate detection key: a second message with the same id inside the window is dropped. */
  messageId: string;
  /** Messages of one session are handled one at a time, in order. */
  sessionId?: string;
  /** Not delivered before this instant. */
  scheduledEnqueueTime?: Date;
  applicationProperties?: ApplicationProperties;
}

/** What a queue handler learns about the message besides its body (as in Service Bus trigger metadata). */
export interface ReceivedMessageInfo {
  messageId: string;
  /** 1 on the first delivery. */
  deliveryCount: number;
  sessionId?: string;
  enqueuedTime: Date;
  applicationProperties: ApplicationProperties;
}

export interface QueueSender {
  send(queue: QueueName, messages: OutgoingMessage[]): Promise<void>;
}
