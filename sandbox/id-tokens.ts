/**
 * The sandbox's signing key for tokens that someone other than the sandbox verifies: id
 * tokens (and the access tokens issued next to them in the authorization-code flow). RS256
 * with an RSA key generated at start, published at `/{tenant}/discovery/v2.0/keys` like
 * Entra's, so a relying party verifies them the way it verifies Microsoft's: with the
 * authority's JWKS. A restart rotates the key; the `kid` names it.
 */
import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface IdTokenKeys {
  kid: string;
  privateKey: KeyObject;
  /** The public key as published (kty, use, kid, n, e). */
  publicJwk: JWK;
}

export async function createIdTokenKeys(): Promise<IdTokenKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey: privateKey as unknown as KeyObject, publicJwk: { kty: jwk.kty, use: 'sig', kid, n: jwk.n, e: jwk.e } };
}

export function publishedKeys(keys: IdTokenKeys): { keys: JWK[] } {
  return { keys: [{ ...keys.publicJwk }] };
}

export async function signWithSandboxKey(keys: IdTokenKeys, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid }).sign(keys.privateKey);
}

/** Entra's `sub` is pairwise: stable for one user and one app, different across apps. */
export function pairwiseSubject(objectId: string, clientId: string): string {
  return createHash('sha256').update(`${objectId.toLowerCase()}|${clientId.toLowerCase()}`).digest('base64url');
}
