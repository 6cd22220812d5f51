import { createPrivateKey, type KeyObject } from 'node:crypto';

export type SigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

const ALGORITHM_BY_CURVE: Record<string, SigningAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

const MIN_RSA_MODULUS_BITS = 2048;

/** The algorithm access tokens are signed with under this key; throws for a key Warden refuses. */
export function signingAlgorithmOf(key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve) {
    const algorithm = ALGORITHM_BY_CURVE[details.namedCurve];
    if (algorithm) {
      return algorithm;
    }
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits >= MIN_RSA_MODULUS_BITS) {
      return 'RS256';
    }
    throw new Error(
      `an RSA key of ${bits} bits is too short; use at least ${MIN_RSA_MODULUS_BITS} bits, or EC P-256 (ES256)`,
    );
  }
  const type = [key.asymmetricKeyType, details?.namedCurve].filter(Boolean).join(' ') || 'unknown';
  throw new Error(
    `unsupported key (${type}); use EC P-256 (ES256), P-384, P-521 or RSA >= ${MIN_RSA_MODULUS_BITS} bits`,
  );
}

const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g;

/** Every PEM private key in the text (`\n` escapes accepted), each one Warden can sign with. */
export function parseSigningKeys(pemText: string): KeyObject[] {
  const blocks = pemText.replace(/\\n/g, '\n').match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new Error('no PEM private key found');
  }
  return blocks.map((block) => {
    const key = createPrivateKey(block);
    signingAlgorithmOf(key);
    return key;
  });
}
