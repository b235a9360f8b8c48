// The timeline of a user's next days as a small SVG chart: the effective
// status on the top lane, below it every absence on a lane of its own where
// absences overlap (absences that do not overlap share a lane), coloured by
// reason. Drawn with SVG attributes and classes only: the console's CSP
// (default-src 'self') refuses inline styles, and the colours live in
// console.css.

import type { UserStatusPanel } from './apiTypes.js';
import { el } from './elements.js';
import { formatTime, labelFor, language, t } from './labels.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 960;
const GUTTER = 96;
const PLOT = WIDTH - GUTTER - 8;
const AXIS = 22;
const LANE = 22;
const GAP = 6;
/** Colour classes in console.css, reason-0 … reason-7, by the reason's place in the catalogue. */
const PALETTE = 8;

type SvgAttributes = Record<string, string | number>;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: SvgAttributes,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

export function reasonClass(code: string, reasons: readonly { code: string }[]): string {
  const index = reasons.findIndex((reason) => reason.code === code);
  return index < 0 ? 'reason-other' : `reason-${index % PALETTE}`;
}

/** Local midnights in `timeZone` inside [fromMs, toMs), found on a quarter-hour grid (zones with :30 and :45 offsets included). */
function midnights(fromMs: number, toMs: number, timeZone: string): number[] {
  const clock = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const step = 15 * 60_000;
  const found: number[] = [];
  for (let ms = Math.ceil(fromMs / step) * step; ms < toMs; ms += step) {
    if (clock.format(ms) === '00:00') found.push(ms);
  }
  return found;
}

/** Greedy lanes: each absence goes to the first lane free at its start, so overlapping ones never share. */
function lanesOf<T extends { start: string; end: string }>(items: readonly T[]): T[][] {
  const lanes: { endMs: number; items: T[] }[] = [];
  for (const item of [...items].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const startMs = Date.parse(item.start);
    const lane = lanes.find((candidate) => candidate.endMs <= startMs);
    if (lane) {
      lane.items.push(item);
      lane.endMs = Date.parse(item.end);
    } else lanes.push({ endMs: Date.parse(item.end), items: [item] });
  }
  return lanes.map((lane) => lane.items);
}

export function statusChart(panel: UserStatusPanel, reasons: readonly { code: string; name: string }[]) {
  const zone = panel.user.timeZone;
  const fromMs = Date.parse(panel.at);
  const toMs = Date.parse(panel.horizon);
  const x = (iso: string) => {
    const ms = Math.min(toMs, Math.max(fromMs, Date.parse(iso)));
    return GUTTER + ((ms - fromMs) / (toMs - fromMs)) * PLOT;
  };
  const span = (start: string, end: string) => `${formatTime(start, zone)} – ${formatTime(end, zone)}`;
  const lanes = lanesOf(panel.absences);
  const height = AXIS + LANE + GAP * 2 + Math.max(1, lanes.length) * (LANE + GAP);
  const titleId = `chart-title-${panel.user.id}`;
  const chart = svg(
    'svg',
    {
      class: 'status-chart',
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-labelledby': titleId,
    },
    svg('title', { id: titleId }, `${t('timelineChart')}: ${panel.user.email}`),
  );

  const dayLabel = new Intl.DateTimeFormat(language() === 'sv' ? 'sv-SE' : 'en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
  });
  const ticks = midnights(fromMs, toMs, zone);
  const every = Math.max(1, Math.ceil(ticks.length / 14));
  for (const [index, ms] of ticks.entries()) {
    const at = x(new Date(ms).toISOString());
    chart.append(svg('line', { class: 'day-line', x1: at, x2: at, y1: AXIS - 4, y2: height }));
    // A label needs about 48 units; one that would run off the right edge is left out.
    if (index % every === 0 && at < WIDTH - 48) {
      chart.append(svg('text', { class: 'day-label', x: at + 3, y: AXIS - 8 }, dayLabel.format(ms)));
    }
  }

  const statusY = AXIS;
  chart.append(svg('text', { class: 'lane-label', x: 0, y: statusY + LANE - 6 }, t('laneStatus')));
  for (const segment of panel.timeline) {
    const left = x(segment.start);
    const width = Math.max(1, x(segment.end) - left);
    const classes =
      segment.status === 'available'
        ? 'segment state-available'
        : `segment state-away ${reasonClass(segment.reason.code, reasons)} handling-${segment.callHandling}`;
    const what =
      segment.status === 'available'
        ? t('state_available')
        : `${segment.reason.name}, ${labelFor('handling', segment.callHandling)}`;
    chart.append(
      svg(
        'rect',
        { class: classes, x: left, y: statusY, width, height: LANE, 'data-status': segment.status },
        svg('title', {}, `${what}: ${span(segment.start, segment.end)}`),
      ),
    );
  }

  const lanesY = statusY + LANE + GAP * 2;
  chart.append(svg('text', { class: 'lane-label', x: 0, y: lanesY + LANE - 6 }, t('laneAbsences')));
  for (const [laneIndex, lane] of lanes.entries()) {
    const y = lanesY + laneIndex * (LANE + GAP);
    for (const absence of lane) {
      const left = x(absence.start);
      chart.append(
        svg(
          'rect',
          {
            class: `absence ${reasonClass(absence.reason.code, reasons)} handling-${absence.callHandling}`,
            x: left,
            y,
            width: Math.max(1, x(absence.end) - left),
            height: LANE,
            'data-absence': absence.id,
            'data-lane': laneIndex,
          },
          svg(
            'title',
            {},
            `${absence.reason.name}, ${labelFor('handling', absence.callHandling)}: ${span(absence.start, absence.end)}`,
          ),
        ),
      );
    }
  }
  return el(
    'figure',
    { class: 'timeline' },
    chart,
    legend(panel, reasons),
    panel.absences.length === 0 ? el('p', { class: 'help' }, t('noAbsencesAhead')) : null,
  );
}

/** The reasons on the chart with their colours, and what an outlined bar means. */
function legend(panel: UserStatusPanel, reasons: readonly { code: string; name: string }[]): HTMLElement {
  const shown = new Map<string, string>();
  for (const absence of panel.absences) shown.set(absence.reason.code, absence.reason.name);
  const item = (swatch: string, text: string) =>
    el('li', {}, el('span', { class: `swatch ${swatch}`, 'aria-hidden': 'true' }), text);
  return el(
    'figcaption',
    {},
    el(
      'ul',
      { class: 'legend' },
      item('state-available', t('state_available')),
      ...[...shown].map(([code, name]) => item(reasonClass(code, reasons), name)),
      item('handling-diversion', labelFor('handling', 'diversion')),
    ),
  );
}
