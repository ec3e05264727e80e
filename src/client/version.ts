/** The SDK's version (kept equal to packages/client/package.json by a test). */
export const VERSION = '0.1.0';
