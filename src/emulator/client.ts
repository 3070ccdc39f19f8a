import {
  ErrorCode,
  LogLevel,
  type WebAPICallResult,
  type WebAPIPlatformError,
  WebClient,
  type WebClientOptions,
} from "@slack/web-api";
import type { FakeSlack } from "./types";

/** A real WebClient pointed at the fake: no retries, quiet logging, the fake's bot token. */
export function fakeClient(
  fake: FakeSlack,
  opts: WebClientOptions & { token?: string | null } = {},
): WebClient {
  const { token, ...options } = opts;
  return new WebClient(token === null ? undefined : (token ?? fake.botToken), {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

/** The `{ ok: false, error, … }` body of a call that must fail with a Slack platform error. */
export async function platformError(call: Promise<unknown>): Promise<WebAPICallResult & { error: string }> {
  try {
    await call;
  } catch (error) {
    if ((error as { code?: unknown }).code === ErrorCode.PlatformError) {
      return (error as WebAPIPlatformError).data;
    }
    throw error;
  }
  throw new Error("expected a Slack platform error, but the call succeeded");
}

/** Just the error code of `platformError`. */
export async function errorCode(call: Promise<unknown>): Promise<string> {
  return (await platformError(call)).error;
}
