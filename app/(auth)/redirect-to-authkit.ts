import 'server-only';
import { getSignInUrl, getSignUpUrl } from '@workos-inc/authkit-nextjs';
import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { getOptionalSession } from '@/lib/auth/session';
import { parseMaxAge, sanitizeReturnTo } from '@/lib/auth/return-to';

/**
 * GET /sign-in and /sign-up: send the browser to AuthKit with a PKCE cookie. `returnTo` must be a same-origin
 * path; `maxAge` (seconds) asks WorkOS to re-authenticate when the last sign-in is older (step-up before
 * sensitive actions). Someone already signed in, and not asked to re-authenticate, goes straight to returnTo.
 */
export async function redirectToAuthKit(request: NextRequest, screen: 'sign-in' | 'sign-up'): Promise<never> {
  const params = request.nextUrl.searchParams;
  const returnTo = sanitizeReturnTo(params.get('returnTo'));
  const maxAge = parseMaxAge(params.get('maxAge'));
  if (maxAge === undefined && (await getOptionalSession())) redirect(returnTo);
  const options = { returnTo, ...(maxAge === undefined ? {} : { maxAge }) };
  redirect(screen === 'sign-up' ? await getSignUpUrl(options) : await getSignInUrl(options));
}
