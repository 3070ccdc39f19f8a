/**
 * What one attempt to send outside Slack (an email, a webhook call) came to. Both transports
 * return this so the delivery job can decide alone whether to mark the row sent, retry it
 * later or give up.
 *
 * - `ok: true`: the far side accepted it; `detail` says what it answered (no message bodies).
 * - `ok: false, permanent: false`: worth trying again (connection lost, timed out, busy);
 *   `retryAfterMs` when the far side said how long to wait.
 * - `ok: false, permanent: true`: trying again would fail the same way (address refused,
 *   request rejected).
 */
export type SendOutcome =
  | { ok: true; detail: string }
  | { ok: false; permanent: boolean; error: string; retryAfterMs?: number };
