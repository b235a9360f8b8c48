// Posts notifications in the background, the way Graph does: the write that
// caused them has already been answered. Keeps every POST in flight visible
// so tests can await them instead of sleeping.

export interface NotificationSender {
  /** Resolves when this POST completed (or failed: Graph does not tell the writer either way). */
  /** `extraDelayMs` adds to the sender's own delay (the fault injector's disorder). */
  send(url: string, payload: unknown, extraDelayMs?: number): Promise<void>;
  flush(): Promise<void>;
  stop(): void;
  deliveries(): NotificationDelivery[];
}

export interface NotificationDelivery {
  url: string;
  payload: unknown;
  /** HTTP status the receiver answered, or 0 when it could not be reached. */
  status: number;
}

const DELIVERY_TIMEOUT_MS = 10_000;

export function createNotificationSender(delayMs: number): NotificationSender {
  const pending = new Set<Promise<void>>();
  const aborter = new AbortController();
  const delivered: NotificationDelivery[] = [];

  const deliver = async (url: string, payload: unknown, extraDelayMs: number) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs + extraDelayMs));
    let status = 0;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    delivered.push({ url, payload, status });
  };

  return {
    send(url, payload, extraDelayMs = 0) {
      const delivery = deliver(url, payload, extraDelayMs).finally(() => pending.delete(delivery));
      pending.add(delivery);
      return delivery;
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stop() {
      aborter.abort();
    },
    deliveries: () => [...delivered],
  };
}
