// First run (docs/API.md "Setup, workspaces, members and invitations"): is setup needed, and the setup itself, which creates the first
// workspace and its owner and signs them in. Public by nature: nobody can sign in yet; the
// token printed by the server is what proves the caller runs it.
import { z } from 'zod';
import { completeSetup, SetupError, setupNeeded } from '../../setup/first-run.ts';
import { displayNameField, emailField, newPasswordField, urlTokenField } from '../account-fields.ts';
import { HttpError } from '../errors.ts';
import { publicRoute, type Route } from '../route.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { sessionSchema, sessionView } from './session.ts';

export const setupStatusSchema = z.strictObject({ needed: z.boolean() });

const status = publicRoute({
  method: 'GET',
  url: '/api/setup',
  summary: 'Whether this installation still needs its first-run setup (no user exists yet).',
  tag: 'setup',
  responses: { 200: { description: 'Setup status', schema: setupStatusSchema } },
  async handler({ deps }) {
    return { status: 200, body: { needed: await setupNeeded(deps.db) } };
  },
});

const setup = publicRoute({
  method: 'POST',
  url: '/api/setup',
  summary:
    'First-run setup: creates the workspace and its owner with the token from the URL the server printed, and signs the owner in. ' +
    'Refused with 409 already_set_up once any user exists (exactly one of racing setups wins); 403 with a wrong token.',
  tag: 'setup',
  body: z.strictObject({
    token: urlTokenField(),
    workspaceName: z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'is too long' }),
    email: emailField(),
    displayName: displayNameField(),
    password: newPasswordField(),
  }),
  responses: {
    201: { description: 'Set up and signed in', schema: sessionSchema },
    403: { description: 'forbidden: the token is wrong' },
    409: { description: 'already_set_up: a user exists' },
  },
  async handler({ deps, req, reply, body }) {
    let userId: string;
    try {
      ({ userId } = await completeSetup(deps.db, { ...body, via: 'web' }));
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      throw err.code === 'already_set_up' ? new HttpError(409, 'already_set_up', err.message) : new HttpError(403, 'forbidden', err.message);
    }
    await setSessionCookie(deps, req, reply, userId);
    return { status: 201, body: await sessionView(deps.db, { id: userId, email: body.email, displayName: body.displayName }) };
  },
});

export const setupRoutes: Route[] = [status, setup];
