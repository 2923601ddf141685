// The cache of verified tokens (src/auth/verified-tokens.ts): a hit only inside the token's own time
// bounds (nbf − tolerance … exp + tolerance, at most CACHE_TTL_MS after verification), only for the
// exact token string, never for a failure.
import t from 'tap';
import { AuthError, createTokenVerifier } from '../../src/auth/verifier.js';
import { verifiedTokenCache } from '../../src/auth/verified-tokens.js';
import { VERIFIED_TOKEN_CACHE_TTL_MS as CACHE_TTL_MS } from '../../src/limits.js';
import type { Subject } from '../../src/auth/subject.js';
import { nowSeconds, signToken } from '../support/tokens.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const hs = (claims: Record<string, unknown>) => signToken(claims, { key: SECRET });
const alice = { subject: 'alice' as Subject, email: undefined };

t.test('an entry is used only between nbf − tolerance and exp + tolerance', async (t) => {
  const cache = verifiedTokenCache(10, 5_000);
  const now = 1_000_000_000_000;
  cache.set('tok', alice, { nbf: now / 1000 + 10, exp: now / 1000 + 60 }, now);
  t.equal(cache.get('tok', now), undefined, 'nbf 10 s ahead, tolerance 5 s: not yet');
  t.equal(cache.get('tok', now + 5_000), alice, 'from nbf − tolerance');
  t.equal(cache.get('tok', now + 65_000), alice, 'until exp + tolerance');
  t.equal(cache.get('tok', now + 65_001), undefined, 'past exp + tolerance');
  t.equal(cache.get('tok', now + 30_000), undefined, 'an expired entry is gone for good');
  t.equal(cache.get('other', now + 30_000), undefined, 'another token string never hits');
});

t.test('an entry is trusted at most CACHE_TTL_MS after its verification, whatever its exp', async (t) => {
  const cache = verifiedTokenCache(10, 0);
  const now = 1_000_000_000_000;
  cache.set('tok', alice, { exp: now / 1000 + 86_400 }, now);
  t.equal(cache.get('tok', now + CACHE_TTL_MS), alice);
  t.equal(cache.get('tok', now + CACHE_TTL_MS + 1), undefined);
  cache.set('no-exp', alice, {}, now);
  t.equal(cache.get('no-exp', now), undefined, 'nothing kept without a numeric exp');
});

t.test('the verifier refuses a cached token once it has expired', async (t) => {
  const verify = createTokenVerifier({ clockToleranceSeconds: 0, hs256: { secret: SECRET } });
  const exp = nowSeconds() + 1;
  const token = hs({ sub: 'alice', exp });
  t.equal((await verify(token)).subject, 'alice', 'valid: verified');
  t.equal((await verify(token)).subject, 'alice', 'valid: from the cache');
  await new Promise((resolve) => setTimeout(resolve, exp * 1000 + 50 - Date.now()));
  await t.rejects(verify(token), new AuthError('expired'), 'past exp: refused although it was cached');
});

t.test('a failure is never served as a success, and a tampered copy of a cached token is refused', async (t) => {
  const verify = createTokenVerifier({ clockToleranceSeconds: 0, hs256: { secret: SECRET } });
  const token = hs({ sub: 'alice', exp: nowSeconds() + 600 });
  await verify(token);
  const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
  await t.rejects(verify(tampered), new AuthError('bad_signature'));
  await t.rejects(verify(tampered), new AuthError('bad_signature'), 'again');
  const otherKey = signToken({ sub: 'alice', exp: nowSeconds() + 600 }, { key: `${SECRET}-other` });
  await t.rejects(verify(otherKey), new AuthError('bad_signature'));
  t.equal((await verify(token)).subject, 'alice', 'the good token still passes');
});
