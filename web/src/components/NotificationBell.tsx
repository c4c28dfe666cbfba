// The bell: the signed-in user's terminal-run notifications (only runs they started), live.
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../api.ts';
import { relativeTime } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import type { ItemList, Notification } from '../types.ts';

export function NotificationBell() {
  const r = useResource<ItemList<Notification>>('/api/notifications', { idleIntervalMs: 2500 });
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const now = useNow(15_000);
  const items = r.data?.items ?? [];
  const unread = items.filter((n) => !n.readAt).length;

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  async function openItem(n: Notification) {
    setOpen(false);
    if (!n.readAt) await api.post(`/api/notifications/${n.id}/read`, {}).catch(() => undefined);
    r.reload();
    void navigate(n.url);
  }

  async function markAllRead() {
    await Promise.all(items.filter((n) => !n.readAt).map((n) => api.post(`/api/notifications/${n.id}/read`, {}).catch(() => undefined)));
    r.reload();
  }

  return (
    <div className="bell" ref={ref}>
      <button
        type="button"
        className="bell-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={`Notifications, ${unread} unread`}
        data-testid="bell"
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 ? (
          <span className="bell-count" data-testid="bell-count">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div className="bell-panel" role="region" aria-label="Notifications">
          <div className="bell-panel-head">
            <strong>Notifications</strong>
            {unread > 0 ? (
              <button type="button" className="link-button" onClick={() => void markAllRead()}>
                Mark all read
              </button>
            ) : null}
          </div>
          {r.error && !r.data ? <p className="bell-empty">Notifications could not be loaded.</p> : null}
          {r.data && items.length === 0 ? <p className="bell-empty">Nothing yet. You are notified when a run you started finishes.</p> : null}
          <ul className="bell-list">
            {items.slice(0, 30).map((n) => (
              <li key={n.id}>
                <button type="button" className={`bell-item${n.readAt ? '' : ' unread'}`} onClick={() => void openItem(n)}>
                  <span className="bell-item-title">{n.title}</span>
                  <span className="bell-item-body">{n.body}</span>
                  <span className="bell-item-time">{relativeTime(n.createdAt, now)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
