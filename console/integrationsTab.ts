import { callApi, integrationPath } from './api.js';
import {
  type ConsentLink,
  type DeploymentDashboard,
  EXCHANGE_ACCESS_MODES,
  EXCHANGE_AUTHENTICATIONS,
  INTEGRATION_KINDS,
  type Integration,
  type PbxApiKey,
  PRESETS,
} from './apiTypes.js';
import type { ConsoleContext } from './consoleContext.js';
import { button, el, type Field, field, fieldNamedIn, notice, select, table } from './elements.js';
import { credentialsState } from './exchangeServerPanel.js';
import { formatTime, labelFor, t } from './labels.js';

/**
 * Integrations: how many of each kind and which need the operator, the list
 * with consent state (or, for Exchange Server, whether Exchange accepts the
 * service account), a fresh consent link on demand (links are minted by the
 * API, expire and connect once), activate/deactivate, and a form to create one.
 */
export function renderIntegrations(context: ConsoleContext): HTMLElement {
  const messages = notice();
  return el(
    'section',
    { 'aria-labelledby': 'integrations-heading' },
    el('h2', { id: 'integrations-heading' }, t('tabIntegrations')),
    messages.element,
    overview(),
    context.integrations.length > 0
      ? table(
          [t('name'), t('id'), t('kind'), t('active'), t('consentState'), t('consentLink'), ''],
          context.integrations.map((integration) => row(integration, context, messages)),
        )
      : el('p', {}, t('noIntegrations')),
    createForm(context),
  );
}

/** The deployment dashboard: integrations per kind, and a warning for refused Exchange passwords. */
function overview(): HTMLElement {
  const element = el('div', { class: 'overview', 'aria-live': 'polite' });
  void callApi<DeploymentDashboard>('GET', 'dashboard').then((answer) => {
    if (!answer.ok) return;
    const counts = INTEGRATION_KINDS.map(
      (kind) => `${labelFor('kind', kind)}: ${answer.body.integrations[kind]}`,
    );
    const rejected = answer.body.exchangeServerCredentialsRejected;
    element.replaceChildren(
      el('p', { class: 'overview-counts' }, `${t('overviewCounts')} ${counts.join(' · ')}`),
      ...(rejected.length > 0
        ? [
            el(
              'p',
              { class: 'credentials-rejected overview-rejected', role: 'alert' },
              `${t('credentialsRejectedFor')} `,
              rejected
                .map((each) =>
                  each.since ? `${each.name} (${t('since')} ${formatTime(each.since)})` : each.name,
                )
                .join(', '),
            ),
          ]
        : []),
    );
  });
  return element;
}

function row(integration: Integration, context: ConsoleContext, messages: ReturnType<typeof notice>): Node[] {
  if (integration.exchangeServer)
    return exchangeServerRow(integration, integration.exchangeServer, context, messages);
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
  const consent = el(
    'span',
    { class: `consent consent-${integration.consentState}` },
    labelFor('consent', integration.consentState),
  );
  return [
    el('span', {}, integration.name),
    el('code', {}, integration.id),
    el('span', {}, labelFor('kind', integration.kind)),
    activeCell(integration),
    consentCell(integration, consent),
    el('span', { class: 'copy-row' }, mint, link, copy),
    actions(integration, context, messages),
  ];
}

/** No consent and no link: the state of the service account instead. */
function exchangeServerRow(
  integration: Integration,
  settings: NonNullable<Integration['exchangeServer']>,
  context: ConsoleContext,
  messages: ReturnType<typeof notice>,
): Node[] {
  return [
    el('span', {}, integration.name),
    el('code', {}, integration.id),
    el('span', {}, labelFor('kind', integration.kind)),
    activeCell(integration),
    credentialsState(settings),
    el('span', { class: 'no-consent' }, t('noConsentNeeded')),
    actions(integration, context, messages),
  ];
}

function activeCell(integration: Integration): HTMLElement {
  return el(
    'span',
    {},
    integration.ending
      ? labelFor('ending', integration.ending.kind)
      : integration.active
        ? t('yes')
        : t('no'),
  );
}

function actions(
  integration: Integration,
  context: ConsoleContext,
  messages: ReturnType<typeof notice>,
): HTMLElement {
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
  return el(
    'span',
    { class: 'actions' },
    toggle,
    button(t('open'), () => context.select(integration.id), {
      'aria-label': `${t('open')} ${integration.name}`,
    }),
    pbxApiKey(integration, messages),
  );
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
  const kind = field(
    t('kind'),
    select(
      INTEGRATION_KINDS.map((value) => ({ value, label: labelFor('kind', value) })),
      'microsoft365',
    ),
  );
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
  const exchange = exchangeServerFields();
  const fields: Record<string, Field<HTMLInputElement | HTMLSelectElement>> = { id, name, pbxUrl };
  const messages = notice();
  const secret = el('div', { class: 'secret', 'aria-live': 'polite' });
  if (createdSecret) {
    secret.append(el('p', {}, t('created')), el('code', { class: 'secret-value' }, createdSecret));
  }
  createdSecret = undefined;
  const submit = el('button', { type: 'submit' }, t('create'));
  const showKind = () => {
    const onPremises = kind.control.value === 'exchangeServer';
    exchange.element.hidden = !onPremises;
    mode.row.hidden = onPremises;
    // The API tries the connection before it creates anything; the button says so.
    submit.textContent = onPremises ? t('testAndCreate') : t('create');
  };
  kind.control.addEventListener('change', showKind);
  showKind();
  const form = el(
    'form',
    { 'aria-labelledby': 'create-heading', novalidate: true },
    el('h2', { id: 'create-heading' }, t('createIntegration')),
    id.row,
    name.row,
    kind.row,
    pbxUrl.row,
    preset.row,
    mode.row,
    exchange.element,
    submit,
    messages.element,
    secret,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const each of [...Object.values(fields), ...Object.values(exchange.fields)])
      each.setError(undefined);
    messages.clear();
    const onPremises = kind.control.value === 'exchangeServer';
    const answer = await callApi<{ integration: Integration; pbxSecret: string }>('POST', 'integrations', {
      id: id.control.value.trim(),
      name: name.control.value,
      pbxUrl: pbxUrl.control.value.trim(),
      rules: { preset: preset.control.value },
      ...(onPremises ? { exchangeServer: exchange.value() } : { consentMode: mode.control.value }),
    });
    // The typed password leaves the page whatever the answer; the API never gives it back.
    exchange.fields.password.control.value = '';
    if (!answer.ok) {
      const inExchange = answer.path?.startsWith('exchangeServer.')
        ? exchange.fields[answer.path.slice('exchangeServer.'.length)]
        : undefined;
      const named = answer.path ?? fieldNamedIn(answer.error);
      const target = inExchange ?? (named ? fields[named] : undefined);
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

/** The EWS connection of a new Exchange Server integration, shown when that kind is chosen. */
function exchangeServerFields() {
  const fields = {
    ewsUrl: field(t('ewsUrl'), el('input', { type: 'url', name: 'ewsUrl', autocomplete: 'off' })),
    userName: field(t('ewsUserName'), el('input', { type: 'text', name: 'userName', autocomplete: 'off' })),
    password: field(
      t('ewsPassword'),
      el('input', { type: 'password', name: 'password', autocomplete: 'new-password' }),
    ),
    authentication: field(
      t('ewsAuthentication'),
      select(
        EXCHANGE_AUTHENTICATIONS.map((value) => ({ value, label: labelFor('auth', value) })),
        'ntlm',
      ),
    ),
    accessMode: field(
      t('ewsAccessMode'),
      select(
        EXCHANGE_ACCESS_MODES.map((value) => ({ value, label: labelFor('access', value) })),
        'impersonation',
      ),
    ),
    timeZone: field(
      t('ewsTimeZone'),
      el('input', { type: 'text', name: 'timeZone', placeholder: 'Europe/Stockholm' }),
    ),
    testMailbox: field(
      t('testMailbox'),
      el('input', { type: 'email', name: 'testMailbox', autocomplete: 'off' }),
    ),
  };
  const element = el(
    'fieldset',
    { class: 'exchange-fields' },
    el('legend', {}, t('exchangeHeading')),
    ...Object.values(fields).map((each) => each.row),
  );
  return {
    element,
    fields: fields as Record<string, Field<HTMLInputElement | HTMLSelectElement>> & typeof fields,
    value: () => {
      const zone = fields.timeZone.control.value.trim();
      return {
        ewsUrl: fields.ewsUrl.control.value.trim(),
        userName: fields.userName.control.value.trim(),
        password: fields.password.control.value,
        authentication: fields.authentication.control.value,
        accessMode: fields.accessMode.control.value,
        ...(zone ? { timeZone: zone } : {}),
        testMailbox: fields.testMailbox.control.value.trim(),
      };
    },
  };
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
