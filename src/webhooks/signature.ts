// x-opsgate-signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the secret>.
// A receiver recomputes it over the raw body it read and compares in constant time.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-opsgate-signature';

export function sign(body: string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function verify(body: string, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(sign(body, secret));
  const got = Buffer.from(header);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}
