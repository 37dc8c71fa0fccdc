import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
} from 'node:crypto';
import forge from 'node-forge';

/**
 * The RS256 signing key, stored as a private JWK so it survives a restart through the state file, with the
 * self-signed certificate of its public key (base64 DER) that the JWKS publishes as `x5c`.
 */
export interface StoredSigningKey {
  kid: string;
  privateJwk: JsonWebKey;
  createdAt: number;
  /** Base64 (not base64url) DER X.509 certificate; absent in state files written before it existed. */
  certificate?: string;
}

export function generateSigningKey(kid: string, now: number): StoredSigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return withCertificate({ kid, privateJwk: privateKey.export({ format: 'jwk' }), createdAt: now });
}

const CERTIFICATE_YEARS = 10;

/**
 * The key with a certificate: a self-signed X.509 v3 certificate (SHA-256 with RSA, node-forge) for the key's public
 * half, valid from the key's creation for ten years. A key that already has one is returned as it is.
 */
export function withCertificate(key: StoredSigningKey): StoredSigningKey {
  if (key.certificate) return key;
  const pem = privateKeyOf(key).export({ format: 'pem', type: 'pkcs1' }).toString();
  const privateKey = forge.pki.privateKeyFromPem(pem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  // A positive serial number: 16 random bytes with the top bit cleared (RFC 5280 §4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = new Date(key.createdAt);
  const notAfter = new Date(key.createdAt);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_YEARS);
  certificate.validity.notAfter = notAfter;
  const name = [
    { name: 'commonName', value: `WorkOS emulator ${key.kid}` },
    { name: 'organizationName', value: 'WorkOS emulator' },
  ];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
  ]);
  certificate.sign(privateKey, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes();
  return { ...key, certificate: Buffer.from(der, 'binary').toString('base64') };
}

/** Every field the spec's `JwksResponse` requires of a key. */
export interface PublicJwk {
  alg: 'RS256';
  kty: 'RSA';
  use: 'sig';
  x5c: string[];
  n: string;
  e: string;
  kid: string;
  'x5t#S256': string;
}

export function publicJwk(key: StoredSigningKey): PublicJwk {
  const jwk = createPublicKey(privateKeyOf(key)).export({ format: 'jwk' });
  const certificate = withCertificate(key).certificate ?? '';
  return {
    alg: 'RS256',
    kty: 'RSA',
    use: 'sig',
    x5c: [certificate],
    n: String(jwk.n),
    e: String(jwk.e),
    kid: key.kid,
    // RFC 7517 §4.9: base64url of the SHA-256 of the DER certificate.
    'x5t#S256': createHash('sha256').update(Buffer.from(certificate, 'base64')).digest('base64url'),
  };
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
