// An Exchange Server integration's connection on the Settings tab: what is
// saved (never the password: the API does not return it), whether Exchange
// accepts the service account, a test on any mailbox, and a form that
// changes the connection or the password. The API tries a change on the
// test mailbox before it saves it; a refusal is shown at the field it names.

import { callApi, integrationPath } from './api.js';
import {
  EXCHANGE_ACCESS_MODES,
  EXCHANGE_AUTHENTICATIONS,
  type ExchangeServer,
  type ExchangeTest,
  type Integration,
} from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { el, type Field, field, notice, select } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';

/** Said once on the page drawn after a save (a save reloads the integrations). */
let savedNotice: string | undefined;

export function exchangeServerPanel(integration: Integration, context: ConsoleContext): HTMLElement | null {
  const settings = integration.exchangeServer;
  if (!settings) return null;
  const facts: [string, string, Node | string][] = [
    ['ews-url', t('ewsUrl'), el('code', {}, settings.ewsUrl)],
    ['user-name', t('ewsUserName'), el('code', {}, settings.userName)],
    ['authentication', t('ewsAuthentication'), labelFor('auth', settings.authentication)],
    ['access-mode', t('ewsAccessMode'), labelFor('access', settings.accessMode)],
    ['time-zone', t('ewsTimeZone'), settings.timeZone],
    ['password-set-at', t('passwordSetAt'), formatTime(settings.passwordSetAt)],
    ['credentials', t('credentials'), credentialsState(settings)],
  ];
  return el(
    'section',
    { 'aria-labelledby': 'exchange-heading', class: 'exchange-server' },
    el('h2', { id: 'exchange-heading' }, t('exchangeHeading')),
    el(
      'dl',
      {},
      ...facts.map(([id, term, value]) =>
        el('div', { class: 'figure', 'data-exchange': id }, el('dt', {}, term), el('dd', {}, value)),
      ),
    ),
    testForm(integration),
    changeForm(integration, settings, context),
  );
}

/** "accepted by Exchange since …" or, after Exchange refused the password, the same in red. */
export function credentialsState(settings: ExchangeServer): HTMLElement {
  return el(
    'span',
    { class: `credentials credentials-${settings.credentials}` },
    `${labelFor('credentials', settings.credentials)} (${t('since')} ${formatTime(settings.credentialsSince)})`,
  );
}

/** The reason in the console's words, then the API's own sentence. */
function refusalText(reason: string, message: string): string {
  return `${labelFor('check', reason)}: ${message}`;
}

function testForm(integration: Integration): HTMLElement {
  const mailbox = field(
    t('testMailbox'),
    el('input', { type: 'email', name: 'mailbox', autocomplete: 'off', required: true }),
  );
  const messages = notice();
  const form = el(
    'form',
    { id: 'exchange-test', novalidate: true, 'aria-labelledby': 'exchange-test-heading' },
    el('h3', { id: 'exchange-test-heading' }, t('testConnection')),
    mailbox.row,
    el('button', { type: 'submit' }, t('testConnection')),
    messages.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    mailbox.setError(undefined);
    messages.clear();
    const answer = await callApi<ExchangeTest>('POST', integrationPath(integration.id, '/exchange/test'), {
      mailbox: mailbox.control.value.trim(),
    });
    if (!answer.ok) {
      mailbox.setError(answer.error);
      return;
    }
    const outcome = answer.body;
    if (outcome.ok) {
      const who = outcome.mailbox.displayName || outcome.mailbox.primaryAddress;
      messages.info(`${t('connectionWorks')} ${who}, ${outcome.itemsInWindow} ${t('itemsInWeek')}`);
      return;
    }
    const text = refusalText(outcome.reason, outcome.message);
    // The mailbox is the one field here; a fault in the saved connection is said for the form below.
    if (outcome.path === 'mailbox') mailbox.setError(text);
    else messages.error(outcome.path ? `${text} (${outcome.path})` : text);
  });
  return form;
}

function changeForm(
  integration: Integration,
  settings: ExchangeServer,
  context: ConsoleContext,
): HTMLElement {
  const ewsUrl = field(t('ewsUrl'), el('input', { type: 'url', name: 'ewsUrl', value: settings.ewsUrl }));
  const userName = field(
    t('ewsUserName'),
    el('input', { type: 'text', name: 'userName', value: settings.userName, autocomplete: 'off' }),
  );
  const authentication = field(
    t('ewsAuthentication'),
    select(
      EXCHANGE_AUTHENTICATIONS.map((value) => ({ value, label: labelFor('auth', value) })),
      settings.authentication,
    ),
  );
  const accessMode = field(
    t('ewsAccessMode'),
    select(
      EXCHANGE_ACCESS_MODES.map((value) => ({ value, label: labelFor('access', value) })),
      settings.accessMode,
    ),
  );
  const timeZone = field(
    t('ewsTimeZone'),
    el('input', { type: 'text', name: 'timeZone', value: settings.timeZone }),
  );
  // Never filled from the API (it has no password to give); the browser must not offer a saved one either.
  const password = field(
    t('ewsNewPassword'),
    el('input', { type: 'password', name: 'password', autocomplete: 'new-password' }),
  );
  const testMailbox = field(
    t('testMailbox'),
    el('input', { type: 'email', name: 'testMailbox', autocomplete: 'off' }),
  );
  const fields: Record<string, Field<HTMLInputElement | HTMLSelectElement>> = {
    ewsUrl,
    userName,
    authentication,
    accessMode,
    timeZone,
    password,
    testMailbox,
  };
  const messages = notice();
  if (savedNotice) messages.info(savedNotice);
  savedNotice = undefined;
  const form = el(
    'form',
    { id: 'exchange-connection', 'aria-labelledby': 'exchange-change-heading', novalidate: true },
    el('h3', { id: 'exchange-change-heading' }, t('changeConnection')),
    ...Object.values(fields).map((each) => each.row),
    el('button', { type: 'submit' }, t('saveConnection')),
    messages.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const each of Object.values(fields)) each.setError(undefined);
    messages.clear();
    const change: Record<string, string> = {};
    const current: Record<string, string> = { ...settings };
    for (const name of ['ewsUrl', 'userName', 'authentication', 'accessMode', 'timeZone']) {
      const value = fields[name]?.control.value.trim() ?? '';
      if (value !== current[name]) change[name] = value;
    }
    if (password.control.value !== '') change.password = password.control.value;
    if (testMailbox.control.value.trim() !== '') change.testMailbox = testMailbox.control.value.trim();
    const answer = await callApi<Integration>('PATCH', integrationPath(integration.id), {
      exchangeServer: change,
    });
    // Whatever the answer, the typed password leaves the page.
    password.control.value = '';
    if (!answer.ok) {
      const named = answer.path?.replace(/^exchangeServer\./, '');
      const target = named ? fields[named] : undefined;
      if (target) {
        target.setError(answer.error);
        target.control.focus();
      } else messages.error(answer.error);
      return;
    }
    savedNotice = t('connectionSaved');
    await context.reload();
  });
  return form;
}
