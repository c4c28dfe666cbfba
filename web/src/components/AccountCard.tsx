// The centred card of the pages people see before they have a session: first-run setup and
// accepting an invitation (the same frame as /login).
import type { ReactNode } from 'react';

export function AccountCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <div className="login">
      <div className="login-card">
        <div className="brand brand-login">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          opsgate
        </div>
        <h1>{title}</h1>
        {intro ? <p className="muted">{intro}</p> : null}
        {children}
      </div>
    </div>
  );
}

/** A labelled input; `hint` is read out with the field (aria-describedby). */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange(v: string): void;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  hint?: string;
  autoFocus?: boolean;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        value={props.value}
        aria-describedby={hintId}
        autoFocus={props.autoFocus}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint ? (
        <span id={hintId} className="muted small">
          {props.hint}
        </span>
      ) : null}
    </div>
  );
}
