import { createHmac } from "node:crypto";

export const SIGNING_SECRET = "test-signing-secret";

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<raw body>"). */
export function signature(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedPostOptions {
  secret?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Replace the signature header (forgery tests); null leaves it out. */
  signatureOverride?: string | null;
  headers?: Record<string, string>;
}

export async function signedPost(url: string, body: string, opts: SignedPostOptions = {}): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    ...opts.headers,
  };
  const sig =
    opts.signatureOverride === undefined ? signature(body, timestamp, opts.secret) : opts.signatureOverride;
  if (sig !== null) headers["x-slack-signature"] = sig;
  return fetch(url, { method: "POST", headers, body });
}

export const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const payloadBody = (payload: unknown) => formBody({ payload: JSON.stringify(payload) });
