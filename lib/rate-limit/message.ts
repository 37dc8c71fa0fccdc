/** The one wording of a refusal, for pages, action results and the proxy's 429 page. */
export function tooManyRequestsMessage(retryAfterSeconds: number): string {
  return `Too many requests — try again in ${retryAfterSeconds} s.`;
}
