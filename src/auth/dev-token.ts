// Development helpers: a generated HS256 secret kept in the data folder, and tokens signed with it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSigner } from 'fast-jwt';

const DEV_SECRET_FILE = 'dev-secret';

/** Reads the development secret from `dataDir`, creating it (random, 0600) on first use. */
export function loadOrCreateDevSecret(dataDir: string): { secret: string; file: string; created: boolean } {
  const file = path.resolve(dataDir, DEV_SECRET_FILE);
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return { secret, file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file, created: true };
}

export interface TokenClaims {
  sub: string;
  email?: string;
  [claim: string]: unknown;
}

/** Signs an HS256 token the API accepts: `exp` set, `iat` set. */
export function mintToken(secret: string, claims: TokenClaims, expiresInSeconds = 24 * 3600): string {
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInSeconds * 1000 });
  return sign(claims);
}
