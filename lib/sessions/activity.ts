// STUB — owned by the security-page work (issue 3). Signature is the contract used by proxy.ts.
import type { NextRequest } from 'next/server';
import type { UserInfo } from '@workos-inc/authkit-nextjs';

/** Records the session's last request in the embedded database, at most once per LAST_ACTIVE_THROTTLE_MS. */
export function recordSessionActivity(_request: NextRequest, _session: UserInfo): void {}
