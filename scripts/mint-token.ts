// npm run token -- <user-id> [--email a@b.c] [--hours 24]
// Prints a bearer token the API accepts: HS256 with BETTER_AUTH_SECRET, or with the development
// secret that `npm start` generated under DATA_DIR when no secret is configured.
import { parseArgs } from 'node:util';
import { environment, loadConfig } from '../src/config.js';
import { mintToken } from '../src/auth/dev-token.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { email: { type: 'string' }, hours: { type: 'string', default: '24' } },
});
const sub = positionals[0];
const hours = Number(values.hours);
if (!sub || !(hours > 0)) {
  console.error('usage: npm run token -- <user-id> [--email a@b.c] [--hours 24]');
  process.exit(2);
}

const config = loadConfig({ ...environment(), NODE_ENV: 'development' }, { devSecret: true });
console.log(mintToken(config.auth.secret!, { sub, ...(values.email ? { email: values.email } : {}) }, Math.round(hours * 3600)));
