import { faultJson, type Fault } from '../control/faults.ts';
import { html, type SafeHtml } from '../html.ts';
import { actionButton, actionForm, table } from './elements.ts';

export function faultsSection(faults: Fault[]): SafeHtml {
  return html`<section class="panel" id="faults" aria-labelledby="faults-h">
    <h2 id="faults-h">Fault injection</h2>
    ${table(
      ['Method', 'Path', 'Status', 'Delay', 'Remaining'],
      faults.map(faultJson).map(
        (f) =>
          html`<tr>
            <td>${f.method ?? 'any'}</td>
            <td><code>${f.path}</code></td>
            <td>${f.status ?? '—'}</td>
            <td>${f.delay_ms} ms</td>
            <td>${f.count}</td>
          </tr>`,
      ),
      'No faults armed.',
    )}
    ${actionForm(
      'add_fault',
      html`<div>
          <label for="f_method">Method</label
          ><select id="f_method" name="method">
            <option value="">any</option>
            <option>GET</option>
            <option>POST</option>
          </select>
        </div>
        <div>
          <label for="f_path">Path</label
          ><input id="f_path" name="path" type="text" required placeholder="/user_management/sessions/revoke" />
        </div>
        <div>
          <label for="f_status">Status</label
          ><input id="f_status" name="status" type="number" min="100" max="599" placeholder="503" />
        </div>
        <div>
          <label for="f_delay">Delay (ms)</label><input id="f_delay" name="delay_ms" type="number" min="0" value="0" />
        </div>
        <div>
          <label for="f_count">Next N calls</label><input id="f_count" name="count" type="number" min="1" value="1" />
        </div>
        <div><button type="submit">Add fault</button></div>`,
      { className: 'grid' },
    )}
    ${faults.length > 0 ? actionButton('clear_faults', {}, 'Clear all faults', { danger: true }) : null}
  </section>`;
}
