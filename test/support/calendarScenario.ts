import type { LocalHost } from '../../dev/localHost/localHost';
import { absenceIdFor } from '../../shared/domain/rules/evaluate';

const HOUR = 3_600_000;

type ShowAs = 'busy' | 'oof' | 'free' | 'tentative';

interface ModelEvent {
  userId: string;
  showAs: ShowAs;
  isPrivate: boolean;
  start: number;
  end: number;
}

/** What the PBX should show for one absence, in a form two maps can be compared by. */
export type AbsenceShape = `${string}|${string}|${string}`;

export interface ScenarioOptions {
  /** Creates land this many hours ahead at most. */
  horizonHours: number;
  /** Share of created events marked private. */
  privateShare: number;
  showAs: readonly ShowAs[];
  /** Below this many events every change is a create. */
  minEvents: number;
}

/**
 * Random calendar changes applied to the simulator and, independently, to a
 * model of what the PBX should end with under availability-default. The
 * convergence tests compare the PBX sink against that model.
 */
export function calendarScenario(
  host: LocalHost,
  userIds: () => readonly string[],
  random: () => number,
  options: ScenarioOptions,
) {
  const model = new Map<string, ModelEvent>();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const graphTime = (ms: number) => ({
    dateTime: new Date(ms).toISOString().replace('Z', ''),
    timeZone: 'UTC',
  });

  /** One random change; answers the user whose calendar it touched. */
  function change(forced?: 'busy'): string {
    const base = Math.ceil(host.runtime.now().getTime() / HOUR) * HOUR;
    const ids = [...model.keys()];
    const kind =
      forced || ids.length < options.minEvents
        ? 'create'
        : pick(['create', 'create', 'update', 'update', 'delete']);
    if (kind === 'create') {
      const userId = pick(userIds());
      const start = base + (2 + Math.floor(random() * options.horizonHours)) * HOUR;
      const event: ModelEvent = {
        userId,
        showAs: forced ?? pick(options.showAs),
        isPrivate: !forced && random() < options.privateShare,
        start,
        end: start + (1 + Math.floor(random() * 3)) * HOUR,
      };
      const created = host.simulator.createEvent(userId, {
        subject: event.isPrivate ? 'Private scenario' : 'Scenario',
        showAs: event.showAs,
        sensitivity: event.isPrivate ? 'private' : 'normal',
        start: graphTime(event.start),
        end: graphTime(event.end),
      });
      model.set(created.id, event);
      return userId;
    }
    if (kind === 'update') {
      const id = pick(ids);
      const event = model.get(id)!;
      const shift = (1 + Math.floor(random() * 4)) * HOUR;
      const updated = { ...event, start: event.start + shift, end: event.end + shift };
      if (random() < 0.3) updated.showAs = pick(['busy', 'oof', 'free'] as const);
      host.simulator.updateEvent(event.userId, id, {
        showAs: updated.showAs,
        start: graphTime(updated.start),
        end: graphTime(updated.end),
      });
      model.set(id, updated);
      return event.userId;
    }
    const id = pick(ids);
    const { userId } = model.get(id)!;
    host.simulator.deleteEvent(userId, id);
    model.delete(id);
    return userId;
  }

  /** availability-default from the model: Busy and Out of office, private ones left out; `users` narrows it. */
  function expected(users?: ReadonlySet<string>): Map<string, AbsenceShape> {
    const wanted = new Map<string, AbsenceShape>();
    for (const [id, e] of model) {
      if (users && !users.has(e.userId)) continue;
      if (e.isPrivate || (e.showAs !== 'busy' && e.showAs !== 'oof')) continue;
      const reason = e.showAs === 'oof' ? 'out-of-office' : 'busy';
      wanted.set(
        absenceIdFor(id),
        `${new Date(e.start).toISOString()}|${new Date(e.end).toISOString()}|${reason}`,
      );
    }
    return wanted;
  }

  /** What the PBX sink holds; `emails` narrows it to those users. */
  function pbxState(emails?: ReadonlySet<string>): Map<string, AbsenceShape> {
    return new Map(
      [...host.sink!.state()]
        .filter(([, a]) => !emails || emails.has(a.userEmail))
        .map(([id, a]): [string, AbsenceShape] => [id, `${a.start}|${a.end}|${a.reason.code}`]),
    );
  }

  return { change, expected, pbxState };
}
