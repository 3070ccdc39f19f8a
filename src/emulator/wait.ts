import type { RecordedCall } from "./types";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

function describeCall(call: RecordedCall): string {
  const outcome = call.status === 0 ? "pending" : call.ok ? "ok" : (call.error ?? "failed");
  const args = JSON.stringify(call.args, (_key, value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    "type" in value &&
    (value as { type: unknown }).type === "Buffer"
      ? "<bytes>"
      : value,
  );
  const shown = args.length > 300 ? `${args.slice(0, 300)}…` : args;
  return `  ${new Date(call.at).toISOString()} ${call.method} → ${call.status} ${outcome} ${shown}`;
}

/** Polls `predicate` until it returns something other than undefined/false/null. */
export async function waitFor<T>(
  predicate: () => T | undefined | false | null,
  calls: readonly RecordedCall[],
  { timeoutMs = 10_000, intervalMs = 20 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = predicate();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const recent = calls.slice(-20);
  const lines = [
    `fake-slack: waitFor timed out after ${timeoutMs} ms.`,
    ...(lastError
      ? [`Last predicate error: ${lastError instanceof Error ? lastError.message : String(lastError)}`]
      : []),
    recent.length > 0 ? `Last ${recent.length} of ${calls.length} calls:` : "No Web API calls were made.",
    ...recent.map(describeCall),
  ];
  throw new Error(lines.join("\n"));
}
