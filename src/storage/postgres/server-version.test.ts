import { describe, expect, it } from 'vitest';
import { MIN_POSTGRES_MAJOR, unsupportedServer } from './server-version.js';

describe('unsupportedServer', () => {
  it('accepts every major version from 15 on, minor releases and betas included', () => {
    for (const [num, shown] of [
      [150000, '15.0'],
      [150018, '15.18'],
      [160010, '16.10 (Debian 16.10-1.pgdg12+1)'],
      [170007, '17.7'],
      [180004, '18.4'],
      [190000, '19devel'],
    ] as const)
      expect(unsupportedServer(num, shown)).toBeNull();
  });

  it('refuses an older server, naming its version, the minimum and what to do', () => {
    const message = unsupportedServer(140019, '14.19');
    expect(message).toContain('PostgreSQL 14.19 is too old');
    expect(message).toContain(`PostgreSQL ${MIN_POSTGRES_MAJOR} or newer`);
    expect(message).toContain('BERTH_DB');
    // Before 10 the numbering had two parts: 9.6.24 is 90624.
    expect(unsupportedServer(90624, '9.6.24')).toContain('PostgreSQL 9.6.24 is too old');
  });

  it('refuses a server whose version it cannot read', () => {
    expect(unsupportedServer(Number.NaN, '?')).toContain('cannot tell');
  });
});
