// Refusals of member and invitation changes; the HTTP edge maps each code to its status
// (src/http/errors.ts), the CLI or a job could map them otherwise.
export type MemberErrorCode =
  'not_found' | 'invalid' | 'conflict' | 'wrong_password' | 'last_owner' | 'already_member' | 'invitation_expired' | 'invitation_used' | 'invitation_revoked';

export class MemberError extends Error {
  readonly code: MemberErrorCode;
  /** For `invalid`: the request field at fault. */
  readonly field: string | null;
  constructor(code: MemberErrorCode, message: string, field: string | null = null) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
