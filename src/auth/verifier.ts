// Verifies bearer JWTs with fast-jwt. Which verifier checks a token is decided by configuration:
// the token's `alg` header can only choose among the verifiers configured, each with its own
// algorithm allow-list, so `alg: none` or a token of another kind never reaches a key.
import { createDecoder, createVerifier, TokenError } from 'fast-jwt';
import { subjectFromVerifiedToken, type Subject } from './subject.js';
import type { KeyLookup } from './jwks.js';
import { verifiedTokenCache } from './verified-tokens.js';
import { VERIFIED_TOKEN_CACHE_SIZE } from '../limits.js';

export type AuthFailure =
  | 'missing_token'
  | 'invalid_scheme'
  | 'malformed_token'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_claims'
  | 'missing_subject'
  | 'unknown_key';

export class AuthError extends Error {
  constructor(readonly reason: AuthFailure) {
    super(`authentication failed: ${reason}`);
    this.name = 'AuthError';
  }
}

export interface VerifiedToken {
  readonly subject: Subject;
  readonly email: string | undefined;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

interface Claims {
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

export interface VerifierOptions {
  /** HS256 with a shared secret (the BETTER_AUTH_SECRET convention). */
  readonly hs256?: { readonly secret: string } & Claims;
  /** Asymmetric tokens (Better Auth's jwt plugin), keys from a JWKS by kid. */
  readonly jwks?: { readonly keys: KeyLookup; readonly algorithms: readonly string[] } & Claims;
  readonly clockToleranceSeconds: number;
}

type PayloadVerifier = (token: string) => Promise<Record<string, unknown>>;

const MAX_SUBJECT_LENGTH = 255;

/** Thrown by the JWKS key function; fast-jwt wraps it, so it is recognised by this marker. */
const UNKNOWN_KEY = 'unknown signing key';

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const toleranceMs = options.clockToleranceSeconds * 1000;
  const common = (claims: Claims) => ({
    // fast-jwt checks iss/aud only when present: a configured one must also be required.
    requiredClaims: ['exp', 'sub', ...(claims.issuer ? ['iss'] : []), ...(claims.audience ? ['aud'] : [])],
    clockTolerance: toleranceMs,
    ...(claims.issuer ? { allowedIss: claims.issuer } : {}),
    ...(claims.audience ? { allowedAud: claims.audience } : {}),
    // Verified tokens are cached (bounded, and never past their `exp`): a repeat request skips the crypto.
    cache: VERIFIED_TOKEN_CACHE_SIZE,
    // fast-jwt keeps a failure for clockTolerance + errorCacheTTL ms. A failure that time or a JWKS refetch
    // can cure (not yet valid; a key not known yet, right after a rotation) is not kept at all; the rest are
    // kept for the tolerance, so the same bad token sent again costs no signature check.
    errorCacheTTL: (error: TokenError) =>
      error.code === TokenError.codes.inactive || error.code === TokenError.codes.keyFetchingError ? -toleranceMs - 1 : 0,
  });
  const byAlgorithm = new Map<string, PayloadVerifier>();
  if (options.hs256) {
    if (options.hs256.secret.length === 0) throw new Error('the HS256 secret must not be empty');
    const verify = createVerifier({ ...common(options.hs256), key: options.hs256.secret, algorithms: ['HS256'] });
    byAlgorithm.set('HS256', async (token) => verify(token) as Record<string, unknown>);
  }
  if (options.jwks) {
    const { keys, algorithms } = options.jwks;
    if (algorithms.some((a) => a.startsWith('HS') || a === 'none')) throw new Error('JWKS algorithms must be asymmetric');
    const verify = createVerifier({
      ...common(options.jwks),
      algorithms: [...algorithms] as never,
      // A key function must throw, never return an empty key.
      key: async ({ header }: { header: { kid?: unknown } }) => {
        const pem = typeof header.kid === 'string' && header.kid.length <= 256 ? await keys(header.kid) : undefined;
        if (!pem) throw new Error(UNKNOWN_KEY);
        return pem;
      },
    });
    for (const alg of algorithms) byAlgorithm.set(alg, async (token) => (await verify(token)) as Record<string, unknown>);
  }
  if (byAlgorithm.size === 0) throw new Error('no token verifier is configured');

  const decodeToken = createDecoder({ complete: true });
  const verifiedTokens = verifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE, toleranceMs);

  return async (token) => {
    // The same token verified before, still inside its time bounds: nothing to decode, hash or check.
    const known = verifiedTokens.get(token, Date.now());
    if (known !== undefined) return known;

    let decoded: { header: { alg?: unknown }; payload: { exp?: unknown; nbf?: unknown } };
    try {
      decoded = decodeToken(token) as typeof decoded;
    } catch {
      throw new AuthError('malformed_token');
    }
    const { alg } = decoded.header;
    const verify = typeof alg === 'string' ? byAlgorithm.get(alg) : undefined;
    if (!verify) throw new AuthError('unsupported_algorithm');
    // Out-of-time tokens are refused before any signature work (the most common failure: a frontend's
    // expired token), with fast-jwt's own bounds; it checks them again after the signature.
    const { exp, nbf } = decoded.payload;
    const now = Date.now();
    if (typeof exp === 'number' && now > exp * 1000 + toleranceMs) throw new AuthError('expired');
    if (typeof nbf === 'number' && now < nbf * 1000 - toleranceMs) throw new AuthError('not_yet_valid');

    let payload: Record<string, unknown>;
    try {
      payload = await verify(token);
    } catch (error) {
      throw new AuthError(failureOf(error));
    }
    // fast-jwt's requiredClaims checks presence only: "", null and 123 would pass it.
    const { sub, email } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) throw new AuthError('missing_subject');
    const verified = { subject: subjectFromVerifiedToken(sub), email: typeof email === 'string' ? email : undefined };
    verifiedTokens.set(token, verified, payload, Date.now());
    return verified;
  };
}

function failureOf(error: unknown): AuthFailure {
  if (!(error instanceof TokenError)) return 'bad_signature';
  switch (error.code) {
    case TokenError.codes.keyFetchingError:
      return 'unknown_key';
    case TokenError.codes.expired:
      return 'expired';
    case TokenError.codes.inactive:
      return 'not_yet_valid';
    case TokenError.codes.malformed:
    case TokenError.codes.invalidPayload:
    case TokenError.codes.invalidType:
    case TokenError.codes.missingSignature:
      return 'malformed_token';
    case TokenError.codes.invalidAlgorithm:
      return 'unsupported_algorithm';
    case TokenError.codes.missingRequiredClaim:
    case TokenError.codes.invalidClaimType:
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.invalidCritHeader:
      return 'invalid_claims';
    default:
      return 'bad_signature';
  }
}
