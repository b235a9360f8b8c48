// The simulator's notion of "now". Subscriptions expire and events are stamped
// against it, so tests can jump days ahead without waiting. Time keeps flowing
// from the moment it was set, like a real clock that was moved.

export interface SimulatorClock {
  now(): Date;
  set(date: Date): void;
  advance(ms: number): void;
}

export function createSimulatorClock(source: () => Date = () => new Date()): SimulatorClock {
  let offsetMs = 0;
  return {
    now: () => new Date(source().getTime() + offsetMs),
    set(date) {
      offsetMs = date.getTime() - source().getTime();
    },
    advance(ms) {
      offsetMs += ms;
    },
  };
}
