import { callApi, integrationPath } from './api.js';
import { type Explanation, type RuleSet, SHOW_AS } from './apiTypes.js';
import { checkbox, el, field, notice, select } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';
import { statusFacts } from './statusFacts.js';

/** `YYYY-MM-DDTHH:MM` for a datetime-local field, in the browser's own clock. */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The rules' dry run: an event typed in like Outlook shows it, turned into
 * the Graph event the explain route reads, tried with the rules on screen.
 */
export function tryItBox(integrationId: string, rules: () => RuleSet): HTMLElement {
  const nextHour = new Date();
  nextHour.setMinutes(0, 0, 0);
  nextHour.setHours(nextHour.getHours() + 1);
  const subject = field(t('subject'), el('input', { type: 'text', name: 'subject' }));
  const showAs = field(
    t('showAs'),
    select(
      SHOW_AS.map((value) => ({ value, label: labelFor('showAs', value) })),
      'busy',
    ),
  );
  const isPrivate = checkbox(t('isPrivate'), false);
  const category = field(t('category'), el('input', { type: 'text', name: 'category' }));
  const start = field(t('start'), el('input', { type: 'datetime-local', value: localInput(nextHour) }));
  const end = field(
    t('end'),
    el('input', { type: 'datetime-local', value: localInput(new Date(nextHour.getTime() + 3_600_000)) }),
  );
  const zone = field(
    t('timeZone'),
    el('input', { type: 'text', value: Intl.DateTimeFormat().resolvedOptions().timeZone }),
  );
  const messages = notice();
  const result = el('div', { class: 'result', 'aria-live': 'polite', id: 'try-it-result' });
  const form = el(
    'form',
    { class: 'try-it', 'aria-labelledby': 'try-it-heading', novalidate: true },
    el('h3', { id: 'try-it-heading' }, t('tryIt')),
    el('p', { class: 'help' }, t('tryItHelp')),
    el('div', { class: 'columns' }, subject.row, showAs.row, category.row, isPrivate.row),
    el('div', { class: 'columns' }, start.row, end.row, zone.row),
    el('button', { type: 'submit' }, t('tryIt')),
    messages.element,
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    messages.clear();
    result.replaceChildren();
    const timeZone = zone.control.value.trim();
    // Graph's shape: a wall clock with seconds plus the zone it is in.
    const at = (value: string) => ({ dateTime: value.length === 16 ? `${value}:00` : value, timeZone });
    const answer = await callApi<Explanation>('POST', integrationPath(integrationId, '/explain'), {
      event: {
        // The sync reads only events with an id; a typed-in one needs one too.
        id: 'dry-run',
        subject: subject.control.value,
        showAs: showAs.control.value,
        sensitivity: isPrivate.control.checked ? 'private' : 'normal',
        categories: category.control.value.trim() ? [category.control.value.trim()] : [],
        start: at(start.control.value),
        end: at(end.control.value),
      },
      rules: rules(),
    });
    if (!answer.ok) {
      messages.error(answer.error);
      return;
    }
    const evaluation = answer.body.evaluation;
    if (evaluation.outcome === 'skip') {
      result.replaceChildren(el('p', { class: 'outcome skip' }, `${t('nothingSent')} ${evaluation.why}`));
      return;
    }
    const absence = evaluation.absence;
    const facts: [string, string][] = [
      [t('reason'), `${absence.reason.name} (${absence.reason.code})`],
      [t('callHandling'), labelFor('handling', absence.callHandling)],
      [t('start'), formatTime(absence.start, timeZone)],
      [t('end'), formatTime(absence.end, timeZone)],
      [t('subject'), absence.subject ?? t('noSubject')],
      [t('decidedBy'), evaluation.decidedBy],
    ];
    result.replaceChildren(
      el('p', { class: 'outcome absence' }, t('pbxWouldGet')),
      el('dl', {}, ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)])),
      ...(answer.body.status
        ? [
            el('p', { class: 'outcome status' }, t('statusWouldBe')),
            statusFacts(answer.body.status, timeZone),
          ]
        : []),
    );
  });
  return form;
}
