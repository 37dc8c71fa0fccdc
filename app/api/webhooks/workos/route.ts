import { getWorkOS } from '@workos-inc/authkit-nextjs';
import { getEnv } from '@/lib/env';
import { isHandledEvent } from '@/lib/events/process-event';
import { log, parkUnusableEvent, processWorkosEvent } from '@/lib/events/runtime';
import { handleWorkosWebhook } from '@/lib/events/webhook';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** WorkOS webhooks (dashboard › Webhooks): signed deliveries of session, user and password events. */
export async function POST(request: Request): Promise<Response> {
  const env = getEnv();
  return handleWorkosWebhook(
    request,
    {
      enabled: env.REVOCATION_SIGNALS !== 'events',
      secret: env.WORKOS_WEBHOOK_SECRET ?? null,
      // Signature checks are local (HMAC with the endpoint secret); this is the SDK's own constant-time verifier.
      verifier: getWorkOS().webhooks,
      process: (event) => processWorkosEvent(event, 'webhook'),
      park: (event, reason) => parkUnusableEvent(event, 'webhook', reason),
      log,
    },
    isHandledEvent,
  );
}
