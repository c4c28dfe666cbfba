// The origin people reach opsgate at, for everything that leaves the server as a link: the
// invitation URL, the admin-consent and Microsoft sign-in redirect URIs, the setup URL.
// OPSGATE_PUBLIC_URL when configured; else the origin of the request itself (its Host, and
// behind a trusted proxy its X-Forwarded-Proto/-Host), which a proxy may rewrite and a client
// may choose, so production sets the public URL.
import type { FastifyRequest } from 'fastify';

export function publicOrigin(publicUrl: string | null, req: FastifyRequest): string {
  return publicUrl ?? `${req.protocol}://${req.host}`;
}
