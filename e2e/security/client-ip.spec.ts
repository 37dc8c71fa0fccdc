import { signInOverHttp } from '../../tools/stack/http-client.ts';
import { e2eEnv } from '../e2e-env';
import { expect, test } from '../fixtures';

/**
 * Issue 11 item 5: the client cannot choose the IP address recorded for it. The app runs as deployed by default
 * (`next start`, TRUSTED_PROXIES unset), so nothing a client writes in X-Forwarded-For (or X-Real-IP, or the header
 * the app's own request hook writes) is believed. The emulator plays WorkOS, which sees the browser's real address
 * on its hosted sign-in page: it takes it from X-Forwarded-For, which these sign-ins send it as the real one.
 */

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const REAL = '198.51.100.20';

/** Signs in from REAL as WorkOS sees it, claiming `claimed` to the app in every header a proxy might use. */
function signInClaiming(email: string, claimed: string) {
  return signInOverHttp(e2eEnv.appURL, email, {
    userAgent: CHROME,
    ip: REAL,
    appHeaders: { 'x-forwarded-for': claimed, 'x-real-ip': claimed, 'x-soe-client-ip': `guessed ${claimed}` },
  });
}

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
  // Only the callback reports the sign-in: a `session.created` webhook arriving first would hide what it records.
  await emulator.setConfig({ webhooks_enabled: false });
});

test('a forged X-Forwarded-For is neither the address recorded for a sign-in nor a reason to flag one', async ({
  newDevice,
  emulator,
}) => {
  const email = `forged-ip-${Date.now()}@example.com`;
  await emulator.createUser({ email, first_name: 'Ida', last_name: 'Forge' });
  // Two sign-ins of one person from one network and browser, each claiming to the app an address on another
  // continent (London, then Sydney minutes later): believed, the second would be flagged as impossible travel.
  await signInClaiming(email, '81.2.69.142');
  const second = await signInClaiming(email, '1.1.1.1');
  expect((await emulator.activeSessions(email)).map((s) => s.ip_address)).toEqual([REAL, REAL]);

  const viewer = await newDevice('Desktop Chrome');
  await viewer.context.addCookies(
    second.cookie.split('; ').map((pair) => {
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: e2eEnv.appURL };
    }),
  );
  await viewer.page.goto('/account/security');

  const activity = viewer.page.getByRole('list', { name: 'Security activity' });
  const signIns = activity.getByRole('listitem').filter({ hasText: 'New sign-in' });
  await expect(signIns).toHaveCount(2);
  for (const line of await signIns.all()) await expect(line).toContainText(`from ${REAL}`);
  // The second sign-in comes from where the first did: nothing unusual about it.
  await expect(activity).not.toContainText('First sign-in from');
  await expect(activity).not.toContainText('km from the previous sign-in');
  for (const claimed of ['81.2.69.142', '1.1.1.1', 'London', 'Sydney']) await expect(viewer.page.getByRole('main')).not.toContainText(claimed);
});
