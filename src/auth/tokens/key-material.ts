import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';
import { calculateJwkThumbprint, type JWK } from 'jose';

import type { AppConfig } from 'src/config/env.schema';
import { signingAlgorithmOf, type SigningAlgorithm } from 'src/config/signing-keys';

export type { SigningAlgorithm } from 'src/config/signing-keys';

export interface SigningKey {
  /** RFC 7638 thumbprint of the public key: stable, and the same on every instance. */
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

async function toSigningKey(privateKey: KeyObject): Promise<SigningKey> {
  const alg = signingAlgorithmOf(privateKey);
  const publicKey = createPublicKey(privateKey);
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, alg, privateKey, publicKey, jwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

/**
 * jsonwebtoken 9 takes KeyObjects, which is what keeps verification fast; the passport-jwt types
 * predate that and only name strings and Buffers.
 */
export function asJwtKey(key: KeyObject): Buffer {
  return key as unknown as Buffer;
}

/** Reads a development key file, or creates it on first use (never in production). */
function readOrCreate(path: string, create: () => string): { value: string; created: boolean } {
  try {
    return { value: readFileSync(path, 'utf8'), created: false };
  } catch {
    const value = create();
    try {
      writeFileSync(path, value, { mode: 0o600, flag: 'wx' });
      return { value, created: true };
    } catch {
      // Another process created it first: use theirs, so both sign alike.
      return { value: readFileSync(path, 'utf8'), created: false };
    }
  }
}

function derivedKey(secret: KeyObject, purpose: string): KeyObject {
  return createSecretKey(
    Buffer.from(hkdfSync('sha256', secret.export(), Buffer.alloc(0), purpose, 32)),
  );
}

/**
 * The keys Warden signs with, parsed once into KeyObjects at boot: the asymmetric access-token
 * keys (the first signs, all verify and are published), the refresh-token secret, and the keys
 * derived from it for refresh-token rotation and for device tokens.
 */
export class KeyMaterial {
  private readonly byKid: Map<string, SigningKey>;
  readonly algorithms: SigningAlgorithm[];

  private constructor(
    readonly signingKeys: SigningKey[],
    readonly refreshSecret: KeyObject,
    readonly rotationKey: KeyObject,
    readonly deviceTokenKey: KeyObject,
  ) {
    this.byKid = new Map(signingKeys.map((key) => [key.kid, key]));
    this.algorithms = [...new Set(signingKeys.map((key) => key.alg))];
  }

  static async load(config: AppConfig): Promise<KeyMaterial> {
    let { signingKeys, refreshTokenSecret } = config.tokens;
    if (signingKeys.length === 0 || !refreshTokenSecret) {
      ({ signingKeys, refreshTokenSecret } = KeyMaterial.developmentKeys(config));
    }
    return new KeyMaterial(
      await Promise.all(signingKeys.map(toSigningKey)),
      refreshTokenSecret,
      derivedKey(refreshTokenSecret, 'warden refresh-token rotation'),
      derivedKey(refreshTokenSecret, 'warden device token'),
    );
  }

  private static developmentKeys(config: AppConfig): {
    signingKeys: KeyObject[];
    refreshTokenSecret: KeyObject;
  } {
    const dir = join(config.dataDir, 'keys');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const logger = new Logger(KeyMaterial.name);
    let { signingKeys, refreshTokenSecret } = config.tokens;
    if (signingKeys.length === 0) {
      const path = join(dir, 'signing-key.pem');
      const { value, created } = readOrCreate(path, () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      );
      signingKeys = [createPrivateKey(value)];
      logger.warn(
        `JWT_SIGNING_KEYS is not set: using the development signing key ${created ? 'just generated in' : 'from'} ${path}`,
      );
    }
    if (!refreshTokenSecret) {
      const path = join(dir, 'refresh-token-secret');
      const { value, created } = readOrCreate(path, () => randomBytes(48).toString('base64url'));
      refreshTokenSecret = createSecretKey(Buffer.from(value.trim(), 'utf8'));
      logger.warn(
        `REFRESH_TOKEN_SECRET is not set: using the development secret ${created ? 'just generated in' : 'from'} ${path}`,
      );
    }
    return { signingKeys, refreshTokenSecret };
  }

  /** The key new access tokens are signed with. */
  get currentSigningKey(): SigningKey {
    return this.signingKeys[0];
  }

  verificationKey(kid: string | undefined): SigningKey | undefined {
    return kid === undefined ? undefined : this.byKid.get(kid);
  }

  get jwks(): { keys: JWK[] } {
    return { keys: this.signingKeys.map((key) => key.jwk) };
  }
}
