// One user's status and timeline on the users tab, from the management API's
// status route: the status in words, the chart of the next days, and the
// same timeline as a table for screen readers and for copying.

import { callApi, integrationPath } from './api.js';
import type { Integration, UserStatusPanel } from './apiTypes.js';
import { button, el, field, notice, select, table } from './elements.js';
import { formatTime, t } from './labels.js';
import { statusChart } from './statusChart.js';
import { stateText, statusFacts } from './statusFacts.js';

const DAY_CHOICES = [1, 3, 7, 14, 30, 60] as const;

export function statusPanel(
  integration: Integration,
  user: { id: string; email: string },
  onClose: () => void,
): HTMLElement {
  const messages = notice();
  const body = el('div', { class: 'status-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  const days = field(
    t('daysAhead'),
    select(
      DAY_CHOICES.map((value) => ({ value: String(value), label: String(value) })),
      // A few days: an hour-long absence is still wide enough to see and to point at.
      '3',
      { name: 'days' },
    ),
  );
  const draw = async () => {
    messages.clear();
    body.setAttribute('aria-busy', 'true');
    const answer = await callApi<UserStatusPanel>(
      'GET',
      integrationPath(
        integration.id,
        `/users/${encodeURIComponent(user.id)}/status?days=${encodeURIComponent(days.control.value)}`,
      ),
    );
    body.setAttribute('aria-busy', 'false');
    if (!answer.ok) {
      body.replaceChildren();
      messages.error(answer.error);
      return;
    }
    const panel = answer.body;
    const zone = panel.user.timeZone;
    body.replaceChildren(
      statusFacts(panel.status, zone),
      statusChart(panel, integration.ruleSet.reasons),
      el(
        'details',
        {},
        el('summary', {}, t('timelineRows')),
        table(
          [t('start'), t('end'), t('status')],
          panel.timeline.map((segment) => [
            el('span', {}, formatTime(segment.start, zone)),
            el('span', {}, formatTime(segment.end, zone)),
            el('span', {}, stateText(segment)),
          ]),
          t('timelineChart'),
        ),
      ),
    );
  };
  days.control.addEventListener('change', () => void draw());
  void draw();
  return el(
    'section',
    { class: 'user-status', id: 'user-status', 'aria-labelledby': 'user-status-heading' },
    el('h3', { id: 'user-status-heading' }, `${t('userStatusOf')} ${user.email}`),
    el(
      'div',
      { class: 'inline-form' },
      days.row,
      button(t('refresh'), () => void draw()),
      button(t('close'), onClose),
    ),
    messages.element,
    body,
  );
}
