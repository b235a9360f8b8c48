// One integration's settings. Name and PBX endpoint are the integration's
// own fields (PATCH); days forward, subjects, private events and the status
// rules belong to its rule set, so they are saved with the rules (PUT, which
// resyncs everyone). An Exchange Server integration's connection has its own
// panel (exchangeServerPanel.ts).

import { callApi, integrationPath } from './api.js';
import { PRIVATE_MODES, type PrivateMode } from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, checkbox, el, field, fieldNamedIn, notice, select } from './elements.js';
import { exchangeServerPanel } from './exchangeServerPanel.js';
import { formatTime, labelFor, t } from './labels.js';
import { statusSettingsFields } from './statusSettings.js';

/** Said once on the page drawn after a save (a save reloads the integrations and draws the tab anew). */
let savedNotice: string | undefined;

export function renderSettings(context: ConsoleContext): HTMLElement {
  const integration = context.selected;
  if (!integration) return el('p', {}, t('noIntegrations'));
  const settings = integration.ruleSet.settings;
  const name = field(t('name'), el('input', { type: 'text', value: integration.name }));
  const pbxUrl = field(t('pbxUrl'), el('input', { type: 'url', value: integration.pbxUrl }));
  const days = field(
    t('daysForward'),
    el('input', { type: 'number', min: '1', max: '365', step: '1', value: String(settings.syncDaysForward) }),
  );
  const subjects = checkbox(t('showSubjects'), settings.showSubjects);
  const privateEvents = field(
    t('privateEvents'),
    select(
      PRIVATE_MODES.map((mode) => ({ value: mode, label: labelFor('private', mode) })),
      settings.privateEvents,
    ),
  );
  const status = statusSettingsFields(integration.ruleSet);
  const messages = notice();
  if (savedNotice) messages.info(savedNotice);
  savedNotice = undefined;
  const form = el(
    'form',
    { 'aria-labelledby': 'settings-heading', novalidate: true },
    el('h2', { id: 'settings-heading' }, `${t('settingsFor')}: ${integration.name}`),
    name.row,
    pbxUrl.row,
    days.row,
    subjects.row,
    privateEvents.row,
    status.element,
    el('button', { type: 'submit' }, t('save')),
    messages.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const each of [name, pbxUrl, days]) each.setError(undefined);
    status.clearErrors();
    messages.clear();
    const change: Record<string, string> = {};
    if (name.control.value !== integration.name) change.name = name.control.value;
    if (pbxUrl.control.value !== integration.pbxUrl) change.pbxUrl = pbxUrl.control.value.trim();
    if (Object.keys(change).length > 0) {
      const answer = await callApi('PATCH', integrationPath(integration.id), change);
      if (!answer.ok) {
        const named = fieldNamedIn(answer.error);
        (named === 'name' ? name : named === 'pbxUrl' || !named ? pbxUrl : undefined)?.setError(answer.error);
        if (named && named !== 'name' && named !== 'pbxUrl') messages.error(answer.error);
        return;
      }
    }
    const nextSettings = {
      // A number field that is empty or not a number goes as text, so the API names the problem.
      syncDaysForward: days.control.value === '' ? days.control.value : Number(days.control.value),
      showSubjects: subjects.control.checked,
      privateEvents: privateEvents.control.value as PrivateMode,
    };
    const nextStatus = status.value();
    const unchanged =
      nextSettings.syncDaysForward === settings.syncDaysForward &&
      nextSettings.showSubjects === settings.showSubjects &&
      nextSettings.privateEvents === settings.privateEvents &&
      !status.changedFrom(integration.ruleSet.status);
    if (!unchanged) {
      const answer = await callApi('PUT', integrationPath(integration.id, '/rules'), {
        ...integration.ruleSet,
        settings: nextSettings,
        status: nextStatus,
      });
      if (!answer.ok) {
        if (!status.showError(answer.path, answer.error)) days.setError(answer.error);
        return;
      }
    }
    savedNotice = t('saved');
    await context.reload();
  });
  return el('div', {}, form, exchangeServerPanel(integration, context), rotation(integration.id));
}

function rotation(id: string): HTMLElement {
  const messages = notice();
  const output = el('div', { class: 'secret', 'aria-live': 'polite' });
  return el(
    'section',
    { 'aria-labelledby': 'rotate-heading' },
    el('h2', { id: 'rotate-heading' }, t('rotateSecret')),
    button(t('rotateSecret'), async () => {
      messages.clear();
      const answer = await callApi<{ secret: string; previousValidUntil?: string }>(
        'POST',
        integrationPath(id, '/pbx/secret/rotate'),
      );
      if (!answer.ok) {
        messages.error(answer.error);
        return;
      }
      output.replaceChildren(
        el('p', {}, t('rotated')),
        el('code', { class: 'secret-value' }, answer.body.secret),
        ...(answer.body.previousValidUntil
          ? [el('p', {}, `${t('previousValidUntil')} ${formatTime(answer.body.previousValidUntil)}`)]
          : []),
      );
    }),
    messages.element,
    output,
  );
}
