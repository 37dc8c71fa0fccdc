import 'server-only';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

/**
 * Every environment variable the app reads, validated once. Nothing else in the app reads
 * `process.env` (the emulator is a separate program with its own `emulator/config.ts`).
 */
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be "true" or "false"' })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` })
    .optional()
    .transform((v) => v ?? fallback);

/** Which X-Forwarded-For entries to believe (lib/security/client-ip.ts): none by default. */
export type TrustedProxies = { hops: number } | { ranges: string[] };

const TRUSTED_PROXIES_HELP =
  'must be the number of proxies in front of the app (e.g. 1), or a comma-separated list of their addresses and CIDR ranges (e.g. 10.0.0.0/8,192.168.1.2/32; also loopback, linklocal, uniquelocal); unset trusts none';

const trustedProxies = z
  .string()
  .optional()
  .transform((value, ctx): TrustedProxies => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'none') return { hops: 0 };
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 32) return { hops };
      ctx.addIssue({ code: 'custom', message: `${TRUSTED_PROXIES_HELP} (at most 32 proxies)` });
      return z.NEVER;
    }
    const ranges = text.split(',').map((range) => range.trim());
    try {
      proxyaddr.compile(ranges);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${TRUSTED_PROXIES_HELP} (${error instanceof Error ? error.message : error})` });
      return z.NEVER;
    }
    return { ranges };
  });

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    WORKOS_API_KEY: z
      .string({ message: 'is required (your WorkOS secret key, sk_…; `npm run dev` generates one for the emulator)' })
      .min(1, { message: 'is required' }),
    WORKOS_CLIENT_ID: z
      .string({ message: 'is required (client_…; `npm run dev` generates one for the emulator)' })
      .min(1, { message: 'is required' }),
    WORKOS_COOKIE_PASSWORD: z
      .string({ message: 'is required: 32 or more random characters (openssl rand -base64 32)' })
      .min(32, { message: 'must be at least 32 characters (openssl rand -base64 32)' }),
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: z.url({
      message: 'must be the absolute URL of /callback, e.g. http://localhost:3000/callback',
    }),
    WORKOS_API_HOSTNAME: z.string().min(1).default('api.workos.com'),
    WORKOS_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    // As authkit reads it: https unless exactly "false"… but anything else is a typo that silently means plain http.
    WORKOS_API_HTTPS: z.enum(['true', 'false'], { message: 'must be "true" or "false" (anything else means plain http to authkit)' }).optional(),
    WORKOS_COOKIE_NAME: z.string().min(1).default('wos-session'),
    // As authkit reads them (its cookie.js): the session cookie's Domain (unset: host-only) and SameSite. Every
    // place that clears the cookie must use the same Domain, or the browser keeps the real one.
    WORKOS_COOKIE_DOMAIN: z
      .string()
      .optional()
      .transform((v) => v?.trim() || undefined),
    WORKOS_COOKIE_SAMESITE: z
      .string()
      .optional()
      .transform((v) => (v?.trim() || 'lax').toLowerCase())
      .pipe(z.enum(['lax', 'strict', 'none'], { message: 'must be lax, strict or none' })),
    // As authkit reads it (whole seconds; default 400 days, Chrome's limit). Refreshed cookies are set with it too.
    WORKOS_COOKIE_MAX_AGE: int(34_560_000, 0, 34_560_000),
    WORKOS_WEBHOOK_SECRET: z.string().min(1).optional(),
    DATABASE_PATH: z.string().min(1).default('.data/app.sqlite'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' })
      .optional(),
    // Redis backend tuning (lib/revocation/store/redis/; docs/deployment.md). Only read when REDIS_URL is set.
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'must be 1–64 characters of A-Z a-z 0-9 : _ . -' })
      .default('rev:'),
    REDIS_CONNECT_TIMEOUT_MS: int(2_000, 100, 60_000),
    REDIS_COMMAND_TIMEOUT_MS: int(1_000, 50, 60_000),
    REDIS_STARTUP_TIMEOUT_MS: int(5_000, 0, 300_000),
    REVOCATION_SIGNALS: z
      .enum(['webhooks', 'events', 'both'], { message: 'must be one of webhooks, events, both' })
      .default('webhooks'),
    EVENTS_POLL_INTERVAL_MS: int(5_000, 250, 3_600_000),
    REVOKE_SESSIONS_ON_PASSWORD_CHANGE: bool(true),
    RECENT_AUTH_MAX_AGE_SECONDS: int(600, 30, 86_400),
    REVOCATION_RETENTION_SECONDS: int(86_400, 300, 31_536_000),
    // The longest access-token life configured at WorkOS (5 minutes by default): a revocation must outlive it.
    WORKOS_ACCESS_TOKEN_MAX_AGE_SECONDS: int(300, 30, 86_400),
    LAST_ACTIVE_THROTTLE_MS: int(60_000, 0, 3_600_000),
    // How long a replaced refresh token still earns the newest session (lib/auth/refresh): covers requests sent
    // before the browser stored its new cookie. Past it, a spent token is recorded as reused (a copied cookie).
    SESSION_REFRESH_GRACE_SECONDS: int(30, 1, 300),
    // Bearer token for operators' health detail (/api/health?detail=1): refresh counters, registry detail.
    // Unset: no detail is served.
    OPS_TOKEN: z.string().min(32, { message: 'must be at least 32 characters (openssl rand -base64 32)' }).optional(),
    // The proxies (load balancer, CDN) whose X-Forwarded-For entries are believed; unset: none, so the address is
    // the socket's and a client cannot choose the IP recorded for it.
    TRUSTED_PROXIES: trustedProxies,
    // Personal data (client addresses, user agents, activity, known devices, processed WorkOS events) is purged after
    // this (lib/privacy/retention.ts). At least 31: the event ledger must outlive WorkOS's 30 days of events, or a
    // redelivered one would be acted on twice.
    PERSONAL_DATA_RETENTION_DAYS: int(90, 31, 3650),
    // Security-activity lines are kept this long, without their IP address after PERSONAL_DATA_RETENTION_DAYS.
    AUDIT_RETENTION_DAYS: int(365, 31, 3650),
    INACTIVE_SESSION_DAYS: int(30, 1, 3650),
    SSE_HEARTBEAT_MS: int(15_000, 1_000, 300_000),
    // Open /api/session/events streams allowed per session and instance (one per tab); more are answered 429.
    SSE_MAX_STREAMS_PER_SESSION: int(32, 1, 100_000),
    // …per user (all their sessions) and per instance (every user): caps on memory and sockets a cookie can hold.
    SSE_MAX_STREAMS_PER_USER: int(64, 1, 1_000_000),
    SSE_MAX_STREAMS_PER_INSTANCE: int(5_000, 1, 1_000_000),
    // Requests per minute (lib/rate-limit). Pages and actions that ask WorkOS on a user's behalf, per session and per
    // user; the entry points anyone can call, per client IP. A person never gets near them; a loop does at once.
    RATE_LIMIT_PAGES_PER_SESSION: int(60, 1, 1_000_000),
    RATE_LIMIT_PAGES_PER_USER: int(180, 1, 1_000_000),
    RATE_LIMIT_ACTIONS_PER_SESSION: int(30, 1, 1_000_000),
    RATE_LIMIT_ACTIONS_PER_USER: int(90, 1, 1_000_000),
    RATE_LIMIT_SIGN_IN_PER_IP: int(120, 1, 1_000_000),
    RATE_LIMIT_CALLBACK_PER_IP: int(120, 1, 1_000_000),
    RATE_LIMIT_WEBHOOKS_PER_IP: int(1_200, 1, 1_000_000),
    // A revoker's page asks about 8 times in its 5 s wait; a revoked page posts once. Public (POST): limited per client IP.
    RATE_LIMIT_RECEIPTS_PER_IP: int(600, 1, 1_000_000),
    // How long a user's session list from WorkOS may be shown again (pages only; actions always ask WorkOS). 0: off.
    SESSION_LIST_CACHE_SECONDS: int(5, 0, 60),
    NEXT_PUBLIC_SESSION_POLL_INTERVAL_MS: int(30_000, 1_000, 3_600_000),
    // `stock` runs authkit's stock authkitProxy() instead of proxy.ts's gate: NO revocation enforcement. Only for
    // the proxy-cost comparison (npm run bench, bench/proxy-cost.mjs); never set it in a deployment.
    PROXY_MODE: z.enum(['app', 'stock'], { message: 'must be "app" or "stock"' }).default('app'),
    // Set only by the bench (bench/lib.mjs) for its stock run; PROXY_MODE=stock is refused without it.
    BENCH_ALLOW_STOCK_PROXY: bool(false),
  })
  .superRefine((env, ctx) => {
    if (env.PROXY_MODE === 'stock' && !env.BENCH_ALLOW_STOCK_PROXY) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROXY_MODE'],
        message:
          '"stock" disables revocation enforcement (revoked sessions are let through); it is only for the proxy-cost benchmark, which also sets BENCH_ALLOW_STOCK_PROXY=true. Remove PROXY_MODE or set it to "app"',
      });
    }
    // One session (a stolen cookie) must not be able to spend its user's whole budget: the owner's other devices
    // keep room to act, sign-outs of other sessions included.
    for (const kind of ['PAGES', 'ACTIONS'] as const) {
      const perSession = env[`RATE_LIMIT_${kind}_PER_SESSION`];
      if (env[`RATE_LIMIT_${kind}_PER_USER`] < 2 * perSession) {
        ctx.addIssue({
          code: 'custom',
          path: [`RATE_LIMIT_${kind}_PER_USER`],
          message: `must be at least twice RATE_LIMIT_${kind}_PER_SESSION (= ${perSession}): otherwise one session could use up its user's whole budget and lock the owner's other devices out`,
        });
      }
    }
    if (env.SSE_MAX_STREAMS_PER_USER < env.SSE_MAX_STREAMS_PER_SESSION) {
      ctx.addIssue({
        code: 'custom',
        path: ['SSE_MAX_STREAMS_PER_USER'],
        message: `must be at least SSE_MAX_STREAMS_PER_SESSION (= ${env.SSE_MAX_STREAMS_PER_SESSION})`,
      });
    }
    if (env.REVOCATION_RETENTION_SECONDS < env.WORKOS_ACCESS_TOKEN_MAX_AGE_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['REVOCATION_RETENTION_SECONDS'],
        message: `must be at least the longest access-token life (WORKOS_ACCESS_TOKEN_MAX_AGE_SECONDS = ${env.WORKOS_ACCESS_TOKEN_MAX_AGE_SECONDS}): a shorter one lets a revoked session's token work again before it expires`,
      });
    }
    if (env.AUDIT_RETENTION_DAYS < env.PERSONAL_DATA_RETENTION_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUDIT_RETENTION_DAYS'],
        message: `must be at least PERSONAL_DATA_RETENTION_DAYS (${env.PERSONAL_DATA_RETENTION_DAYS}): the security activity keeps its lines longer than their addresses, never shorter`,
      });
    }
    if (env.NODE_ENV === 'production') {
      let redirect: URL | null = null;
      try {
        redirect = new URL(env.NEXT_PUBLIC_WORKOS_REDIRECT_URI);
      } catch {
        // reported by the field itself
      }
      if (redirect && redirect.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(redirect.hostname)) {
        ctx.addIssue({
          code: 'custom',
          path: ['NEXT_PUBLIC_WORKOS_REDIRECT_URI'],
          message: 'must be https in production (session cookies would travel in clear and lose Secure); http is only for localhost',
        });
      }
    }
    if (env.REVOCATION_SIGNALS !== 'events' && !env.WORKOS_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKOS_WEBHOOK_SECRET'],
        message: `is required when REVOCATION_SIGNALS is "${env.REVOCATION_SIGNALS}" (the endpoint secret from the WorkOS dashboard › Webhooks), or set REVOCATION_SIGNALS=events`,
      });
    }
  });

export type Env = z.infer<typeof schema> & { apiHttps: boolean; appOrigin: string; workosOrigin: string };

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Set these variables in the environment or in .env.local (see README › Configuration). ' +
        'With no WorkOS credentials at all, `npm run dev` runs everything on the local emulator.',
    );
    this.name = 'EnvError';
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`),
    );
  }
  const data = result.data;
  // As authkit-nextjs reads it: https unless WORKOS_API_HTTPS is "false".
  const apiHttps = data.WORKOS_API_HTTPS === undefined || data.WORKOS_API_HTTPS === 'true';
  const apiPort = data.WORKOS_API_PORT === undefined ? '' : `:${data.WORKOS_API_PORT}`;
  return {
    ...data,
    apiHttps,
    appOrigin: new URL(data.NEXT_PUBLIC_WORKOS_REDIRECT_URI).origin,
    // Where the SDK sends the browser (authorize, logout), as it builds its base URL.
    workosOrigin: new URL(`${apiHttps ? 'https' : 'http'}://${data.WORKOS_API_HOSTNAME}${apiPort}`).origin,
  };
}

const key = Symbol.for('soe.env');
type Holder = { [key]?: Env };

/** The validated environment. Throws an `EnvError` naming every bad variable. */
export function getEnv(): Env {
  const holder = globalThis as Holder;
  holder[key] ??= parseEnv(process.env);
  return holder[key];
}
