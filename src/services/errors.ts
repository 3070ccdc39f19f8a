/** PostgreSQL could not be reached or the transaction failed for reasons the user can retry. */
export function isDatabaseUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error in its own; the code is on `cause`.
  const e = err as { code?: string; cause?: { code?: string } } | null;
  const code = e?.cause?.code ?? e?.code ?? "";
  return (
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "CONNECT_TIMEOUT",
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
    ].includes(code) ||
    code.startsWith("57P") || // admin shutdown, crash shutdown, cannot connect now
    code === "57014" || // statement cancelled (statement_timeout, or an operator's pg_cancel_backend)
    code === "55P03" || // lock not available (lock_timeout)
    code.startsWith("08") // connection exceptions
  );
}
