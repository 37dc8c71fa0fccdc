import type { Page } from '@playwright/test';
import { DEMO_USERS, expect, test } from './fixtures';
import { expectPrompted, expectRefused, openWithStream, signOutOtherDevice } from './session-watch';

/**
 * Issue 15, revocation receipts: the page of a signed-out device that is open says it was told, and the person who
 * signed it out sees when, live and afterwards; a device with no page open is "not online", and is refused on its
 * next request.
 */
const USER = DEMO_USERS.grace;
const PHONE = 'Safari on iOS';

test.beforeEach(async ({ emulator }) => {
  await emulator.reset();
});

/** The receipt under the activity line of the sign-out of `device`. */
function receiptOf(page: Page, device: string) {
  return page
    .getByRole('list', { name: 'Security activity' })
    .getByRole('listitem')
    .filter({ hasText: `You signed out ${device} from` })
    .locator('[data-receipt]');
}

const TOLD = new RegExp(`^${PHONE} was told at \\d{2}:\\d{2}:\\d{2}(?: UTC)? \\((\\d+\\.\\d) s later\\)$`);

test('the open page of a signed-out phone says it was told; the laptop sees when, live and after a reload', async ({
  newDevice,
  signIn,
}) => {
  const phone = await newDevice('iPhone 15');
  const laptop = await newDevice('Desktop Chrome');
  await signIn(phone.page, USER.email);
  await signIn(laptop.page, USER.email);
  await openWithStream(phone.page, '/home');
  // The phone's word is held until the laptop shows that it waits for it: then it must arrive live, not on a reload.
  let release!: () => Promise<void>;
  const held = new Promise<void>((resolve) => {
    void phone.page.route('**/api/session/receipts', (route) => {
      release = () => route.continue();
      resolve();
    });
  });

  await signOutOtherDevice(laptop.page, new RegExp(PHONE));
  await expectPrompted(phone.page);
  await held;
  const receipt = receiptOf(laptop.page, PHONE);
  await expect(receipt).toHaveText(`Telling ${PHONE}…`);
  await release();

  await expect(receipt).toHaveAttribute('data-receipt', 'told');
  await expect(receipt).toHaveText(TOLD);
  const [, seconds] = TOLD.exec((await receipt.textContent()) ?? '')!;
  expect(Number(seconds)).toBeLessThan(5);
  const live = await receipt.textContent();

  await laptop.page.reload();
  await expect(receiptOf(laptop.page, PHONE)).toHaveText(live!);
});

test('a phone with no page open is "not online", and is refused on its next request', async ({ newDevice, signIn }) => {
  const phone = await newDevice('iPhone 15');
  const laptop = await newDevice('Desktop Chrome');
  await signIn(phone.page, USER.email);
  await signIn(laptop.page, USER.email);
  await phone.page.goto('about:blank');

  await signOutOtherDevice(laptop.page, new RegExp(PHONE));
  const receipt = receiptOf(laptop.page, PHONE);
  await expect(receipt).toHaveText(`Telling ${PHONE}…`);
  await expect(receipt).toHaveAttribute('data-receipt', 'not-online', { timeout: 10_000 });
  await expect(receipt).toHaveText(`${PHONE} was not online — it will be refused on its next request`);

  await expectRefused(await phone.context.request.get('/api/session'), 'signed_out_elsewhere');
  await laptop.page.reload();
  await expect(receiptOf(laptop.page, PHONE)).toHaveAttribute('data-receipt', 'not-online');
});
