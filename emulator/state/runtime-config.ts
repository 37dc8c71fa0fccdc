import type { EmulatorConfig } from '../config.ts';

/** The configuration that can change while the emulator runs (`POST /_emulator/config`, the dashboard). */
export interface RuntimeConfig {
  accessTokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  /** null: off (the default, as in a new WorkOS environment). */
  sessionInactivityTimeoutSeconds: number | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  webhooksEnabled: boolean;
  /** Whether access tokens carry `auth_time` (EMULATOR_AUTH_TIME_CLAIM; `auth_time_claim` in the control API). */
  authTimeClaim: boolean;
  /**
   * Stripe entitlements per organization id (`entitlements` claim of a session in that organization); null: the
   * integration is not connected, and no token carries the claim. Absent in older state files (null then).
   */
  entitlements?: Record<string, string[]> | null;
  /** Slugs of the feature flags enabled for everyone (`feature_flags` claim); null: none configured, no claim. */
  featureFlags?: string[] | null;
}

export function defaultRuntimeConfig(config: EmulatorConfig): RuntimeConfig {
  return {
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
    sessionInactivityTimeoutSeconds: config.sessionInactivityTimeoutSeconds,
    webhookUrl: config.webhookUrl,
    webhookSecret: config.webhookSecret,
    webhooksEnabled: config.webhookUrl !== null,
    authTimeClaim: config.authTimeClaim,
  };
}
