import { truncateIp } from '../consent/consent-ip.js';
import type { SessionInfo } from '../session/session.service.js';

/** One session of `GET /admin/users/:userId/sessions`: `GET /auth/sessions` plus the user and the expiry times; never a session ID. */
export interface AdminSessionView {
  userId: string;
  handle: string;
  createdAt: string | null;
  lastSeenAt: string | null;
  idleExpiresAt: string | null;
  absoluteExpiresAt: string | null;
  /** Truncated (IPv4 /24, IPv6 /48): an admin needs the network, not the household. */
  ip: string | null;
  /** The device, as its user agent named it at login. */
  userAgent: string | null;
  remember: boolean;
  /** The admin's own session of this request. */
  current: boolean;
}

export function toAdminSessionView(userId: string, s: SessionInfo): AdminSessionView {
  return {
    userId,
    handle: s.handle,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    idleExpiresAt: s.idleExpiresAt,
    absoluteExpiresAt: s.absoluteExpiresAt,
    ip: truncateIp(s.ip),
    userAgent: s.userAgent,
    remember: s.remember,
    current: s.current,
  };
}
