import type { NextRequest } from 'next/server';
import { redirectToAuthKit } from '../redirect-to-authkit';

export function GET(request: NextRequest) {
  return redirectToAuthKit(request, 'sign-up');
}
