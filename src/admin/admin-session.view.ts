import { truncateIp } from '../consent/consent-ip.js';
import type { SessionInfo } from '../session/session.service.js';

/**
 * One session of `GET /admin/users/:userId/sessions`: `GET /auth/sessions`' view plus the user; never a
 * session ID. The IP is truncated (IPv4 /24, IPv6 /48): an admin needs the network, not the household.
 */
export type AdminSessionView = SessionInfo & { userId: string };

export function toAdminSessionView(userId: string, s: SessionInfo): AdminSessionView {
  return { userId, ...s, ip: truncateIp(s.ip) };
}
