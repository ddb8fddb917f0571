import { createRequire } from 'node:module';

// signaling/package.json, from src/webhooks (tests) and dist/webhooks (builds) alike.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export const webhookUserAgent = `ClassBridge-Webhooks/${version}`;
