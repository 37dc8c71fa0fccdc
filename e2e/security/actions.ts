import { expect, type APIRequestContext, type APIResponse, type Page } from '@playwright/test';

/**
 * Server actions as an attacker sees them: public POST endpoints. `captureAction` records the request the page makes
 * for an action (and stops it before it reaches the server); `callAction` then sends it again, as it was or with any
 * body, from any request context (a copied cookie, another user, no cookie at all).
 */
export interface CapturedAction {
  path: string;
  /** The action's id (`Next-Action`), fixed per build. */
  id: string;
  headers: Record<string, string>;
  body: string;
}

const FORWARDED = ['next-action', 'next-router-state-tree', 'content-type', 'accept', 'origin'];

export async function captureAction(page: Page, path: string, trigger: () => Promise<void>): Promise<CapturedAction> {
  let captured: CapturedAction | null = null;
  const pattern = (url: URL) => url.pathname === path;
  await page.route(pattern, async (route) => {
    const request = route.request();
    const id = request.headers()['next-action'];
    if (request.method() !== 'POST' || !id || captured) return route.continue();
    const headers = Object.fromEntries(Object.entries(request.headers()).filter(([name]) => FORWARDED.includes(name)));
    captured = { path, id, headers, body: request.postData() ?? '' };
    await route.abort();
  });
  await trigger();
  await expect.poll(() => captured !== null, { message: `no server action was posted to ${path}` }).toBe(true);
  await page.unroute(pattern);
  return captured!;
}

export async function callAction(
  request: APIRequestContext,
  action: CapturedAction,
  body: string = action.body,
  headers: Record<string, string> = {},
): Promise<APIResponse> {
  return request.post(action.path, { headers: { ...action.headers, ...headers }, data: body, maxRedirects: 0, failOnStatusCode: false });
}

/** The action's return value, from the RSC stream it answers with (null when it returned none). */
export async function actionResult(response: APIResponse): Promise<Record<string, unknown> | null> {
  const text = await response.text();
  for (const line of text.split('\n')) {
    const json = line.slice(line.indexOf(':') + 1);
    if (!json.startsWith('{"status"')) continue;
    return JSON.parse(json) as Record<string, unknown>;
  }
  return null;
}

/** The same arguments React would send, for actions whose arguments are plain JSON values. */
export function argumentsBody(...args: unknown[]): string {
  return JSON.stringify(args);
}
