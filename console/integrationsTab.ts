import { callApi, integrationPath } from './api.js';
import { type ConsentLink, type Integration, type PbxApiKey, PRESETS } from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, field, fieldNamedIn, notice, select, table } from './elements.js';
import { labelFor, t } from './labels.js';

/**
 * Integrations: the list with consent state, a fresh consent link on demand
 * (links are minted by the API, expire and connect once), activate/deactivate,
 * and a form to create one.
 */
export function renderIntegrations(context: ConsoleContext): HTMLElement {
  const messages = notice();
  return el(
    'section',
    { 'aria-labelledby': 'integrations-heading' },
    el('h2', { id: 'integrations-heading' }, t('tabIntegrations')),
    messages.element,
    context.integrations.length > 0
      ? table(
          [t('name'), t('id'), t('active'), t('consentState'), t('consentLink'), ''],
          context.integrations.map((integration) => row(integration, context, messages)),
        )
      : el('p', {}, t('noIntegrations')),
    createForm(context),
  );
}

function row(integration: Integration, context: ConsoleContext, messages: ReturnType<typeof notice>): Node[] {
  const link = el('input', {
    type: 'text',
    readonly: true,
    value: '',
    'aria-label': `${t('consentLink')} ${integration.name}`,
    class: 'link',
  });
  const copy = button(t('copy'), async () => {
    link.select();
    try {
      await navigator.clipboard.writeText(link.value);
    } catch {
      // The link is selected; the person can copy it with the keyboard.
      return;
    }
    messages.info(t('copied'));
  });
  copy.disabled = true;
  const mint = button(
    t('newConsentLink'),
    async () => {
      const answer = await callApi<ConsentLink>('POST', integrationPath(integration.id, '/consent-link'));
      if (!answer.ok) {
        messages.error(answer.error);
        return;
      }
      link.value = answer.body.url;
      link.title = answer.body.expiresAt;
      copy.disabled = false;
    },
    { 'aria-label': `${t('newConsentLink')} ${integration.name}` },
  );
  const toggle = button(integration.active ? t('deactivate') : t('activate'), async () => {
    toggle.disabled = true;
    const answer = await callApi('PATCH', integrationPath(integration.id), { active: !integration.active });
    if (!answer.ok) {
      toggle.disabled = false;
      messages.error(answer.error);
      return;
    }
    await context.reload();
  });
  toggle.setAttribute('aria-label', `${toggle.textContent ?? ''} ${integration.name}`);
  const consent = el(
    'span',
    { class: `consent consent-${integration.consentState}` },
    labelFor('consent', integration.consentState),
  );
  return [
    el('span', {}, integration.name),
    el('code', {}, integration.id),
    el(
      'span',
      {},
      integration.ending
        ? labelFor('ending', integration.ending.kind)
        : integration.active
          ? t('yes')
          : t('no'),
    ),
    consentCell(integration, consent),
    el('span', { class: 'copy-row' }, mint, link, copy),
    el(
      'span',
      { class: 'actions' },
      toggle,
      button(t('open'), () => context.select(integration.id), {
        'aria-label': `${t('open')} ${integration.name}`,
      }),
      pbxApiKey(integration, messages),
    ),
  ];
}

/**
 * Mints the PBX's API key for the status pull endpoint and shows it once,
 * with a Copy button; minting again replaces the key at once (the API keeps
 * only a hash, so the key cannot be shown again later).
 */
function pbxApiKey(integration: Integration, messages: ReturnType<typeof notice>): HTMLElement {
  const output = el('span', { class: 'secret', 'aria-live': 'polite' });
  const mint = button(
    t('pbxApiKey'),
    async () => {
      const answer = await callApi<PbxApiKey>('POST', integrationPath(integration.id, '/pbx/api-key'));
      if (!answer.ok) {
        messages.error(answer.error);
        return;
      }
      const key = answer.body.key;
      const copy = button(t('copy'), async () => {
        try {
          await navigator.clipboard.writeText(key);
        } catch {
          // The key stays on screen; the person can select and copy it.
          return;
        }
        messages.info(t('pbxApiKeyCopied'));
      });
      output.replaceChildren(
        el('br'),
        answer.body.replaced ? `${t('pbxApiKeyShown')} ${t('pbxApiKeyReplaced')}` : t('pbxApiKeyShown'),
        ' ',
        el('code', { class: 'secret-value pbx-api-key' }, key),
        ' ',
        copy,
      );
    },
    { 'aria-label': `${t('pbxApiKey')} ${integration.name}` },
  );
  return el('span', {}, mint, output);
}

/** The new integration's PBX secret, shown on the next drawing of the tab and then forgotten. */
let createdSecret: string | undefined;

function createForm(context: ConsoleContext): HTMLElement {
  const id = field(t('id'), el('input', { type: 'text', name: 'id', required: true, autocomplete: 'off' }));
  const name = field(t('name'), el('input', { type: 'text', name: 'name', required: true }));
  const pbxUrl = field(t('pbxUrl'), el('input', { type: 'url', name: 'pbxUrl', required: true }));
  const preset = field(
    t('preset'),
    select(
      PRESETS.map((value) => ({ value, label: value })),
      PRESETS[0],
    ),
  );
  const mode = field(
    t('consentMode'),
    select(
      ['tenantWide', 'scoped'].map((value) => ({ value, label: labelFor('mode', value) })),
      'tenantWide',
    ),
  );
  const fields = { id, name, pbxUrl };
  const messages = notice();
  const secret = el('div', { class: 'secret', 'aria-live': 'polite' });
  if (createdSecret) {
    secret.append(el('p', {}, t('created')), el('code', { class: 'secret-value' }, createdSecret));
  }
  createdSecret = undefined;
  const form = el(
    'form',
    { 'aria-labelledby': 'create-heading', novalidate: true },
    el('h2', { id: 'create-heading' }, t('createIntegration')),
    id.row,
    name.row,
    pbxUrl.row,
    preset.row,
    mode.row,
    el('button', { type: 'submit' }, t('create')),
    messages.element,
    secret,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const each of Object.values(fields)) each.setError(undefined);
    messages.clear();
    const answer = await callApi<{ integration: Integration; pbxSecret: string }>('POST', 'integrations', {
      id: id.control.value.trim(),
      name: name.control.value,
      pbxUrl: pbxUrl.control.value.trim(),
      rules: { preset: preset.control.value },
      consentMode: mode.control.value,
    });
    if (!answer.ok) {
      const named = fieldNamedIn(answer.error);
      const target = named && named in fields ? fields[named as keyof typeof fields] : undefined;
      if (target) {
        target.setError(answer.error);
        target.control.focus();
      } else messages.error(answer.error);
      return;
    }
    createdSecret = answer.body.pbxSecret;
    await context.reload(answer.body.integration.id);
  });
  return form;
}

/** The state, and below it what the admin has to grant again (in the console's language) or the server's reason. */
function consentCell(integration: Integration, consent: HTMLElement): HTMLElement {
  if (integration.missingPermissions?.length) {
    return el(
      'span',
      {},
      consent,
      el('br'),
      `${t('missingPermissions')} `,
      el('code', { class: 'missing-permissions' }, integration.missingPermissions.join(', ')),
    );
  }
  return integration.consentError ? el('span', {}, consent, el('br'), integration.consentError) : consent;
}
