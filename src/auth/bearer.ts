// Reads the token out of `Authorization: Bearer <token>` (RFC 6750 section 2.1), strictly.

// The scheme is case-insensitive (RFC 9110); the token is a b64token, and a JWT is three base64url parts.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export type BearerResult = { token: string } | { failure: 'missing_token' | 'invalid_scheme' };

export function readBearerToken(header: string | string[] | undefined): BearerResult {
  if (header === undefined || header === '') return { failure: 'missing_token' };
  if (Array.isArray(header)) return { failure: 'invalid_scheme' };
  const match = BEARER.exec(header);
  return match?.[1] ? { token: match[1] } : { failure: 'invalid_scheme' };
}
