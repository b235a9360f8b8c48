/** Every request the simulator answered, so tests and benchmarks can count Graph calls. */
export interface LoggedRequest {
  method: string;
  /** Path with query string, e.g. `/v1.0/users/u1/calendarView/delta?$deltatoken=…`. */
  path: string;
  status: number;
}

export interface RequestLog {
  total(): number;
  count(filter?: { method?: string; pathIncludes?: string }): number;
  reset(): void;
  log(): LoggedRequest[];
}

export function createRequestLog(): RequestLog & { add(entry: LoggedRequest): void } {
  let entries: LoggedRequest[] = [];
  return {
    add(entry) {
      entries.push(entry);
    },
    total: () => entries.length,
    count: (filter = {}) =>
      entries.filter(
        (e) =>
          (filter.method === undefined || e.method.toUpperCase() === filter.method.toUpperCase()) &&
          (filter.pathIncludes === undefined || e.path.includes(filter.pathIncludes)),
      ).length,
    reset() {
      entries = [];
    },
    log: () => entries.map((e) => ({ ...e })),
  };
}
