// npm run mock: the mock API on HOST:PORT (default 127.0.0.1:8000, where the real API listens, so a
// frontend's base URL does not change). See scripts/mock-app.ts.
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { buildMockApp } from './mock-app.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig({ ...process.env, NODE_ENV: 'development' });
const app = await buildMockApp();
const address = await app.listen({ host: config.host, port: config.port });
process.stdout.write(
  `Mock Todo API (contract examples, no database, no token needed, any CORS origin) at ${address}\n` + `  curl -s ${address}/api/tasks\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
