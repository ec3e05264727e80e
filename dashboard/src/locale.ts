/**
 * Language tags as browsers report them and as Intl accepts them: Chromium under a POSIX
 * locale (LANG=C, C.UTF-8) reports "en-US@posix", which Intl refuses with a RangeError.
 */

/** The nearest language tag Intl accepts: "en-US@posix" → "en-US", "C" → "en-US". */
export function usableLocale(tag: string | undefined): string {
  const candidates = [tag, tag?.split(/[@.]/)[0], tag?.split(/[-_@.]/)[0]];
  for (const c of candidates) {
    if (!c || c === 'C' || c === 'POSIX') continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(c.replace(/_/g, '-'));
      if (canonical) {
        new Intl.NumberFormat(canonical); // some tags pass the first check and fail here
        return canonical;
      }
    } catch {
      // not a tag: try the next, shorter one
    }
  }
  return 'en-US';
}
