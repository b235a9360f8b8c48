// DOM building without innerHTML: text always goes in as text nodes, so
// nothing the API returns (names, subjects, errors) can become markup.

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
  return element;
}

export function button(label: string, onClick: () => void, attributes: Attributes = {}): HTMLButtonElement {
  const element = el('button', { type: 'button', ...attributes }, label);
  element.addEventListener('click', onClick);
  return element;
}

let nextId = 0;
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled control with its own error line; `setError` also marks the control invalid. */
export interface Field<T extends HTMLElement> {
  row: HTMLElement;
  control: T;
  setError(text: string | undefined): void;
}

export function field<T extends HTMLInputElement | HTMLSelectElement>(label: string, control: T): Field<T> {
  control.id ||= uniqueId('field');
  const error = el('p', { class: 'field-error', id: `${control.id}-error`, role: 'alert' });
  control.setAttribute('aria-describedby', error.id);
  const row = el('div', { class: 'field' }, el('label', { for: control.id }, label), control, error);
  return {
    row,
    control,
    setError(text) {
      error.textContent = text ?? '';
      if (text) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

export function checkbox(label: string, checked: boolean): Field<HTMLInputElement> {
  const control = el('input', { type: 'checkbox', id: uniqueId('check') });
  control.checked = checked;
  const error = el('p', { class: 'field-error', id: `${control.id}-error`, role: 'alert' });
  const row = el('div', { class: 'field check' }, control, el('label', { for: control.id }, label), error);
  return {
    row,
    control,
    setError(text) {
      error.textContent = text ?? '';
    },
  };
}

export function select(
  options: readonly { value: string; label: string }[],
  value: string,
  attributes: Attributes = {},
): HTMLSelectElement {
  const element = el('select', attributes);
  for (const option of options) element.append(el('option', { value: option.value }, option.label));
  element.value = value;
  return element;
}

/** A message line for a whole form or tab: errors are alerts, confirmations are polite status. */
export interface Notice {
  element: HTMLElement;
  error(text: string): void;
  info(text: string): void;
  clear(): void;
}

export function notice(): Notice {
  const alert = el('p', { class: 'notice error', role: 'alert' });
  const status = el('p', { class: 'notice info', role: 'status' });
  const element = el('div', { class: 'notices' }, alert, status);
  return {
    element,
    error(text) {
      status.textContent = '';
      alert.textContent = text;
    },
    info(text) {
      alert.textContent = '';
      status.textContent = text;
    },
    clear() {
      alert.textContent = '';
      status.textContent = '';
    },
  };
}

export function table(
  headers: readonly string[],
  rows: readonly Node[][],
  caption?: string,
): HTMLTableElement {
  return el(
    'table',
    {},
    caption ? el('caption', {}, caption) : null,
    el('thead', {}, el('tr', {}, ...headers.map((header) => el('th', { scope: 'col' }, header)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))),
  );
}

/** The API's reason for a 400 often names the field (`… at pbxUrl: …`); that field gets the message. */
export function fieldNamedIn(reason: string): string | undefined {
  return /\bat ([A-Za-z]+)[.:]/.exec(reason)?.[1];
}
