// The status rules on the settings tab (`ruleSet.status`): whether the PBX
// gets `user.status`, return times at the start of working hours, the
// announcement's language, and which absence wins an overlap (the order of
// the criteria and a priority per reason). Saved with the rest of the rule
// set; a refusal is shown at the field the API names.

import { LANGUAGES, PRECEDENCE_CRITERIA, type RuleSet, type StatusSettings } from './apiTypes.js';
import { checkbox, el, type Field, field, select } from './elements.js';
import { labelFor, t } from './labels.js';

type Criterion = (typeof PRECEDENCE_CRITERIA)[number];

/** The status rules as typed: a priority that is no number stays text, so the API's refusal names it. */
export type StatusDraft = Omit<StatusSettings, 'precedence'> & {
  precedence: { order: Criterion[]; reasonPriority: Record<string, number | string> };
};

export interface StatusSettingsFields {
  element: HTMLElement;
  value(): StatusDraft;
  /** Whether the status rules differ from `saved`, the order of the priorities aside. */
  changedFrom(saved: StatusSettings): boolean;
  clearErrors(): void;
  /** Shows a refusal at the field `path` names; false when the path is not one of these fields. */
  showError(path: string | undefined, reason: string): boolean;
}

export function statusSettingsFields(rules: RuleSet): StatusSettingsFields {
  const saved = rules.status;
  const send = checkbox(t('statusSend'), saved.send);
  const workingHours = checkbox(t('statusWorkingHours'), saved.useWorkingHours);
  const language = field(
    t('statusLanguage'),
    select(
      LANGUAGES.map((value) => ({ value, label: labelFor('lang', value) })),
      saved.language,
    ),
  );
  const steps = PRECEDENCE_CRITERIA.map((_, index) =>
    field(
      `${t('precedenceStep')} ${index + 1}`,
      select(
        [
          { value: '', label: t('none') },
          ...PRECEDENCE_CRITERIA.map((value) => ({ value, label: labelFor('criterion', value) })),
        ],
        saved.precedence.order[index] ?? '',
      ),
    ),
  );
  const priorities = new Map<string, Field<HTMLInputElement>>(
    rules.reasons.map((reason) => {
      const current = saved.precedence.reasonPriority[reason.code];
      const input = el('input', {
        type: 'number',
        step: '1',
        min: '-1000',
        max: '1000',
        value: current === undefined ? '' : String(current),
      });
      return [reason.code, field(`${t('priorityOf')}: ${reason.name}`, input)];
    }),
  );
  const groupError = el('p', { class: 'field-error', role: 'alert' });
  const all = [send, workingHours, language, ...steps, ...priorities.values()];

  const value = (): StatusDraft => {
    const reasonPriority: Record<string, number | string> = {};
    for (const [code, priority] of priorities) {
      const typed = priority.control.value.trim();
      if (typed === '') continue;
      reasonPriority[code] = Number.isFinite(Number(typed)) ? Number(typed) : typed;
    }
    return {
      send: send.control.checked,
      useWorkingHours: workingHours.control.checked,
      language: language.control.value as StatusSettings['language'],
      precedence: {
        order: steps.map((step) => step.control.value).filter((v): v is Criterion => v !== ''),
        reasonPriority,
      },
    };
  };

  const sorted = (priorities: Record<string, number | string>) =>
    JSON.stringify(Object.entries(priorities).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  return {
    element: el(
      'fieldset',
      { class: 'status-settings' },
      el('legend', {}, t('statusSettings')),
      send.row,
      workingHours.row,
      language.row,
      el('p', { class: 'help' }, t('precedence')),
      el('div', { class: 'columns' }, ...steps.map((step) => step.row)),
      el('p', { class: 'help' }, t('reasonPriorities')),
      el('div', { class: 'columns' }, ...[...priorities.values()].map((priority) => priority.row)),
      groupError,
    ),
    value,
    changedFrom(before) {
      const now = value();
      return (
        now.send !== before.send ||
        now.useWorkingHours !== before.useWorkingHours ||
        now.language !== before.language ||
        now.precedence.order.join() !== before.precedence.order.join() ||
        sorted(now.precedence.reasonPriority) !== sorted(before.precedence.reasonPriority)
      );
    },
    clearErrors() {
      for (const each of all) each.setError(undefined);
      groupError.textContent = '';
    },
    showError(path, reason) {
      if (!path?.startsWith('status')) return false;
      const [, key, part, code] = path.split('.');
      const at =
        key === 'send'
          ? send
          : key === 'useWorkingHours'
            ? workingHours
            : key === 'language'
              ? language
              : key === 'precedence' && part === 'order'
                ? steps[0]
                : key === 'precedence' && part === 'reasonPriority' && code !== undefined
                  ? priorities.get(code)
                  : undefined;
      if (at) {
        at.setError(reason);
        at.control.focus();
      } else groupError.textContent = reason;
      return true;
    },
  };
}
