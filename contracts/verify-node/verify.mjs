// Verifies every test vector in a folder with an implementation independent of goldtrace's Python:
// RFC 8785 by the npm `canonicalize` package, SHA-256 and Ed25519 by node:crypto (OpenSSL).
// Usage: node verify.mjs ../vectors   (exit 0 when every vector holds, 1 otherwise)
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';

const folder = process.argv[2] ?? '../vectors';
const files = readdirSync(folder).filter((name) => name.endsWith('.json')).sort();
let failed = 0;

function check (name) {
  const vector = JSON.parse(readFileSync(join(folder, name), 'utf8'));
  const keys = Object.keys(vector).sort().join(',');
  if (keys !== 'canonical,description,digest,event,public_key') return `unexpected members ${keys}`;
  const { signature, ...unsigned } = vector.event;
  const canonical = canonicalize(unsigned);
  if (canonical !== vector.canonical) return 'canonical text differs';
  const digest = createHash('sha256').update(canonicalize(vector.event), 'utf8').digest('hex');
  if (digest !== vector.digest) return 'digest differs';
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: vector.public_key }, format: 'jwk' });
  const message = Buffer.from(canonical, 'utf8');
  const sig = Buffer.from(signature, 'base64url');
  if (!verify(null, message, key, sig)) return 'signature does not verify';
  message[message.length - 2] ^= 1;
  if (verify(null, message, key, sig)) return 'signature verifies over a changed message';
  return null;
}

for (const name of files) {
  let problem;
  try {
    problem = check(name);
  } catch (error) {
    problem = String(error);
  }
  if (problem) failed += 1;
  console.log(JSON.stringify({ vector: name, ok: !problem, problem }));
}
console.log(JSON.stringify({ vectors: files.length, failed }));
process.exit(failed === 0 && files.length > 0 ? 0 : 1);
