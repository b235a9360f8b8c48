// One user's own trigger words: phrase → reason and call handling, on top of
// the integration's. Save replaces the whole list (PUT), and the API's reason
// for a refusal is shown as it is, with the row it names marked invalid.

import { callApi, integrationPath } from './api.js';
import type { Integration, User, UserTrigger } from './apiTypes.js';
import { button, el, notice } from './elements.js';
import { t } from './labels.js';
import { type OutcomeRowsShape, outcomeRowsTable } from './outcomeRows.js';

export function userTriggersEditor(
  integration: Integration,
  user: User & { id: string },
  onSaved: (triggers: UserTrigger[]) => void,
  onClose: () => void,
): HTMLElement {
  const draft: UserTrigger[] = structuredClone(user.triggers ?? []);
  const messages = notice();
  const rows = el('div', { class: 'rule-list' });
  const headingId = 'user-triggers-heading';

  const reasonOptions = (current: string) => {
    const known = integration.ruleSet.reasons.map((reason) => ({
      value: reason.code,
      label: `${reason.name} (${reason.code})`,
    }));
    // A reason removed from the rules since: keep it visible so the person sees why it no longer counts.
    return known.some((option) => option.value === current) || current === ''
      ? known
      : [...known, { value: current, label: `${current} (${t('unknownReason')})` }];
  };

  const shape: OutcomeRowsShape<UserTrigger> = {
    label: t('phrase'),
    textField: 'phrase',
    text: (trigger) => trigger.phrase,
    setText: (trigger, text) => {
      trigger.phrase = text;
    },
    reasonOptions,
  };

  const draw = (focusLast: boolean) => {
    rows.replaceChildren(
      outcomeRowsTable(draft, shape, () => draw(false)) ?? el('p', {}, t('noTriggers')),
      button(
        `${t('add')}: ${t('phrase').toLowerCase()}`,
        () => {
          draft.push({
            phrase: '',
            reasonCode: integration.ruleSet.reasons[0]?.code ?? '',
            callHandling: 'information',
          });
          draw(true);
        },
        { class: 'add' },
      ),
    );
    // Once the person edits a control the API named, its mark no longer applies.
    for (const control of rows.querySelectorAll('input, select')) {
      control.addEventListener('input', () => control.removeAttribute('aria-invalid'));
    }
    if (focusLast) rows.querySelector<HTMLInputElement>('tbody tr:last-child input')?.focus();
  };

  /** The API names the culprit as `triggers.1.phrase` (body check) or `userTriggers.1.reasonCode` (rules check). */
  const markNamedRow = (reason: string) => {
    const named = /\b(?:userTriggers|triggers)\.(\d+)\.(phrase|reasonCode|callHandling)\b/.exec(reason);
    if (!named) return;
    const control = rows.querySelector<HTMLElement>(`[data-row="${named[1]}"][data-field="${named[2]}"]`);
    control?.setAttribute('aria-invalid', 'true');
    control?.setAttribute('aria-describedby', `${headingId}-error`);
    control?.focus();
  };

  const form = el(
    'form',
    { 'aria-labelledby': headingId, novalidate: true, class: 'user-triggers', id: 'user-triggers' },
    el('h3', { id: headingId }, `${t('userTriggersFor')}: ${user.displayName ?? user.email}`),
    el('p', { class: 'help' }, t('userTriggersHelp')),
    rows,
    el(
      'div',
      { class: 'save-row' },
      el('button', { type: 'submit', class: 'primary' }, t('saveTriggers')),
      button(t('close'), onClose),
    ),
    messages.element,
  );
  messages.element.querySelector('.notice.error')?.setAttribute('id', `${headingId}-error`);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    messages.clear();
    for (const marked of rows.querySelectorAll('[aria-invalid]')) {
      marked.removeAttribute('aria-invalid');
      marked.removeAttribute('aria-describedby');
    }
    const answer = await callApi<User>(
      'PUT',
      integrationPath(integration.id, `/users/${encodeURIComponent(user.id)}/triggers`),
      { triggers: draft },
    );
    if (!answer.ok) {
      messages.error(answer.error);
      markNamedRow(answer.error);
      return;
    }
    const saved = answer.body.triggers ?? [];
    draft.splice(0, draft.length, ...structuredClone(saved));
    draw(false);
    messages.info(t('triggersSaved'));
    onSaved(saved);
  });
  draw(false);
  return form;
}
