// Request fields for creating an account (first-run setup, accepting an invitation,
// changing a password), so every place asks for the same things in the same words.
import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../setup/first-run.ts';

// Deliberately loose: the address is confirmed by whoever receives the invitation link.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const emailField = () =>
  z
    .string()
    .trim()
    .max(320, { error: 'is too long' })
    .regex(EMAIL_SHAPE, { error: 'must be an email address' })
    .transform((v) => v.toLowerCase());

export const displayNameField = () => z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'is too long' });

/** A new password: long rather than complicated (NIST SP 800-63B). */
export const newPasswordField = () =>
  z
    .string()
    .min(MIN_PASSWORD_LENGTH, { error: `must be at least ${MIN_PASSWORD_LENGTH} characters` })
    .max(1024, { error: 'is too long' });

/** A single-use token from a URL (setup, invitation): 43 base64url characters when we minted it. */
export const urlTokenField = () => z.string().min(1, { error: 'is required' }).max(200, { error: 'is too long' });
