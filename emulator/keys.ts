import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  type JsonWebKey,
} from 'node:crypto';

/** The RS256 signing key, stored as a private JWK so it survives a restart through the state file. */
export interface StoredSigningKey {
  kid: string;
  privateJwk: JsonWebKey;
  createdAt: number;
}

export function generateSigningKey(kid: string, now: number): StoredSigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return { kid, privateJwk: privateKey.export({ format: 'jwk' }), createdAt: now };
}

export interface PublicJwk {
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
}

export function publicJwk(key: StoredSigningKey): PublicJwk {
  const jwk = createPublicKey(privateKeyOf(key)).export({ format: 'jwk' });
  return { kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.kid, n: String(jwk.n), e: String(jwk.e) };
}

const privateKeys = new WeakMap<StoredSigningKey, ReturnType<typeof createPrivateKey>>();
function privateKeyOf(key: StoredSigningKey) {
  let keyObject = privateKeys.get(key);
  if (!keyObject) {
    keyObject = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
    privateKeys.set(key, keyObject);
  }
  return keyObject;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signJwt(key: StoredSigningKey, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
  const payload = b64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  const signature = signer.sign(privateKeyOf(key));
  return `${header}.${payload}.${b64url(signature)}`;
}

/** BASE64URL(SHA256(verifier)), the S256 PKCE transform. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
