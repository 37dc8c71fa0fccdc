import { createHash } from 'node:crypto';
import { dispatch, parseCookies, redirect, secretsEqual, sendHtml, type RequestContext, type Route } from '../http.ts';
import { readParams } from '../params.ts';
import { ApiError } from '../wire.ts';
import { runAction } from './actions.ts';
import { BASE } from './elements.ts';
import { dashboardPage, loginPage } from './page.ts';

const COOKIE = 'emulator_dashboard';

/** The cookie's value: derived from the API key, so the key itself never sits in a cookie. */
function dashboardToken(apiKey: string): string {
  return createHash('sha256').update(`emulator-dashboard:${apiKey}`).digest('hex');
}

const cookie = (value: string, maxAge: number) =>
  `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/_emulator; Max-Age=${maxAge}`;

function isSignedIn({ req, config }: RequestContext): boolean {
  const value = parseCookies(req)[COOKIE];
  return value !== undefined && secretsEqual(value, dashboardToken(config.apiKey));
}

const openRoutes: Route[] = [
  {
    method: 'POST',
    path: `${BASE}/login`,
    handler: async ({ req, res, config }) => {
      const params = await readParams(req);
      const key = typeof params.api_key === 'string' ? params.api_key : '';
      if (!secretsEqual(key, config.apiKey)) return sendHtml(res, 401, loginPage('That is not the emulator API key.'));
      redirect(res, BASE, { 'set-cookie': cookie(dashboardToken(config.apiKey), 7 * 86_400) });
    },
  },
  {
    method: 'POST',
    path: `${BASE}/logout`,
    handler: ({ res }) => redirect(res, BASE, { 'set-cookie': cookie('', 0) }),
  },
];

const signedInRoutes: Route[] = [
  {
    method: 'GET',
    path: BASE,
    handler: (ctx) => {
      const query = ctx.url.searchParams;
      sendHtml(ctx.res, 200, dashboardPage(ctx, query.get('notice'), query.get('error')));
    },
  },
  {
    method: 'POST',
    path: `${BASE}/action`,
    handler: async (ctx) => {
      const params = await readParams(ctx.req);
      let query: string;
      try {
        query = `notice=${encodeURIComponent(await runAction(ctx, params))}`;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const detail = (error.body.errors as { code?: string }[] | undefined)?.[0]?.code;
        query = `error=${encodeURIComponent(detail ?? error.message)}`;
      }
      redirect(ctx.res, `${BASE}?${query}`);
    },
  },
];

/** `/_emulator/dashboard*`: server-rendered HTML for QA, authenticated by an HttpOnly cookie. */
export async function handleDashboard(ctx: RequestContext): Promise<boolean> {
  const path = ctx.url.pathname;
  if (path !== BASE && !path.startsWith(`${BASE}/`)) return false;
  if (await dispatch(openRoutes, ctx)) return true;
  if (!isSignedIn(ctx)) {
    sendHtml(ctx.res, 401, loginPage(null));
    return true;
  }
  return dispatch(signedInRoutes, ctx);
}
