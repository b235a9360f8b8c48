/** Every request the simulator answered, so tests and benchmarks can count Graph calls. */
export interface LoggedRequest {
  method: string;
  /** Path with query string, e.g. `/v1.0/users/u1/calendarView/delta?$deltatoken=…`. */
  path: string;
  status: number;
}

export interface RequestLog {
  total(): number;
  /** `succeeded`: only 2xx answers (true) or only the others (false), e.g. to assert that no write went through. */
  count(filter?: { method?: string; pathIncludes?: string; succeeded?: boolean }): number;
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
          (filter.pathIncludes === undefined || e.path.includes(filter.pathIncludes)) &&
          (filter.succeeded === undefined || (e.status >= 200 && e.status < 300) === filter.succeeded),
      ).length,
    reset() {
      entries = [];
    },
    log: () => entries.map((e) => ({ ...e })),
  };
}
