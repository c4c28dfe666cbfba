// Security headers on every answer (API, console files, error pages), by @fastify/helmet.
//
// The console is a built single-page app whose scripts and styles are files of this origin,
// so the Content-Security-Policy allows 'self' only (plus data: images: the favicon is one),
// no inline script or style element, no plugin, no framing by anyone (frame-ancestors
// 'none', X-Frame-Options DENY). Referrer-Policy no-referrer: URLs that carry a sign-in code,
// a consent state or an invitation token never travel to another origin in a Referer.
// With an https public URL, browsers are told to keep to https (HSTS, a year) and to upgrade
// any stray http request; over plain http both would only break a local install.
// Pages with an inline style of their own (the Microsoft sign-in refusal page) send a stricter
// policy that allows exactly that style by its hash.
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export async function registerSecurityHeaders(app: FastifyInstance, opts: { https: boolean }): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...CSP_DIRECTIVES, ...(opts.https ? { upgradeInsecureRequests: [] } : {}) },
    },
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}
