import { optionalString, readBoolean, readInteger } from '../params.ts';
import type { RuntimeConfig } from '../state/runtime-config.ts';
import type { Store } from '../store.ts';
import { unprocessable } from '../wire.ts';

export function configJson(config: RuntimeConfig) {
  return {
    access_token_ttl_seconds: config.accessTokenTtlSeconds,
    session_max_age_seconds: config.sessionMaxAgeSeconds,
    session_inactivity_timeout_seconds: config.sessionInactivityTimeoutSeconds,
    webhook_url: config.webhookUrl,
    webhooks_enabled: config.webhooksEnabled,
    webhook_secret_set: config.webhookSecret !== null,
    auth_time_claim: config.authTimeClaim,
    entitlements: config.entitlements ?? null,
    feature_flags: config.featureFlags ?? null,
  };
}

const slugList = (value: unknown, field: string): string[] => {
  if (!Array.isArray(value) || !value.every((slug) => typeof slug === 'string' && slug.trim() !== '')) {
    throw unprocessable(field, `${field} must be a list of slugs`);
  }
  return value as string[];
};

function webhookUrl(params: Record<string, unknown>): string | null {
  const url = optionalString(params, 'webhook_url');
  if (url === null) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw unprocessable('webhook_url', 'webhook_url must be an absolute http(s) URL');
  }
  return url;
}

function entitlements(value: unknown): Record<string, string[]> | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw unprocessable('entitlements', 'entitlements must be an object of organization id → list of slugs, or null');
  }
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([organizationId, slugs]) => [
      organizationId,
      slugList(slugs, `entitlements.${organizationId}`),
    ]),
  );
}

/** Shared by the JSON control API and the dashboard's forms: only the fields given change. */
export function applyConfig(store: Store, params: Record<string, unknown>): RuntimeConfig {
  const patch: Partial<RuntimeConfig> = {};
  if (params.access_token_ttl_seconds !== undefined) {
    patch.accessTokenTtlSeconds = readInteger(params, 'access_token_ttl_seconds', 1, 86_400);
  }
  if (params.session_max_age_seconds !== undefined) {
    patch.sessionMaxAgeSeconds = readInteger(params, 'session_max_age_seconds', 60, 31_536_000);
  }
  if (params.session_inactivity_timeout_seconds !== undefined) {
    const value = params.session_inactivity_timeout_seconds;
    patch.sessionInactivityTimeoutSeconds =
      value === null || value === '' || value === 'off'
        ? null
        : readInteger(params, 'session_inactivity_timeout_seconds', 60, 31_536_000);
  }
  if (params.webhook_url !== undefined) patch.webhookUrl = webhookUrl(params);
  if (params.webhook_secret !== undefined) patch.webhookSecret = optionalString(params, 'webhook_secret');
  if (params.webhooks_enabled !== undefined) patch.webhooksEnabled = readBoolean(params, 'webhooks_enabled');
  if (params.auth_time_claim !== undefined) patch.authTimeClaim = readBoolean(params, 'auth_time_claim');
  if (params.entitlements !== undefined) patch.entitlements = entitlements(params.entitlements);
  if (params.feature_flags !== undefined) {
    patch.featureFlags = params.feature_flags === null ? null : slugList(params.feature_flags, 'feature_flags');
  }
  const next = { ...store.config, ...patch };
  if (next.webhooksEnabled && (!next.webhookUrl || !next.webhookSecret)) {
    throw unprocessable('webhooks_enabled', 'webhooks need a webhook_url and a webhook_secret');
  }
  return store.updateConfig(patch);
}
