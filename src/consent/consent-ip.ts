import { isIP } from 'node:net';

function expandIpv6(ip: string): number[] | undefined {
  const [head, tail] = ip.split('::');
  if (ip.split('::').length > 2) return undefined;
  const parse = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const a = parse(head);
  const b = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - a.length - b.length;
  const all = [...a, ...new Array(Math.max(fill, 0)).fill(0), ...b];
  return all.length === 8 && all.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? all : undefined;
}

/** The network part only (IPv4 /24, IPv6 /48): enough to spot abuse, not enough to name a household. */
export function truncateIp(ip: string | undefined | null): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const addr = mapped ? mapped[1] : ip.split('%')[0];
  switch (isIP(addr)) {
    case 4:
      return `${addr.split('.').slice(0, 3).join('.')}.0`;
    case 6: {
      const groups = expandIpv6(addr);
      return groups
        ? `${groups
            .slice(0, 3)
            .map((g) => g.toString(16))
            .join(':')}::`
        : null;
    }
    default:
      return null;
  }
}
