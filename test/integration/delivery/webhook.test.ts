import { execFile } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { postWebhook, webhookBody } from "../../../src/delivery/webhook.js";
import type { IncidentSnapshot } from "../../../src/domain/communications.js";

/**
 * The webhook transport against a real HTTP receiver on 127.0.0.1: what arrives, whether the
 * receiver can verify it with the recipe in docs/webhooks.md, and what each kind of answer (or
 * no answer) means for a retry.
 */

/** docs/webhooks.md, "Verifying a request" (Node): the same code, with types. */
function verifySwitchboard(
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secret: string,
  nowSeconds = Date.now() / 1000,
): boolean {
  const timestamp = String(headers["x-switchboard-timestamp"] ?? "");
  const signature = String(headers["x-switchboard-signature"] ?? "");
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const hmac = createHmac("sha256", secret).update(`v1:${timestamp}:`).update(rawBody).digest("hex");
  const expected = Buffer.from(`v1=${hmac}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SECRET = "whsec_test_3b9d0c";

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  verified: boolean;
}

let server: Server;
let base: string;
const received: Received[] = [];

/** What each path answers; the receiver records every request before answering. */
function answer(path: string, verified: boolean, res: ServerResponse): void {
  switch (path) {
    case "/hook":
      if (!verified) {
        res.writeHead(401, { "content-type": "text/plain" }).end("bad signature");
        return;
      }
      res.writeHead(204).end();
      return;
    case "/broken":
      res.writeHead(500).end("oops");
      return;
    case "/busy":
      res.writeHead(429, { "retry-after": "7" }).end();
      return;
    case "/gone":
      res.writeHead(404).end();
      return;
    case "/moved":
      res.writeHead(302, { location: "/hook" }).end();
      return;
    case "/silent":
      return; // never answers
    default:
      res.writeHead(400).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "";
      const verified = verifySwitchboard(body, req.headers, SECRET);
      received.push({ path, method: req.method ?? "", headers: req.headers, body, verified });
      answer(path, verified, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

const SNAPSHOT: IncidentSnapshot = {
  id: "0b6a4c52-8f1e-4d3a-9c57-5a1e2f3d4c5b",
  reference: "INC-000123",
  priority: "P1",
  major: true,
  status: "open",
  type: "service_failure",
  typeLabel: "Service failure",
  title: "Inbound calls dropping — Zürich site",
  ownerId: null,
  loggedAt: "2026-12-06T09:12:00.000Z",
  acknowledgedAt: null,
  resolvedAt: null,
  closedAt: null,
  nextUpdateBy: "2026-12-06T09:42:00.000Z",
  channelId: "C0INC123",
};
const DELIVERY_ID = "7d0e4b1a-2c3f-4e5d-8a9b-0c1d2e3f4a5b";
const BODY = webhookBody(SNAPSHOT, { milestone: "logged", by: "U0AGENT" }, DELIVERY_ID, SNAPSHOT.loggedAt);

const post = (path: string, over: Partial<Parameters<typeof postWebhook>[0]> = {}) =>
  postWebhook({ url: `${base}${path}`, secret: SECRET, body: BODY, ...over });

describe("postWebhook", () => {
  it("delivers the body and headers, and the receiver verifies them with the documented recipe", async () => {
    const outcome = await post("/hook");
    expect(outcome).toEqual({ ok: true, detail: "HTTP 204" });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r?.method).toBe("POST");
    expect(r?.verified).toBe(true);
    expect(r?.body.toString("utf8")).toBe(BODY);
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers["user-agent"]).toBe("Switchboard");
    expect(r?.headers["x-switchboard-delivery"]).toBe(DELIVERY_ID);
    expect(r?.headers["x-switchboard-timestamp"]).toMatch(/^\d+$/);
    expect(r?.headers["x-switchboard-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
    const parsed = JSON.parse(r?.body.toString("utf8") ?? "");
    expect(parsed).toMatchObject({ version: 1, id: DELIVERY_ID, event: "logged" });
    expect(parsed.incident.reference).toBe("INC-000123");
  });

  it("stamps the time it is given, and a receiver refuses it once it is 5 minutes old", async () => {
    const sentAt = Date.parse("2026-12-06T09:12:07Z");
    await post("/hook", { now: () => sentAt });
    const [r] = received;
    expect(r?.headers["x-switchboard-timestamp"]).toBe(String(sentAt / 1000));
    const body = r?.body ?? Buffer.alloc(0);
    const headers = r?.headers ?? {};
    expect(verifySwitchboard(body, headers, SECRET, sentAt / 1000 + 300)).toBe(true);
    expect(verifySwitchboard(body, headers, SECRET, sentAt / 1000 + 301)).toBe(false);
  });

  it("fails verification with a wrong secret: the receiver refuses it, for good", async () => {
    const outcome = await post("/hook", { secret: "not-the-audience-secret" });
    expect(received[0]?.verified).toBe(false);
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    const body = received[0]?.body ?? Buffer.alloc(0);
    expect(verifySwitchboard(body, received[0]?.headers ?? {}, "not-the-audience-secret")).toBe(true);
  });

  it("a 500 is worth another try", async () => {
    expect(await post("/broken")).toEqual({
      ok: false,
      permanent: false,
      error: "the receiver answered 500 Internal Server Error",
    });
  });

  it("a 429 is worth another try, after its Retry-After", async () => {
    expect(await post("/busy")).toEqual({
      ok: false,
      permanent: false,
      error: "the receiver answered 429 Too Many Requests",
      retryAfterMs: 7_000,
    });
  });

  it("a 404 fails for good", async () => {
    expect(await post("/gone")).toEqual({
      ok: false,
      permanent: true,
      error: "the receiver answered 404 Not Found",
    });
  });

  it("a 302 fails for good and is not followed", async () => {
    const outcome = await post("/moved");
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(received.map((r) => r.path)).toEqual(["/moved"]);
  });

  it("a receiver that never answers is worth another try once the timeout passes", async () => {
    const outcome = await post("/silent", { timeoutMs: 300 });
    expect(outcome).toEqual({
      ok: false,
      permanent: false,
      error: "the receiver did not answer within 300 ms",
    });
  });

  it("a refused connection is worth another try", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await postWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET, body: BODY });
    expect(outcome).toEqual({
      ok: false,
      permanent: false,
      error: "could not connect to the receiver (ECONNREFUSED)",
    });
  });

  it("a URL that cannot work fails for good without a request", async () => {
    expect(await postWebhook({ url: "not a url", secret: SECRET, body: BODY })).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(
      await postWebhook({ url: `${base.replace("//", "//user:pw@")}/hook`, secret: SECRET, body: BODY }),
    ).toMatchObject({ ok: false, permanent: true });
    expect(received).toEqual([]);
  });

  it("never puts the secret or the body in an error", async () => {
    const outcomes = await Promise.all([post("/broken"), post("/gone"), post("/silent", { timeoutMs: 300 })]);
    for (const o of outcomes) {
      const text = JSON.stringify(o);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("INC-000123");
    }
  });
});

/** The fenced block of this language in docs/webhooks.md. */
function docRecipe(lang: "js" | "python"): string {
  const doc = readFileSync(new URL("../../../docs/webhooks.md", import.meta.url), "utf8");
  const fence = "```";
  const block = new RegExp(`${fence}${lang}\\n([\\s\\S]*?)${fence}`).exec(doc)?.[1];
  if (!block) throw new Error(`no ${lang} block in docs/webhooks.md`);
  return block;
}

const run = promisify(execFile);
const hasPython = await run("python3", ["--version"]).then(
  () => true,
  () => false,
);

/** Runs a documented recipe as published on a request the receiver got; its printed verdict. */
async function verdict(lang: "js" | "python", r: Received, secret: string): Promise<string> {
  const input = JSON.stringify({ body: r.body.toString("base64"), headers: r.headers, secret });
  const env = { ...process.env, INPUT: input };
  if (lang === "js") {
    const driver = `${docRecipe("js")}
const i = JSON.parse(process.env.INPUT);
console.log(verifySwitchboard(Buffer.from(i.body, "base64"), i.headers, i.secret));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", driver], { env });
    return stdout.trim().toLowerCase();
  }
  // Title-cased names stand in for a framework's case-insensitive headers.
  const driver = `${docRecipe("python")}
import base64, json, os
i = json.loads(os.environ["INPUT"])
headers = {k.title(): v for k, v in i["headers"].items()}
print(verify_switchboard(base64.b64decode(i["body"]), headers, i["secret"]))`;
  const { stdout } = await run("python3", ["-c", driver], { env });
  return stdout.trim().toLowerCase();
}

describe("the recipes in docs/webhooks.md, run as published", () => {
  it("Node: verifies a real delivery, and refuses it with a wrong secret", async () => {
    await post("/hook");
    const [r] = received;
    if (!r) throw new Error("nothing received");
    expect(await verdict("js", r, SECRET)).toBe("true");
    expect(await verdict("js", r, `${SECRET}x`)).toBe("false");
    expect(await verdict("js", { ...r, body: Buffer.concat([r.body, Buffer.from(" ")]) }, SECRET)).toBe(
      "false",
    );
  });

  it.skipIf(!hasPython)("Python: verifies a real delivery, and refuses it with a wrong secret", async () => {
    await post("/hook");
    const [r] = received;
    if (!r) throw new Error("nothing received");
    expect(await verdict("python", r, SECRET)).toBe("true");
    expect(await verdict("python", r, `${SECRET}x`)).toBe("false");
    expect(await verdict("python", { ...r, body: Buffer.concat([r.body, Buffer.from(" ")]) }, SECRET)).toBe(
      "false",
    );
  });
});
