import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';

import { KeyMaterial } from 'src/auth/tokens/key-material';
import { parseEnv } from 'src/config/env.schema';

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'warden-keys-'));
}

describe(KeyMaterial.name, () => {
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('load', () => {
    it('should generate development keys once and reuse them on the next boot', async () => {
      const dir = dataDir();

      const first = await KeyMaterial.load(parseEnv({ DATA_DIR: dir }));
      const second = await KeyMaterial.load(parseEnv({ DATA_DIR: dir }));

      expect(second.currentSigningKey.kid).toBe(first.currentSigningKey.kid);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('JWT_SIGNING_KEYS is not set'));
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('REFRESH_TOKEN_SECRET is not set'));
      expect(second.refreshSecret.equals(first.refreshSecret)).toBe(true);
      expect(statSync(join(dir, 'keys', 'signing-key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'keys', 'refresh-token-secret')).mode & 0o777).toBe(0o600);
    });

    it('should sign with the first configured key and publish all of them', async () => {
      const [a, b] = [1, 2].map(() =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          format: 'pem',
          type: 'pkcs8',
        }),
      );

      const keys = await KeyMaterial.load(
        parseEnv({ DATA_DIR: dataDir(), JWT_SIGNING_KEYS: `${a.toString()}${b.toString()}` }),
      );

      expect(keys.jwks.keys.map((key) => key.kid)).toEqual(keys.signingKeys.map((key) => key.kid));
      expect(keys.jwks.keys).toHaveLength(2);
      expect(keys.currentSigningKey.kid).toBe(keys.jwks.keys[0].kid);
      expect(keys.verificationKey(keys.jwks.keys[1].kid)).toBe(keys.signingKeys[1]);
    });

    it('should pick the algorithm from the key: ES256 for P-256, RS256 for RSA', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        format: 'pem',
        type: 'pkcs8',
      });

      const keys = await KeyMaterial.load(
        parseEnv({ DATA_DIR: dataDir(), JWT_SIGNING_KEYS: rsa.toString() }),
      );

      expect(keys.currentSigningKey.alg).toBe('RS256');
      expect(keys.algorithms).toEqual(['RS256']);
    });
  });
});
