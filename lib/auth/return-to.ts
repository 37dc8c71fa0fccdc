/**
 * Where to send someone after signing in. Only same-origin relative paths are accepted (no open redirect):
 * "/account/security?tab=x" passes; "//evil.com", "/\\evil.com", "https://evil.com", "javascript:…" do not.
 */
const FALLBACK = '/home';
const LOOPING_PATHS = ['/sign-in', '/sign-up', '/callback', '/signed-out'];
const BASE = 'http://return-to.invalid';

export function sanitizeReturnTo(value: unknown, fallback: string = FALLBACK): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  // Control characters and backslashes are normalised away by browsers and can smuggle in a host.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  if (!value.startsWith('/') || value.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  if (LOOPING_PATHS.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`))) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** OIDC `max_age` for re-authentication, in whole seconds; undefined when absent or malformed. */
export function parseMaxAge(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,8}$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds <= 31_536_000 ? seconds : undefined;
}
