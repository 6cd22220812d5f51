// Prints REFRESH_TOKEN_SECRET and JWT_SIGNING_KEYS (an EC P-256 key, one line with \n escapes)
// for a .env file: node deploy/generate-secrets.mjs > .env
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString()
  .trim()
  .replaceAll('\n', '\\n');
console.log(`REFRESH_TOKEN_SECRET=${randomBytes(48).toString('base64url')}`);
console.log(`JWT_SIGNING_KEYS="${key}"`);
