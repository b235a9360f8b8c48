import { failureForLog } from '../../shared/logger';

// A 500 must leave enough in the log to find the fault (name, code, where it
// was thrown) and nothing an SDK may have quoted in its message.
describe('failureForLog', () => {
  it('keeps the name, the code, the status and the frames, never the message', () => {
    const error = Object.assign(new Error('PUT https://x.table/?sig=SECRET-SIG subject "Dentist"'), {
      name: 'RestError',
      code: 'TableNotFound',
      statusCode: 404,
    });
    const logged = failureForLog(error);
    expect(logged).toMatchObject({ error: 'RestError', code: 'TableNotFound', status: 404 });
    const stack = logged.stack as string[];
    expect(stack.length).toBeGreaterThan(0);
    expect(stack[0]).toMatch(/^at .*failureForLog\.test\.ts/);
    const text = JSON.stringify(logged);
    expect(text).not.toContain('SECRET-SIG');
    expect(text).not.toContain('Dentist');
  });

  it('says only what kind of value was thrown when it is not an Error', () => {
    expect(failureForLog('token=abc')).toEqual({ error: 'string' });
  });
});
