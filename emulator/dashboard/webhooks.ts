import { html, type SafeHtml } from '../html.ts';
import type { DeliveryRecord } from '../state/deliveries.ts';
import type { RuntimeConfig } from '../state/runtime-config.ts';
import { table, time } from './elements.ts';

export function webhooksSection(config: RuntimeConfig, deliveries: DeliveryRecord[]): SafeHtml {
  return html`<section class="panel" id="webhooks" aria-labelledby="webhooks-h">
    <h2 id="webhooks-h">Webhook deliveries</h2>
    <p class="muted">
      Endpoint: ${config.webhookUrl ? html`<code>${config.webhookUrl}</code>` : 'none'} ·
      ${config.webhooksEnabled ? 'enabled' : 'disabled'}
    </p>
    ${table(
      ['Created', 'Event', 'Status', 'Attempts', 'Last result', 'Next attempt'],
      deliveries.map(
        (d) =>
          html`<tr>
            <td>${time(d.createdAt)}</td>
            <td><code>${d.event}</code><br /><span class="mono muted">${d.eventId}</span></td>
            <td><span class="badge ${d.status}">${d.status}</span></td>
            <td>${d.attempts}</td>
            <td>
              ${d.lastError ?? (d.lastStatus === null ? '—' : `HTTP ${d.lastStatus}`)}${
                d.acknowledgedAs ? html` · <span class="badge ${d.acknowledgedAs}">${d.acknowledgedAs}</span>` : null
              }
            </td>
            <td>${time(d.nextAttemptAt)}</td>
          </tr>`,
      ),
      'No deliveries yet.',
    )}
  </section>`;
}
