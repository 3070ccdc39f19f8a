/** A send that may succeed later: after `delayMs` (Slack's Retry-After), or on the job's backoff. */
export class RetryLater extends Error {
  constructor(
    readonly delayMs: number | null,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "RetryLater";
  }
}
