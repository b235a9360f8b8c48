// The table the console edits outcome lists in: one row per rule (a text,
// the reason it leads to, the call handling, a remove button), used for the
// integration's prefixes, trigger words and categories and for one user's own
// trigger words. Every control carries data-row / data-field so a refusal
// from the API that names `….<row>.<field>` can mark it.

import { CALL_HANDLING, type CallHandling } from './apiTypes.js';
import { button, el, select } from './elements.js';
import { labelFor, t } from './labels.js';

export interface OutcomeRow {
  reasonCode: string;
  callHandling: CallHandling;
}

export interface OutcomeRowsShape<R extends OutcomeRow> {
  /** The text column's name, also used to say which row a control is in. */
  label: string;
  /** The field name of the text column, as the API names it. */
  textField: string;
  text(row: R): string;
  setText(row: R, text: string): void;
  reasonOptions(current: string): readonly { value: string; label: string }[];
}

/** The rows as a table, or undefined when there are none; `redraw` runs after a row is removed. */
export function outcomeRowsTable<R extends OutcomeRow>(
  rows: R[],
  shape: OutcomeRowsShape<R>,
  redraw: () => void,
): HTMLTableElement | undefined {
  if (rows.length === 0) return undefined;
  const lines = rows.map((row, index) => {
    const position = `${shape.label} ${index + 1}`;
    const at = (field: string) => ({ 'data-row': String(index), 'data-field': field });
    const text = el('input', {
      type: 'text',
      value: shape.text(row),
      'aria-label': position,
      ...at(shape.textField),
    });
    text.addEventListener('input', () => shape.setText(row, text.value));
    const reason = select(shape.reasonOptions(row.reasonCode), row.reasonCode, {
      'aria-label': `${t('reason')}: ${position}`,
      ...at('reasonCode'),
    });
    reason.addEventListener('change', () => {
      row.reasonCode = reason.value;
    });
    const handling = select(
      CALL_HANDLING.map((value) => ({ value, label: labelFor('handling', value) })),
      row.callHandling,
      { 'aria-label': `${t('callHandling')}: ${position}`, ...at('callHandling') },
    );
    handling.addEventListener('change', () => {
      row.callHandling = handling.value as CallHandling;
    });
    const remove = button(
      t('remove'),
      () => {
        rows.splice(index, 1);
        redraw();
      },
      { 'aria-label': `${t('remove')}: ${position}` },
    );
    return el(
      'tr',
      {},
      el('td', {}, text),
      el('td', {}, reason),
      el('td', {}, handling),
      el('td', {}, remove),
    );
  });
  return el(
    'table',
    { class: 'grid' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...[shape.label, t('reason'), t('callHandling'), ''].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    el('tbody', {}, ...lines),
  );
}
