// `opsgate setup --workspace NAME --email E --display-name N`: the first-run setup for
// scripted installs. The password comes from OPSGATE_SETUP_PASSWORD (never an argument:
// arguments show up in process lists and shell history). Exit codes: 0 set up, 2 refused
// (bad arguments, or a user already exists: nothing is changed).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDatabase } from '../app/database.ts';
import type { Config } from '../config.ts';
import { displayNameField, emailField, newPasswordField } from '../http/account-fields.ts';
import { completeSetup, SetupError } from './first-run.ts';

export const SETUP_USAGE = 'usage: OPSGATE_SETUP_PASSWORD=… opsgate setup --workspace NAME --email EMAIL --display-name NAME';

const input = z.object({
  workspace: z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'is too long' }),
  email: emailField(),
  'display-name': displayNameField(),
  OPSGATE_SETUP_PASSWORD: newPasswordField(),
});

/** Runs the command; returns the exit code. Messages go to `out` / `err`. */
export async function runSetupCommand(
  config: Config,
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { workspace: { type: 'string' }, email: { type: 'string' }, 'display-name': { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    err(`opsgate setup: ${(e as Error).message}\n${SETUP_USAGE}`);
    return 2;
  }
  const parsed = input.safeParse({ ...values, OPSGATE_SETUP_PASSWORD: env.OPSGATE_SETUP_PASSWORD }, { reportInput: true });
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const name = String(i.path[0]);
      const what = name === 'OPSGATE_SETUP_PASSWORD' ? name : `--${name}`;
      err(`opsgate setup: ${what} ${i.input === undefined ? 'is required' : i.message}`);
    }
    err(SETUP_USAGE);
    return 2;
  }
  const v = parsed.data;
  const db = await openDatabase(config, { poolSize: 2 });
  try {
    await completeSetup(db.db, {
      token: null,
      workspaceName: v.workspace,
      email: v.email,
      displayName: v['display-name'],
      password: v.OPSGATE_SETUP_PASSWORD,
      via: 'cli',
    });
    out(`opsgate setup: workspace "${v.workspace}" created; ${v.email} is its owner and can sign in now.`);
    return 0;
  } catch (e) {
    if (e instanceof SetupError && e.code === 'already_set_up') {
      err('opsgate setup: already set up (a user exists); nothing was changed. Sign in and invite people from Members instead.');
      return 2;
    }
    throw e;
  } finally {
    await db.shutdown();
  }
}
