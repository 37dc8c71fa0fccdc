/** Where revocations are enforced: the proxy's gate and its answers to refused requests. */
export { enforceRevocation, refuseWhileUnknown, type GateOptions } from './enforce';
export { askToRetry, clearCookie, refuseRevokedSession, type RefusalOptions } from './refusal';
