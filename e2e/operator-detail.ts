import { expect, type APIRequestContext } from '@playwright/test';
import { e2eEnv } from './e2e-env';

/** The app's operator detail (GET /api/health/detail with the ops token): each scenario names the part it reads. */
export async function operatorDetail<Detail>(request: APIRequestContext): Promise<Detail> {
  const response = await request.get('/api/health/detail', { headers: { authorization: `Bearer ${e2eEnv.opsToken}` } });
  expect(response.status()).toBe(200);
  return (await response.json()) as Detail;
}
