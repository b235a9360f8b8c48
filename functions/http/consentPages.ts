// The pages the admin's browser ends on after a consent link, in English and Swedish.

import type { ConsentOutcome } from '../../shared/onboarding/consentFlow';

/** Every page the consent link can end on. */
export type ConsentPageKind = Exclude<ConsentOutcome['kind'], 'signIn'>;
export type Language = 'en' | 'sv';

interface PageText {
  title: string;
  body: string[];
}

/** Plain words for a Microsoft 365 admin: what happened, and what to do next. */
const TEXTS: Record<Language, Record<ConsentPageKind, PageText>> = {
  en: {
    granted: {
      title: 'Connected',
      body: [
        'Thank you. {name} is now connected to your Microsoft 365 tenant.',
        'Within a few minutes the phone system starts showing the calendar status of the chosen people ({users} so far). Nothing else is needed from you.',
        'You can remove the access at any time under Enterprise applications in the Microsoft Entra admin center.',
      ],
    },
    declined: {
      title: 'Consent was declined',
      body: [
        'The permissions were not granted, so nothing has been connected.',
        'If that was a mistake, open the link you were sent again and choose Accept.',
      ],
    },
    needsAdmin: {
      title: 'An administrator must accept',
      body: [
        'The account you signed in with may not grant permissions to applications for the whole organisation.',
        'Ask a Global Administrator, Application Administrator or Cloud Application Administrator to open the link you were sent.',
      ],
    },
    tenantMismatch: {
      title: 'Wrong organisation',
      body: [
        'This connection already belongs to another Microsoft 365 organisation, so the consent you just gave was not used.',
        'Sign in with an administrator account of the organisation this connection was set up for, or ask your phone system provider for a new link.',
      ],
    },
    expiredLink: {
      title: 'The link has expired',
      body: [
        'For your security, a consent link works only for a limited time after it is opened.',
        'Open the link you were sent again; it creates a new one.',
      ],
    },
    invalidLink: {
      title: 'The link is not valid',
      body: [
        'This link is incomplete, has expired or has already been used, so nothing was done.',
        'Ask your phone system provider for a new link.',
      ],
    },
    failed: {
      title: 'Microsoft reported an error',
      body: [
        'Microsoft did not complete the consent (error {code}), so nothing has been connected.',
        'Try the link again in a few minutes. If it keeps failing, send the error code to your phone system provider.',
      ],
    },
  },
  sv: {
    granted: {
      title: 'Anslutet',
      body: [
        'Tack. {name} är nu anslutet till er Microsoft 365-organisation.',
        'Inom några minuter börjar telefonisystemet visa kalenderstatus för de valda personerna ({users} hittills). Ni behöver inte göra något mer.',
        'Ni kan ta bort åtkomsten när som helst under Företagsprogram i administrationscentret för Microsoft Entra.',
      ],
    },
    declined: {
      title: 'Medgivandet avböjdes',
      body: [
        'Behörigheterna beviljades inte, så ingenting har anslutits.',
        'Om det var ett misstag, öppna länken ni fick igen och välj Acceptera.',
      ],
    },
    needsAdmin: {
      title: 'En administratör måste godkänna',
      body: [
        'Kontot ni loggade in med får inte ge program behörigheter för hela organisationen.',
        'Be en global administratör, programadministratör eller molnprogramadministratör att öppna länken ni fick.',
      ],
    },
    tenantMismatch: {
      title: 'Fel organisation',
      body: [
        'Den här anslutningen hör redan till en annan Microsoft 365-organisation, så medgivandet ni just gav användes inte.',
        'Logga in med ett administratörskonto i den organisation anslutningen skapades för, eller be er telefonileverantör om en ny länk.',
      ],
    },
    expiredLink: {
      title: 'Länken har gått ut',
      body: [
        'Av säkerhetsskäl fungerar en medgivandelänk bara en begränsad tid efter att den öppnats.',
        'Öppna länken ni fick igen; den skapar en ny.',
      ],
    },
    invalidLink: {
      title: 'Länken är inte giltig',
      body: [
        'Länken är ofullständig, har gått ut eller har redan använts, så ingenting gjordes.',
        'Be er telefonileverantör om en ny länk.',
      ],
    },
    failed: {
      title: 'Microsoft rapporterade ett fel',
      body: [
        'Microsoft slutförde inte medgivandet (fel {code}), så ingenting har anslutits.',
        'Försök med länken igen om några minuter. Om det fortsätter att misslyckas, skicka felkoden till er telefonileverantör.',
      ],
    },
  },
};

/** The first language in Accept-Language we speak, by quality; English otherwise. */
export function pageLanguage(acceptLanguage: string | null | undefined): Language {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { primary: tag.toLowerCase().split('-')[0] ?? '', q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    if (entry.primary === 'sv' || entry.primary === 'en') return entry.primary;
  }
  return 'en';
}

export function consentPage(
  outcome: Exclude<ConsentOutcome, { kind: 'signIn' }>,
  language: Language,
): { status: number; html: string } {
  const text = TEXTS[language][outcome.kind];
  const values: Record<string, string> = {
    name: outcome.kind === 'granted' ? outcome.integrationName : '',
    users: outcome.kind === 'granted' ? String(outcome.users) : '',
    code: outcome.kind === 'failed' ? outcome.code : '',
  };
  const fill = (line: string) =>
    escapeHtml(line).replace(/\{(\w+)\}/g, (_, key: string) => escapeHtml(values[key] ?? ''));
  const html = `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(text.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}</style>
</head>
<body data-outcome="${outcome.kind}">
<h1>${escapeHtml(text.title)}</h1>
${text.body.map((line) => `<p>${fill(line)}</p>`).join('\n')}
</body>
</html>
`;
  return { status: statusOf(outcome.kind), html };
}

function statusOf(kind: ConsentPageKind): number {
  switch (kind) {
    case 'granted':
    case 'declined':
    case 'needsAdmin':
      return 200;
    case 'tenantMismatch':
      return 409;
    case 'expiredLink':
    case 'invalidLink':
      return 400;
    case 'failed':
      return 502;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
