import { describe, expect, it } from 'vitest';
import { usableLocale } from '../../dashboard/src/locale.js';

describe('usableLocale', () => {
  it('turns what browsers report under a POSIX locale into a tag Intl accepts', () => {
    expect(() => new Intl.NumberFormat('en-US@posix')).toThrow(RangeError);
    expect(usableLocale('en-US@posix')).toBe('en-US');
    expect(usableLocale('de_DE.UTF-8')).toBe('de-DE');
    for (const tag of ['C', 'POSIX', 'C.UTF-8', '', undefined])
      expect(usableLocale(tag)).toBe('en-US');
  });

  it('keeps every tag Intl already accepts', () => {
    for (const tag of ['en-US', 'de-DE', 'ja-JP', 'pt-BR', 'zh-Hant-TW'])
      expect(usableLocale(tag)).toBe(tag);
  });
});
