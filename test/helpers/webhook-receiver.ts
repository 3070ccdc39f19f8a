import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * How the receiver answers the next call: a status (and headers), or no answer at all. With
 * `delayMs` the call is recorded at once and answered that much later, so a caller that dies
 * meanwhile never learns it was accepted.
 */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | "hang";

/**
 * A local HTTP receiver for webhook calls, as a status page or IVR adapter would run one:
 * records every call with its raw body, and answers as `answer` says (200 by default), so a
 * test can make it fail for a while and recover.
 */
export async function startWebhookReceiver(
  answer: (call: { headers: IncomingHttpHeaders; body: string }) => Answer = () => ({ status: 200 }),
) {
  const calls: ReceivedCall[] = [];
  let respond = answer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const a = respond({ headers: req.headers, body });
      if (a === "hang") return; // the caller's timeout ends it
      calls.push({ headers: req.headers, body, status: a.status });
      const reply = () => {
        // The caller may be gone by the end of a delay: nobody is left to answer.
        if (res.destroyed) return;
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.status < 300 ? "ok" : "no");
      };
      if (a.delayMs) setTimeout(reply, a.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchboard`,
    calls,
    /** The calls it accepted (2xx), parsed. */
    accepted: () =>
      calls.filter((c) => c.status < 300).map((c) => JSON.parse(c.body) as Record<string, unknown>),
    answerWith(next: typeof answer) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
