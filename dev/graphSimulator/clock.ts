// The simulator's notion of "now". Subscriptions expire and events are stamped
// against it, so tests can jump days ahead without waiting. Time keeps flowing
// from the moment it was set, like a real clock that was moved.

export interface SimulatorClock {
  now(): Date;
  set(date: Date): void;
  advance(ms: number): void;
  /** Called after every `set` and `advance`: timers waiting for a time on this clock must look again. */
  onMove(listener: () => void): void;
}

export function createSimulatorClock(source: () => Date = () => new Date()): SimulatorClock {
  let offsetMs = 0;
  const listeners: Array<() => void> = [];
  const moved = () => {
    for (const listener of listeners) listener();
  };
  return {
    now: () => new Date(source().getTime() + offsetMs),
    set(date) {
      offsetMs = date.getTime() - source().getTime();
      moved();
    },
    advance(ms) {
      offsetMs += ms;
      moved();
    },
    onMove(listener) {
      listeners.push(listener);
    },
  };
}
