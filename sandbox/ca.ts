/**
 * TLS material for the sandbox cloud: a private CA plus a server certificate for
 * 127.0.0.1 / localhost / ::1 signed by it (selfsigned v5 signs with a given CA).
 *
 * Clients are handed the CA certificate (CloudEndpoints.caPem) and trust exactly that,
 * the same way a production deployment would trust a corporate CA: TLS is verified
 * end to end, never switched off. Files are reused across runs while valid so a demo's
 * configured caPem keeps working after a restart.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SandboxTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const FILES = {
  caCert: 'sandbox-ca.pem',
  caKey: 'sandbox-ca-key.pem',
  cert: 'sandbox-server.pem',
  key: 'sandbox-server-key.pem',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Regenerate when less than this remains, so a long demo never crosses expiry. */
const MIN_REMAINING_MS = 7 * DAY_MS;

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes via rename so a concurrent reader never sees half a PEM. */
async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, path);
}

function usable(caPem: string, certPem: string, keyPem: string, now: number): boolean {
  try {
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    const fresh = (c: X509Certificate): boolean => new Date(c.validTo).getTime() - now > MIN_REMAINING_MS && new Date(c.validFrom).getTime() <= now;
    return (
      ca.ca &&
      fresh(ca) &&
      fresh(cert) &&
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(keyPem)) &&
      cert.checkIP('127.0.0.1') !== undefined &&
      cert.checkHost('localhost') !== undefined
    );
  } catch {
    return false;
  }
}

async function generateTls(): Promise<SandboxTls & { caKeyPem: string }> {
  const now = new Date();
  const ca = await generate([{ name: 'commonName', value: 'opsgate sandbox CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + 3 * 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + 365 * DAY_MS),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, caKeyPem: ca.private, certPem: server.cert, keyPem: server.private };
}

/** Loads the sandbox TLS material from `dir`, generating (and persisting) it when absent or stale. */
export async function ensureSandboxTls(dir: string, now: number = Date.now()): Promise<SandboxTls> {
  await mkdir(dir, { recursive: true });
  const [caPem, certPem, keyPem] = await Promise.all([
    readIfPresent(join(dir, FILES.caCert)),
    readIfPresent(join(dir, FILES.cert)),
    readIfPresent(join(dir, FILES.key)),
  ]);
  if (caPem && certPem && keyPem && usable(caPem, certPem, keyPem, now)) return { caPem, certPem, keyPem };

  const fresh = await generateTls();
  // Keys are private to the owner; certificates are public.
  await writeAtomic(join(dir, FILES.caKey), fresh.caKeyPem, 0o600);
  await writeAtomic(join(dir, FILES.key), fresh.keyPem, 0o600);
  await writeAtomic(join(dir, FILES.cert), fresh.certPem, 0o644);
  await writeAtomic(join(dir, FILES.caCert), fresh.caPem, 0o644);
  return { caPem: fresh.caPem, certPem: fresh.certPem, keyPem: fresh.keyPem };
}

export const SANDBOX_TLS_FILES = FILES;
