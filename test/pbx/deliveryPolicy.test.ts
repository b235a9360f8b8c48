import { readPbxSecret, signingSecretsAt, writePbxSecret } from '../../shared/pbx/pbxSecret';
import { checkPbxTarget, decidePbxTarget } from '../../shared/pbx/pbxTarget';
import { isPrivateAddress, parseAllowedHosts } from '../../shared/pbx/privateAddress';
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  nextAttempt,
  parseRetrySchedule,
} from '../../shared/pbx/retrySchedule';
import { generateSigningSecret } from '../../shared/pbx/signing';

describe('retry schedule', () => {
  const exact = { scheduleSeconds: DEFAULT_RETRY_SCHEDULE_SECONDS, jitter: 0.2, random: () => 0.5 };

  it('walks the Standard-Webhooks-like schedule and gives up after the tenth attempt', () => {
    const delays = [];
    for (let failed = 1; failed < 10; failed++) {
      const decision = nextAttempt(exact, failed);
      expect(decision).toMatchObject({ kind: 'retry', attempt: failed + 1 });
      if (decision.kind === 'retry') delays.push(decision.delayMs / 1000);
    }
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(nextAttempt(exact, 10)).toEqual({ kind: 'exhausted', attempts: 10 });
  });

  it('spreads each pause by the jitter, both ways', () => {
    expect(nextAttempt({ ...exact, random: () => 0 }, 2)).toMatchObject({ delayMs: 240_000 });
    expect(nextAttempt({ ...exact, random: () => 0.999999 }, 2)).toMatchObject({ delayMs: 360_000 });
  });

  it('honours Retry-After when it asks for more, but never beyond the longest pause', () => {
    expect(nextAttempt(exact, 1, 120)).toMatchObject({ delayMs: 120_000 });
    expect(nextAttempt(exact, 3, 10)).toMatchObject({ delayMs: 1_800_000 });
    expect(nextAttempt(exact, 1, 10 * 86400)).toMatchObject({ delayMs: 86_400_000 });
  });

  it('reads the setting, fractions included, and refuses junk', () => {
    expect(parseRetrySchedule('0, 0.05,1')).toEqual([0, 0.05, 1]);
    expect(parseRetrySchedule('0,-1')).toBeUndefined();
    expect(parseRetrySchedule('0,,1')).toBeUndefined();
    expect(parseRetrySchedule('soon')).toBeUndefined();
  });
});

describe('stored PBX secret', () => {
  const a = generateSigningSecret();
  const b = generateSigningSecret();

  it('reads a bare secret and the older space-separated form', () => {
    expect(readPbxSecret(a)).toEqual({ kind: 'ok', secret: { current: a } });
    const both = readPbxSecret(`${a} ${b}`);
    expect(both.kind === 'ok' && signingSecretsAt(both.secret, new Date())).toEqual([a, b]);
  });

  it('signs with the previous secret only until its window ends', () => {
    const stored = writePbxSecret({ current: b, previous: { secret: a, until: '2026-11-26T08:00:00.000Z' } });
    const read = readPbxSecret(stored);
    if (read.kind !== 'ok') throw new Error(read.why);
    expect(signingSecretsAt(read.secret, new Date('2026-11-26T07:59:59Z'))).toEqual([b, a]);
    expect(signingSecretsAt(read.secret, new Date('2026-11-26T08:00:00Z'))).toEqual([b]);
  });

  it('says what is wrong with a broken value without repeating it', () => {
    const broken = readPbxSecret('{"current":"whsec_tooshort"}');
    expect(broken).toMatchObject({ kind: 'unreadable' });
    expect(JSON.stringify(broken)).not.toContain('tooshort');
    expect(readPbxSecret('hunter2')).toMatchObject({ kind: 'unreadable' });
    expect(readPbxSecret('{oops')).toMatchObject({ kind: 'unreadable' });
  });
});

describe('private PBX addresses', () => {
  it.each([
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['127.0.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:a00:1', true],
    ['2001:db8::1', true],
    ['2606:4700:4700::1111', false],
    ['pbx.example.com', false],
  ])('%s is private: %p', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('refuses private IP literals unless listed, with a reason naming the setting', () => {
    const policy = {
      allowInsecureLoopback: false,
      allowedPrivateHosts: parseAllowedHosts(' 10.0.0.7 ,PBX.lan.'),
    };
    expect(checkPbxTarget('https://10.0.0.8/hooks', policy)).toEqual({
      kind: 'refused',
      errorClass: 'blockedAddress',
      reason:
        '10.0.0.8 is a special-purpose address (private); list it in PBX_ALLOWED_PRIVATE_HOSTS to allow it',
    });
    expect(checkPbxTarget('https://10.0.0.7/hooks', policy).kind).toBe('allowed');
    expect(checkPbxTarget('https://[fe80::1]/hooks', policy).kind).toBe('refused');
    expect(checkPbxTarget('https://169.254.169.254/metadata', policy).kind).toBe('refused');
    // Loopback over https is probing ourselves: refused outside local development too.
    expect(checkPbxTarget('https://127.0.0.1/hooks', policy).kind).toBe('refused');
  });

  it('refuses a host name when any address it resolves to is private, unless the name is listed', async () => {
    const policy = { allowInsecureLoopback: false, allowedPrivateHosts: ['pbx.lan'] };
    const answering =
      (...addresses: string[]) =>
      async () =>
        addresses;
    expect(
      await decidePbxTarget('https://pbx.example.com/hooks', policy, answering('93.184.216.34')),
    ).toMatchObject({ kind: 'allowed', pinned: { address: '93.184.216.34', family: 4 } });
    const mixed = await decidePbxTarget(
      'https://pbx.example.com/hooks',
      policy,
      answering('93.184.216.34', '10.0.0.1'),
    );
    expect(mixed).toMatchObject({ kind: 'refused', errorClass: 'blockedAddress' });
    // Where the name leads stays out of the reason: it would map our network for whoever sets the URL.
    expect(JSON.stringify(mixed)).not.toContain('10.0.0.1');
    expect(await decidePbxTarget('https://pbx.lan/hooks', policy, answering('192.168.0.9'))).toMatchObject({
      kind: 'allowed',
      pinned: { address: '192.168.0.9' },
    });
    expect(await decidePbxTarget('https://pbx.example.com/hooks', policy, answering())).toMatchObject({
      kind: 'refused',
      errorClass: 'dns',
    });
  });
});
