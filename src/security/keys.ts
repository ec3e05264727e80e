/**
 * API keys and access tokens. Keys are 256 random bits, shown once and stored only as a SHA-256
 * hash (a key has full entropy, so a fast hash is enough: there is nothing to brute-force).
 * Access tokens are HS256 JWTs signed with a per-database secret.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Prefix that makes a Berth key recognisable in a leaked-secret scan. */
const KEY_PREFIX = 'berth_';

/** A new random API key. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The stored form of a key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A SHA-256 digest of text, hex (content ids, such as calibration ids). */
export const digest = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/** Compare two hex digests without leaking where they differ. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new random id (sessions, jobs, keys). */
export const newId = (): string => randomUUID();

/** A new signing secret. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** Claims Berth puts in an access token. */
export interface TokenClaims {
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Sign an HS256 JWT. */
export function signToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify({ iss: 'berth', ...claims })).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${sig}`;
}

/** Verify signature and expiry; null when the token is not valid now. */
export function verifyToken(token: string, secret: string, nowSeconds: number): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, sig] = parts as [string, string, string];
  if (header !== HEADER) return null;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(
      Buffer.from(payload, 'base64url').toString('utf8'),
    ) as Partial<TokenClaims>;
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number'
    )
      return null;
    return claims.exp > nowSeconds ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

/** Whether a bearer credential is shaped like a JWT rather than an API key. */
export function looksLikeToken(credential: string): boolean {
  return credential.split('.').length === 3;
}
