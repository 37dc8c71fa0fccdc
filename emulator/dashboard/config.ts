import { html, type SafeHtml } from '../html.ts';
import type { RuntimeConfig } from '../state/runtime-config.ts';
import { actionForm } from './elements.ts';

export function configSection(config: RuntimeConfig): SafeHtml {
  return html`<section class="panel" id="config" aria-labelledby="config-h">
    <h2 id="config-h">Configuration</h2>
    ${actionForm(
      'config',
      html`<div>
          <label for="ttl">Access token lifetime (seconds)</label
          ><input
            id="ttl"
            name="access_token_ttl_seconds"
            type="number"
            min="1"
            value="${config.accessTokenTtlSeconds}"
          />
        </div>
        <div>
          <label for="max_age">Maximum session length (seconds)</label
          ><input
            id="max_age"
            name="session_max_age_seconds"
            type="number"
            min="60"
            value="${config.sessionMaxAgeSeconds}"
          />
        </div>
        <div>
          <label for="hook_url">Webhook URL</label
          ><input id="hook_url" name="webhook_url" type="url" value="${config.webhookUrl ?? ''}" />
        </div>
        <div>
          <label for="hook_on">Webhooks</label
          ><select id="hook_on" name="webhooks_enabled">
            <option value="true" ${config.webhooksEnabled ? html` selected` : null}>enabled</option>
            <option value="false" ${config.webhooksEnabled ? null : html` selected`}>disabled</option>
          </select>
        </div>
        <div><button type="submit">Save configuration</button></div>`,
      { className: 'grid' },
    )}
  </section>`;
}
