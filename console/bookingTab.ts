// Call-centre booking for one integration: on or off and the group whose
// members may be booked (PUT …/booking, which checks the group with Graph),
// the call centre's key (whether one is set, "New key" that shows it once,
// "Revoke") and the booking log. A new key is shown until the page is drawn
// again and is kept nowhere else.

import { callApi, integrationPath } from './api.js';
import type { BookingLog, BookingSettings, Integration, MintedBookingKey } from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, checkbox, el, field, notice, table } from './elements.js';
import { formatTime, labelFor, t } from './labels.js';

const LOG_LINES = 50;

export function renderBooking(context: ConsoleContext): HTMLElement {
  const integration = context.selected;
  if (!integration) return el('p', {}, t('noIntegrations'));
  const heading = el('h2', { id: 'booking-heading' }, `${t('bookingHeading')}: ${integration.name}`);
  if (integration.kind === 'exchangeServer') {
    return el(
      'section',
      { 'aria-labelledby': 'booking-heading' },
      heading,
      el('p', { class: 'booking-unavailable' }, t('bookingExchangeServer')),
    );
  }
  const messages = notice();
  const body = el('div', { class: 'booking', 'aria-busy': 'true' }, el('p', {}, t('loading')));
  /** The key just minted: shown once, kept across redrawing the tab's parts, gone when the tab is left. */
  const minted = el('div', { class: 'secret', 'aria-live': 'polite' });

  const draw = async (said?: { info?: string; error?: string }) => {
    body.setAttribute('aria-busy', 'true');
    const [settings, log] = await Promise.all([
      callApi<BookingSettings>('GET', integrationPath(integration.id, '/booking')),
      callApi<BookingLog>('GET', integrationPath(integration.id, `/booking/log?limit=${LOG_LINES}`)),
    ]);
    messages.clear();
    if (!settings.ok || !log.ok) {
      messages.error(settings.ok ? (log.ok ? '' : log.error) : settings.error);
      body.replaceChildren();
      return;
    }
    body.replaceChildren(
      settingsForm(integration, settings.body, draw),
      keySection(integration, settings.body, minted, draw),
      logTable(log.body),
    );
    body.setAttribute('aria-busy', 'false');
    if (said?.info) messages.info(said.info);
    if (said?.error) messages.error(said.error);
  };
  void draw();
  return el('section', { 'aria-labelledby': 'booking-heading' }, heading, messages.element, body);
}

type Redraw = (said?: { info?: string; error?: string }) => Promise<void>;

function settingsForm(integration: Integration, settings: BookingSettings, redraw: Redraw): HTMLElement {
  const enabled = checkbox(t('bookingEnabled'), settings.enabled);
  const group = field(
    t('bookingGroup'),
    el('input', { type: 'text', name: 'groupId', value: settings.groupId ?? '', autocomplete: 'off' }),
  );
  const form = el(
    'form',
    { id: 'booking-settings', novalidate: true, 'aria-label': t('bookingHeading') },
    enabled.row,
    group.row,
    settings.groupDisplayName
      ? el('p', { class: 'booking-group-name' }, `${t('bookingGroupName')}: ${settings.groupDisplayName}`)
      : null,
    settings.enabled ? null : el('p', { class: 'help' }, t('bookingOffNote')),
    el('button', { type: 'submit' }, t('bookingSave')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    group.setError(undefined);
    const groupId = group.control.value.trim();
    const answer = await callApi<BookingSettings>('PUT', integrationPath(integration.id, '/booking'), {
      enabled: enabled.control.checked,
      // An unchanged group is not sent: turning off must not ask Graph about it again.
      ...(groupId !== '' && groupId !== settings.groupId ? { groupId } : {}),
    });
    if (!answer.ok) {
      if (answer.path === 'groupId') {
        group.setError(answer.error);
        group.control.focus();
      } else await redraw({ error: answer.error });
      return;
    }
    await redraw({ info: t('bookingSaved') });
  });
  return form;
}

function keySection(
  integration: Integration,
  settings: BookingSettings,
  minted: HTMLElement,
  redraw: Redraw,
): HTMLElement {
  const credential = settings.credential;
  const state = credential.set
    ? `${t('bookingKeySet')} (${credential.credentialId ?? ''}, ${t('bookingKeyMinted')} ${formatTime(credential.credentialSetAt)})`
    : t('bookingKeyNone');
  const overlap = checkbox(t('bookingOverlap'), false);
  const newKey = button(
    t('bookingNewKey'),
    async () => {
      const answer = await callApi<MintedBookingKey>(
        'POST',
        integrationPath(integration.id, '/booking/credential'),
        { overlap: overlap.control.checked },
      );
      if (!answer.ok) {
        await redraw({ error: answer.error });
        return;
      }
      minted.replaceChildren(
        el('p', {}, t('bookingKeyShown')),
        el('code', { class: 'secret-value booking-key' }, answer.body.key),
        el('p', { class: 'booking-key-once' }, t('bookingKeyOnce')),
      );
      await redraw();
    },
    { id: 'booking-new-key' },
  );
  const revoke = button(
    t('bookingRevoke'),
    async () => {
      const answer = await callApi('DELETE', integrationPath(integration.id, '/booking/credential'));
      minted.replaceChildren();
      await redraw(answer.ok ? { info: t('bookingRevoked') } : { error: answer.error });
    },
    { id: 'booking-revoke', disabled: !credential.set },
  );
  return el(
    'section',
    { 'aria-labelledby': 'booking-key-heading' },
    el('h3', { id: 'booking-key-heading' }, t('bookingKey')),
    el(
      'dl',
      {},
      el(
        'div',
        { class: 'figure', 'data-booking': 'credential' },
        el('dt', {}, t('bookingKey')),
        el('dd', {}, state),
      ),
      credential.previousValidUntil
        ? el(
            'div',
            { class: 'figure', 'data-booking': 'previous' },
            el('dt', {}, t('bookingPreviousUntil')),
            el(
              'dd',
              {},
              `${formatTime(credential.previousValidUntil)} (${credential.previousCredentialId ?? ''})`,
            ),
          )
        : null,
    ),
    overlap.row,
    el('div', { class: 'save-row' }, newKey, revoke),
    // The same element on every drawing, so a key just minted stays in view.
    minted,
  );
}

function logTable(log: BookingLog): HTMLElement {
  return el(
    'section',
    { 'aria-labelledby': 'booking-log-heading' },
    el('h3', { id: 'booking-log-heading' }, t('bookingLog')),
    log.entries.length === 0
      ? el('p', {}, t('bookingNoLog'))
      : table(
          [
            t('when'),
            t('bookingAction'),
            t('user'),
            t('bookingResult'),
            t('bookingId'),
            t('bookingCredentialId'),
          ],
          log.entries.map((entry) => [
            el('span', {}, formatTime(entry.at)),
            el('span', {}, labelFor('bookingAction', entry.action)),
            el('span', {}, entry.userId ?? (entry.userCount === undefined ? '' : `${entry.userCount} ×`)),
            el(
              'span',
              { class: `booking-result booking-result-${entry.result}` },
              entry.reason
                ? `${labelFor('bookingResult', entry.result)}: ${entry.reason}`
                : labelFor('bookingResult', entry.result),
            ),
            el('span', {}, entry.bookingId ?? ''),
            el('span', {}, entry.credentialId),
          ]),
        ),
  );
}
