// PBX slots this instance holds between calls. A slot taken in Table
// Storage costs a write to take and a delete to give back; in a burst (a
// tenant's first sync, a rules change) the next delivery of the same
// integration on this instance usually starts a moment after one ends. The
// ending call parks its slot here instead of deleting it, and the next call
// takes it over without a Table request while its lease still covers a whole
// call; a slot nobody takes within the park time is deleted as before. The
// table's count stays true across instances: a parked slot is a held one, at
// most as many per integration as this instance's permits, and its lease ends
// it if the instance stops.

export interface ParkedSlot {
  integrationId: string;
  slot: number;
  /** When the slot's lease ends, in ms since the epoch (the wall clock the leases are compared on). */
  leaseUntilMs: number;
}

export interface ParkedSlots<Slot extends ParkedSlot = ParkedSlot> {
  /** A parked slot of the integration whose lease lasts at least until `untilMs`, no longer parked. */
  reuse(integrationId: string, untilMs: number): Slot | undefined;
  /** Parks a slot; `free` is called unless the slot is reused within `parkMs`. */
  park(slot: Slot, parkMs: number, free: (slot: Slot) => Promise<void>): void;
  /** Slot numbers of the integration this instance holds (in a call or parked), for the blind guess to avoid. */
  mine(integrationId: string): ReadonlySet<number>;
  /** A slot this instance now holds for a call. */
  holding(integrationId: string, slot: number): void;
  /** A slot this instance no longer holds (given back, lost to a takeover, or failed to take). */
  gone(integrationId: string, slot: number): void;
  /** Frees every parked slot now (a test's end, an instance shutting down). */
  freeAll(): Promise<void>;
}

interface Parked<Slot> {
  slot: Slot;
  timer: NodeJS.Timeout;
  free: (slot: Slot) => Promise<void>;
}

export function parkedSlots<Slot extends ParkedSlot = ParkedSlot>(): ParkedSlots<Slot> {
  const parked = new Map<string, Parked<Slot>[]>();
  const held = new Map<string, Set<number>>();
  const freeing = new Set<Promise<void>>();

  const heldOf = (integrationId: string) => {
    const set = held.get(integrationId) ?? new Set<number>();
    held.set(integrationId, set);
    return set;
  };
  const gone = (integrationId: string, slot: number) => {
    const set = held.get(integrationId);
    set?.delete(slot);
    if (set?.size === 0) held.delete(integrationId);
  };
  const unpark = (entry: Parked<Slot>) => {
    const list = parked.get(entry.slot.integrationId) ?? [];
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) parked.delete(entry.slot.integrationId);
    clearTimeout(entry.timer);
  };
  const release = (entry: Parked<Slot>) => {
    unpark(entry);
    const done = entry
      .free(entry.slot)
      .catch(() => undefined)
      .finally(() => {
        gone(entry.slot.integrationId, entry.slot.slot);
        freeing.delete(done);
      });
    freeing.add(done);
    return done;
  };

  return {
    reuse(integrationId, untilMs) {
      const list = parked.get(integrationId) ?? [];
      // The slot with the longest lease left first; one too short to cover a call is freed now.
      list.sort((a, b) => b.slot.leaseUntilMs - a.slot.leaseUntilMs);
      for (const entry of [...list]) {
        if (entry.slot.leaseUntilMs >= untilMs) {
          unpark(entry);
          return entry.slot;
        }
        void release(entry);
      }
      return undefined;
    },
    park(slot, parkMs, free) {
      heldOf(slot.integrationId).add(slot.slot);
      const entry: Parked<Slot> = { slot, free, timer: setTimeout(() => void release(entry), parkMs) };
      // A parked slot never keeps a process alive that has nothing else to do; its lease frees it then.
      entry.timer.unref();
      const list = parked.get(slot.integrationId) ?? [];
      list.push(entry);
      parked.set(slot.integrationId, list);
    },
    mine: (integrationId) => held.get(integrationId) ?? new Set<number>(),
    holding: (integrationId, slot) => {
      heldOf(integrationId).add(slot);
    },
    gone,
    async freeAll() {
      for (const list of [...parked.values()]) for (const entry of [...list]) void release(entry);
      await Promise.all([...freeing]);
    },
  };
}
