// Permits within one instance, in front of the PBX slots in Table Storage.
// An instance runs up to 16 deliveries at once; were they all to race for an
// integration's few slots, most would lose, poll Table Storage and hand their
// webhooks back to the queue while the slots sit free a moment later. Here
// they queue in memory instead, first come first served, and the next one
// goes as soon as a call of this instance ends. Only permit holders (never
// more than the cap per instance) touch the table; it stays the one count
// that holds across instances.

export interface LocalPermits {
  /**
   * A permit for `key` while fewer than `limit` are out, else the first one
   * given back within `waitMs`; undefined when none came. The answer frees it.
   */
  acquire(key: string, limit: number, waitMs: number): Promise<(() => void) | undefined>;
}

interface Gate {
  out: number;
  waiting: Array<(release: () => void) => void>;
}

export function localPermits(): LocalPermits {
  const gates = new Map<string, Gate>();

  function releaseOf(key: string, gate: Gate): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = gate.waiting.shift();
      // Handed on directly, so a newcomer cannot slip in between.
      if (next) return next(releaseOf(key, gate));
      gate.out--;
      if (gate.out === 0) gates.delete(key);
    };
  }

  return {
    acquire(key, limit, waitMs) {
      const gate = gates.get(key) ?? { out: 0, waiting: [] };
      gates.set(key, gate);
      if (gate.out < limit) {
        gate.out++;
        return Promise.resolve(releaseOf(key, gate));
      }
      return new Promise((resolve) => {
        const take = (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        };
        const timer = setTimeout(() => {
          gate.waiting.splice(gate.waiting.indexOf(take), 1);
          resolve(undefined);
        }, waitMs);
        gate.waiting.push(take);
      });
    },
  };
}
