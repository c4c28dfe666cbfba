// Invitations: owners create, list and withdraw them; the invitee looks one up and accepts it
// from /invite/{token} without being signed in (the token is the proof). Tokens travel in
// request bodies, never in API paths, so they stay out of request logs.
import { z } from 'zod';
import { MemberError } from '../../members/errors.ts';
import {
  acceptInvitation,
  createInvitation,
  describeInvitation,
  invitationStatus,
  listInvitations,
  pendingInvitation,
  revokeInvitation,
} from '../../members/invitations.ts';
import { displayNameField, emailField, urlTokenField } from '../account-fields.ts';
import { publicOrigin } from '../public-origin.ts';
import { publicRoute, type Route } from '../route.ts';
import { isoDate, items, uuid } from '../schemas.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { reserveSignIn } from '../sign-in-limit.ts';
import { roleSchema, workspaceParams, workspacePathRoute } from '../workspaces.ts';
import { tenantsGrantSchema } from './members.ts';
import { sessionSchema, sessionView } from './session.ts';

const role = z.enum(['owner', 'manager', 'operator', 'readonly']);
const tenants = z.union([z.literal('all'), z.array(z.string())]);

export const createdInvitationSchema = z.strictObject({ id: z.string(), email: z.string(), role, tenants, url: z.string(), expiresAt: isoDate });
export const openInvitationSchema = z.strictObject({
  id: z.string(),
  email: z.string(),
  role,
  tenants,
  status: z.enum(['pending', 'expired']),
  invitedBy: z.strictObject({ email: z.string() }).nullable(),
  createdAt: isoDate,
  expiresAt: isoDate,
});
/** What an invitation URL offers (the lookup's answer). */
export const invitationOfferSchema = z.strictObject({
  email: z.string(),
  role,
  workspace: z.strictObject({ name: z.string(), slug: z.string() }),
  tenants,
  expiresAt: isoDate,
  accountExists: z.boolean(),
});

const create = workspacePathRoute({
  method: 'POST',
  url: '/api/workspaces/:ws/invitations',
  summary:
    'Invite an email with a role on all tenants ("all", also tenants added later) or on the tenants named by slug. ' +
    "The answer's `url` holds a single-use token, shown only here, valid 7 days. A newer invitation for the same email replaces the open one.",
  tag: 'members',
  params: workspaceParams,
  body: z.strictObject({ email: emailField(), role: roleSchema, tenants: tenantsGrantSchema }),
  capability: 'workspace.manage_members',
  responses: { 201: { description: 'Invited', schema: createdInvitationSchema }, 409: { description: 'already_member' } },
  async handler({ deps, req, user, workspace, body }) {
    const {
      invitation,
      token,
      tenants: granted,
    } = await createInvitation(deps.db, { workspaceId: workspace.id, actorId: user.id, email: body.email, role: body.role, tenants: body.tenants });
    return {
      status: 201,
      body: {
        id: invitation.id,
        email: invitation.email,
        role: invitation.role,
        tenants: granted,
        url: `${publicOrigin(deps.publicUrl, req)}/invite/${token}`,
        expiresAt: invitation.expires_at.toISOString(),
      },
    };
  },
});

const list = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/invitations',
  summary: 'Open invitations (not accepted, not withdrawn), newest first; never their tokens.',
  tag: 'members',
  params: workspaceParams,
  capability: 'workspace.manage_members',
  responses: { 200: { description: 'Invitations', schema: items(openInvitationSchema) } },
  async handler({ deps, workspace }) {
    const rows = await listInvitations(deps.db, workspace.id);
    return {
      status: 200,
      body: {
        items: rows.map(({ invitation: i, invitedBy, tenants: t }) => ({
          id: i.id,
          email: i.email,
          role: i.role,
          tenants: t,
          status: invitationStatus(i) === 'expired' ? 'expired' : 'pending',
          invitedBy: invitedBy ? { email: invitedBy } : null,
          createdAt: i.created_at.toISOString(),
          expiresAt: i.expires_at.toISOString(),
        })),
      },
    };
  },
});

const revoke = workspacePathRoute({
  method: 'DELETE',
  url: '/api/workspaces/:ws/invitations/:id',
  summary: 'Withdraw an open invitation: its URL stops working (410 invitation_revoked).',
  tag: 'members',
  params: workspaceParams.extend({ id: uuid() }),
  body: z.strictObject({}).optional(),
  capability: 'workspace.manage_members',
  responses: { 204: { description: 'Withdrawn (also when it already was)' }, 410: { description: 'invitation_used: already accepted' } },
  async handler({ deps, user, workspace, params }) {
    await revokeInvitation(deps.db, { workspaceId: workspace.id, actorId: user.id, id: params.id });
    return { status: 204 };
  },
});

const lookup = publicRoute({
  method: 'POST',
  url: '/api/invitations/lookup',
  summary: 'What an invitation URL offers: workspace, role, tenants, and whether the email already has an account (then accepting takes its password).',
  tag: 'members',
  body: z.strictObject({ token: urlTokenField() }),
  responses: {
    200: {
      description: 'The invitation',
      schema: invitationOfferSchema,
    },
    404: { description: 'No such invitation' },
    410: { description: 'invitation_expired, invitation_used or invitation_revoked' },
  },
  async handler({ deps, body }) {
    const d = await describeInvitation(deps.db, await pendingInvitation(deps.db, body.token));
    return { status: 200, body: { ...d, expiresAt: d.expiresAt.toISOString() } };
  },
});

const accept = publicRoute({
  method: 'POST',
  url: '/api/invitations/accept',
  summary:
    'Accept an invitation and sign in. A new account takes `displayName` and a new `password` (at least 12 characters); ' +
    "an email that already has an account takes that account's password instead (signing in and accepting are one step). " +
    '410 invitation_expired / invitation_used / invitation_revoked.',
  tag: 'members',
  body: z.strictObject({
    token: urlTokenField(),
    displayName: displayNameField().optional(),
    password: z.string().min(1, { error: 'is required' }).max(1024, { error: 'is too long' }),
  }),
  responses: {
    201: { description: 'Accepted and signed in', schema: sessionSchema },
    404: { description: 'No such invitation' },
    410: { description: 'invitation_expired, invitation_used or invitation_revoked' },
    429: { description: 'Too many wrong passwords for an existing account; see Retry-After' },
  },
  async handler({ deps, req, reply, body }) {
    const inv = await pendingInvitation(deps.db, body.token);
    // A wrong password for an existing account counts like a failed sign-in.
    const release = await reserveSignIn(deps.loginLimiter, { account: inv.email, address: req.ip });
    let accepted;
    try {
      accepted = await acceptInvitation(deps.db, inv, { displayName: body.displayName, password: body.password });
    } catch (err) {
      // Only a wrong password counts; any other refusal gives the attempt back.
      if (!(err instanceof MemberError && err.code === 'wrong_password')) await release();
      throw err;
    }
    await release();
    // Whoever was signed in in this browser before, the invitee is now (their session ends).
    await setSessionCookie(deps, req, reply, accepted.userId);
    return { status: 201, body: await sessionView(deps.db, { id: accepted.userId, email: accepted.email, displayName: accepted.displayName }) };
  },
});

export const invitationRoutes: Route[] = [create, list, revoke, lookup, accept];
