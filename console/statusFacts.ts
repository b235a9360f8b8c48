// A user's status in words: the state now with its call handling, until when,
// when they are back, what comes next and the sentence the PBX can say. The
// users tab shows it for a stored user, the try-it box for one tried absence.

import type { Status, StatusSegment } from './apiTypes.js';
import { el } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';

/** "Available", or "Away: Lunch (lunch), Diversion". */
export function stateText(segment: StatusSegment): string {
  if (segment.status === 'available') return t('state_available');
  return `${t('state_away')}: ${segment.reason.name} (${segment.reason.code}), ${labelFor('handling', segment.callHandling)}`;
}

/** The status as a definition list; times in `timeZone`, the user's own. */
export function statusFacts(status: Status, timeZone: string): HTMLElement {
  const { current, next } = status;
  const facts: [string, string, string][] = [
    ['now', t('statusNow'), stateText(current)],
    ['until', t('statusUntil'), current.until ? formatTime(current.until, timeZone) : t('noChangeAhead')],
  ];
  if (current.status === 'away')
    facts.push([
      'return',
      t('statusReturn'),
      current.returnUnknown ? t('returnUnknown') : formatTime(current.returnAt, timeZone),
    ]);
  if (next) facts.push(['next', t('statusNext'), `${stateText(next)} (${formatTime(next.start, timeZone)})`]);
  facts.push(['announcement', t('announcement'), status.announcement.text]);
  facts.push(['zone', t('timesIn'), timeZone]);
  return el(
    'dl',
    { class: `status-facts now-${current.status}` },
    ...facts.flatMap(([key, term, value]) => [el('dt', {}, term), el('dd', { 'data-fact': key }, value)]),
  );
}
