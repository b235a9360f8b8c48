// The rules as a grid, like the availability table customers know: each
// "show as" value → synced, reason, call handling; then prefixes, trigger
// words and categories. Edits go to a draft; Save sends the whole rule set,
// and the API's reason for a refusal is shown as it is: at the automatic
// replies row when the API's path names it, otherwise below the rules.

import { callApi, integrationPath } from './api.js';
import {
  CALL_HANDLING,
  type CallHandling,
  type Outcome,
  PRESETS,
  type RuleSet,
  SHOW_AS,
} from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, notice, select } from './elements.js';
import { labelFor, t } from './labels.js';
import { type OutcomeRowsShape, outcomeRowsTable } from './outcomeRows.js';
import { tryItBox } from './tryIt.js';

let rulesNotice: string | undefined;

export function renderRules(context: ConsoleContext): HTMLElement {
  const integration = context.selected;
  if (!integration) return el('p', {}, t('noIntegrations'));
  const draft: RuleSet = structuredClone(integration.ruleSet);
  const messages = notice();
  const replies = automaticRepliesRow(draft);
  if (rulesNotice) messages.info(rulesNotice);
  rulesNotice = undefined;

  const save = async (body: unknown) => {
    messages.clear();
    replies.clearError();
    const answer = await callApi('PUT', integrationPath(integration.id, '/rules'), body);
    if (!answer.ok) {
      if (!replies.showError(answer.path, answer.error)) messages.error(answer.error);
      return;
    }
    rulesNotice = t('rulesSaved');
    await context.reload();
  };

  return el(
    'div',
    { class: 'rules' },
    el('h2', {}, `${t('tabRules')}: ${integration.name}`),
    presetPicker(draft, save),
    availabilityGrid(draft, replies.row),
    el('p', { class: 'help' }, t('automaticRepliesHelp')),
    outcomeList(draft, 'prefixes', {
      label: t('prefix'),
      textField: 'prefix',
      text: (rule) => rule.prefix,
      setText: (rule, text) => {
        rule.prefix = text;
      },
      make: (outcome) => ({ prefix: '', ...outcome }),
    }),
    outcomeList(draft, 'triggers', {
      label: t('phrase'),
      textField: 'phrase',
      text: (rule) => rule.phrase,
      setText: (rule, text) => {
        rule.phrase = text;
      },
      make: (outcome) => ({ phrase: '', ...outcome }),
    }),
    outcomeList(draft, 'categories', {
      label: t('category'),
      textField: 'category',
      text: (rule) => rule.category,
      setText: (rule, text) => {
        rule.category = text;
      },
      make: (outcome) => ({ category: '', ...outcome }),
    }),
    el(
      'div',
      { class: 'save-row' },
      button(t('saveRules'), () => void save(draft), { class: 'primary' }),
    ),
    messages.element,
    tryItBox(integration.id, () => draft),
  );
}

function presetPicker(draft: RuleSet, save: (body: unknown) => Promise<void>): HTMLElement {
  const picker = select(
    PRESETS.map((value) => ({ value, label: value })),
    draft.preset && (PRESETS as readonly string[]).includes(draft.preset) ? draft.preset : PRESETS[0],
    { id: 'preset-picker' },
  );
  return el(
    'div',
    { class: 'field inline' },
    el('label', { for: picker.id }, t('choosePreset')),
    picker,
    button(t('applyPreset'), () => void save({ preset: picker.value })),
  );
}

function reasonOptions(draft: RuleSet, withNone: boolean) {
  return [
    ...(withNone ? [{ value: '', label: t('none') }] : []),
    ...draft.reasons.map((reason) => ({ value: reason.code, label: `${reason.name} (${reason.code})` })),
  ];
}

function handlingSelect(value: CallHandling, label: string, onChange: (value: CallHandling) => void) {
  const control = select(
    CALL_HANDLING.map((handling) => ({ value: handling, label: labelFor('handling', handling) })),
    value,
    { 'aria-label': label },
  );
  control.addEventListener('change', () => onChange(control.value as CallHandling));
  return control;
}

interface AutomaticRepliesRow {
  row: HTMLTableRowElement;
  clearError(): void;
  /** Shows a refusal in the row when the API's path is in `automaticReplies`; false otherwise. */
  showError(path: string | undefined, reason: string): boolean;
}

/** A row's three controls (synced, reason, call handling), each writing into `row` of the draft. */
function rowControls(
  draft: RuleSet,
  row: { sync: boolean; reasonCode?: string; callHandling: CallHandling },
  name: string,
  reasonAttributes: Record<string, string> = {},
) {
  const synced = el('input', { type: 'checkbox', 'aria-label': `${t('synced')}: ${name}` });
  synced.checked = row.sync;
  synced.addEventListener('change', () => {
    row.sync = synced.checked;
  });
  const reason = select(reasonOptions(draft, true), row.reasonCode ?? '', {
    'aria-label': `${t('reason')}: ${name}`,
    ...reasonAttributes,
  });
  reason.addEventListener('change', () => {
    if (reason.value) row.reasonCode = reason.value;
    else delete row.reasonCode;
  });
  const handling = handlingSelect(row.callHandling, `${t('callHandling')}: ${name}`, (value) => {
    row.callHandling = value;
  });
  return { synced, reason, handling };
}

/**
 * Outlook's automatic replies (`ruleSet.automaticReplies`, docs/rules.md
 * "Outlook automatic replies"): the same three fields as a "show as" row,
 * drawn as the grid's last row because it is read the same way.
 */
function automaticRepliesRow(draft: RuleSet): AutomaticRepliesRow {
  const name = t('automaticReplies');
  const { synced, reason, handling } = rowControls(draft, draft.automaticReplies, name, {
    id: 'automatic-replies-reason',
    'aria-describedby': 'automatic-replies-error',
  });
  const error = el('p', { class: 'field-error', id: 'automatic-replies-error', role: 'alert' });
  const controls = { sync: synced, reasonCode: reason, callHandling: handling } as const;
  const clearError = () => {
    error.textContent = '';
    for (const control of Object.values(controls)) control.removeAttribute('aria-invalid');
  };
  return {
    row: el(
      'tr',
      { class: 'automatic-replies' },
      el('th', { scope: 'row' }, name),
      el('td', {}, synced),
      el('td', {}, reason, error),
      el('td', {}, handling),
    ),
    clearError,
    showError(path, text) {
      if (path !== 'automaticReplies' && !path?.startsWith('automaticReplies.')) return false;
      clearError();
      const key = path.split('.')[1];
      // The API names the field; a path of the row as a whole points at its reason.
      const at = key === 'sync' || key === 'callHandling' ? controls[key] : reason;
      error.textContent = text;
      at.setAttribute('aria-invalid', 'true');
      at.focus();
      return true;
    },
  };
}

function availabilityGrid(draft: RuleSet, automaticReplies: HTMLTableRowElement): HTMLElement {
  const rows = SHOW_AS.map((showAs) => {
    const name = labelFor('showAs', showAs);
    const { synced, reason, handling } = rowControls(draft, draft.availability[showAs], name);
    return el(
      'tr',
      {},
      el('th', { scope: 'row' }, name),
      el('td', {}, synced),
      el('td', {}, reason),
      el('td', {}, handling),
    );
  });
  return el(
    'table',
    { class: 'grid' },
    el('caption', {}, t('availability')),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...[t('showAs'), t('synced'), t('reason'), t('callHandling')].map((h) =>
          el('th', { scope: 'col' }, h),
        ),
      ),
    ),
    el('tbody', {}, ...rows, automaticReplies),
  );
}

interface ListShape<R extends Outcome> extends Omit<OutcomeRowsShape<R>, 'reasonOptions'> {
  make(outcome: Outcome): R;
}

type ListName = 'prefixes' | 'triggers' | 'categories';

function outcomeList<N extends ListName>(
  draft: RuleSet,
  name: N,
  shape: ListShape<RuleSet[N][number]>,
): HTMLElement {
  const section = el('section', { class: 'rule-list', 'aria-labelledby': `${name}-heading` });
  const items = draft[name] as RuleSet[N][number][];
  const rowsShape = { ...shape, reasonOptions: () => reasonOptions(draft, false) };
  const draw = (focusLast: boolean) => {
    const table = outcomeRowsTable(items, rowsShape, () => draw(false));
    section.replaceChildren(
      el('h3', { id: `${name}-heading` }, t(name)),
      ...(table ? [table] : []),
      button(
        `${t('add')}: ${shape.label.toLowerCase()}`,
        () => {
          items.push(shape.make({ reasonCode: draft.reasons[0]?.code ?? '', callHandling: 'information' }));
          draw(true);
        },
        { class: 'add' },
      ),
    );
    if (focusLast) section.querySelector<HTMLInputElement>('tbody tr:last-child input')?.focus();
  };
  draw(false);
  return section;
}
