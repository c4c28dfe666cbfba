// Changing one's own password. It ends every other session of the user (a stolen session
// does not survive the change); the caller stays signed in. Wrong current passwords count
// against the same limit as failed sign-ins.
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../security/passwords.ts';
import { newPasswordField } from '../account-fields.ts';
import { endOtherSessions, SESSION_COOKIE } from '../auth.ts';
import { invalid } from '../errors.ts';
import { reserveSignIn } from '../sign-in-limit.ts';
import { userRoute, type Route } from '../route.ts';

const change = userRoute({
  method: 'POST',
  url: '/api/session/password',
  summary: 'Change your password (`new`: at least 12 characters). Your other sessions end; this one stays signed in.',
  tag: 'session',
  body: z.strictObject({
    current: z.string().min(1, { error: 'is required' }).max(1024, { error: 'is too long' }),
    new: newPasswordField(),
  }),
  responses: { 204: { description: 'Changed' }, 429: { description: 'Too many wrong current passwords; see Retry-After' } },
  async handler({ deps, req, user, body }) {
    const release = await reserveSignIn(deps.loginLimiter, { account: user.email, address: req.ip }, 'Too many failed attempts; try again later.');
    const row = await deps.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    if (!(await verifyPassword(body.current, row.password_hash))) {
      // 400, not 401: the caller is signed in, only this field is wrong.
      throw invalid('current', 'is not your current password');
    }
    await release();
    const hash = await hashPassword(body.new);
    await deps.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
      await tx
        .insertInto('audit_log')
        .values({ actor_user_id: user.id, action: 'password.changed', outcome: 'succeeded', details: JSON.stringify({ email: user.email }) })
        .execute();
    });
    await endOtherSessions(deps.db, user.id, req.cookies[SESSION_COOKIE]);
    return { status: 204 };
  },
});

export const passwordRoutes: Route[] = [change];
