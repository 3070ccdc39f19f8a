import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_RETRY_AFTER_MS,
  outcomeOf,
  retryAfterMs,
  signWebhook,
  verifyWebhook,
  webhookBody,
} from "../../../src/delivery/webhook.js";
import type { CommunicationEvent, IncidentSnapshot } from "../../../src/domain/communications.js";
import { MILESTONES } from "../../../src/domain/milestones.js";

const SECRET = "whsec_status_page_7f3a";
const TS = 1_796_000_000;
const BODY = '{"version":1,"id":"d-1","event":"logged"}';

describe("signWebhook", () => {
  it("is the hex HMAC-SHA256 of v1:<timestamp>:<raw body>, prefixed v1=", () => {
    const hex = createHmac("sha256", SECRET).update(`v1:${TS}:${BODY}`, "utf8").digest("hex");
    expect(signWebhook(SECRET, TS, BODY)).toBe(`v1=${hex}`);
    expect(signWebhook(SECRET, TS, BODY)).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it("matches a vector computed outside Node (Python's hmac module)", () => {
    // python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"v1:1700000000:{\"a\":1}",hashlib.sha256).hexdigest())'
    expect(signWebhook("key", 1_700_000_000, '{"a":1}')).toBe(
      "v1=d9557872749208eb6fd1b4949933064d21edc4f53ab77a187f5569f605c14ec1",
    );
  });

  it("signs the bytes of a string body as UTF-8, the same as those bytes given raw", () => {
    const text = '{"title":"Lignes coupées à Zürich — 電話"}';
    expect(signWebhook(SECRET, TS, Buffer.from(text, "utf8"))).toBe(signWebhook(SECRET, TS, text));
  });
});

describe("verifyWebhook", () => {
  const signature = signWebhook(SECRET, TS, BODY);
  const check = (over: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
    verifyWebhook({
      secret: SECRET,
      timestamp: String(TS),
      signature,
      rawBody: BODY,
      nowSeconds: TS,
      ...over,
    });

  it("accepts the signature of this body with this secret", () => {
    expect(check()).toBe(true);
    expect(check({ rawBody: Buffer.from(BODY) })).toBe(true);
    expect(check({ timestamp: TS })).toBe(true);
  });

  it("refuses another secret", () => {
    expect(check({ secret: `${SECRET}x` })).toBe(false);
  });

  it("refuses a body changed after signing", () => {
    expect(check({ rawBody: BODY.replace("logged", "closed") })).toBe(false);
    expect(check({ rawBody: `${BODY} ` })).toBe(false);
  });

  it("refuses a timestamp more than 5 minutes from now, either way, unless told otherwise", () => {
    expect(check({ nowSeconds: TS + 300 })).toBe(true);
    expect(check({ nowSeconds: TS + 301 })).toBe(false);
    expect(check({ nowSeconds: TS - 301 })).toBe(false);
    expect(check({ nowSeconds: TS + 3_600, toleranceSeconds: 3_600 })).toBe(true);
  });

  it("refuses a timestamp other than the one signed, even a fresh one", () => {
    expect(check({ timestamp: String(TS + 1) })).toBe(false);
  });

  it("refuses missing or malformed headers", () => {
    expect(check({ signature: undefined })).toBe(false);
    expect(check({ signature: "" })).toBe(false);
    expect(check({ signature: signature.toUpperCase() })).toBe(false);
    expect(check({ signature: signature.slice(3) })).toBe(false);
    expect(check({ signature: `${signature}00` })).toBe(false);
    expect(check({ timestamp: undefined })).toBe(false);
    expect(check({ timestamp: `${TS}.0` })).toBe(false);
    expect(check({ timestamp: ` ${TS}` })).toBe(false);
  });

  it("round-trips any body and any secret", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.oneof(fc.string({ unit: "binary" }), fc.uint8Array({ maxLength: 2_000 })),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        (secret, body, ts) => {
          const sig = signWebhook(secret, ts, body);
          return verifyWebhook({
            secret,
            timestamp: String(ts),
            signature: sig,
            rawBody: body,
            nowSeconds: ts,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses any single-byte change of the body", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 2_000 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (secret, body, at, delta) => {
          const sig = signWebhook(secret, TS, body);
          const tampered = Uint8Array.from(body);
          const i = at % body.length;
          tampered[i] = ((tampered[i] ?? 0) + delta) % 256;
          return !verifyWebhook({
            secret,
            timestamp: String(TS),
            signature: sig,
            rawBody: tampered,
            nowSeconds: TS,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

const SNAPSHOT: IncidentSnapshot = {
  id: "0b6a4c52-8f1e-4d3a-9c57-5a1e2f3d4c5b",
  reference: "INC-000123",
  priority: "P1",
  major: true,
  status: "acknowledged",
  type: "service_failure",
  typeLabel: "Service failure",
  title: "Inbound calls dropping after IVR menu",
  ownerId: "U0OWNER",
  loggedAt: "2026-12-06T09:12:00.000Z",
  acknowledgedAt: "2026-12-06T09:15:30.000Z",
  resolvedAt: null,
  closedAt: null,
  nextUpdateBy: "2026-12-06T09:45:30.000Z",
  channelId: "C0INC123",
};

/** One event per milestone, and the `change` each must become. */
const CHANGES: Array<[CommunicationEvent, Record<string, unknown>]> = [
  [{ milestone: "logged", by: "U0AGENT" }, { by: "U0AGENT" }],
  [
    { milestone: "acknowledged", by: "U0OWNER", owner: "U0OWNER" },
    { by: "U0OWNER", owner: "U0OWNER" },
  ],
  [
    { milestone: "owner_changed", by: "U0LEAD", from: "U0OWNER", to: null },
    { by: "U0LEAD", from: "U0OWNER", to: null },
  ],
  [
    {
      milestone: "update",
      by: "U0OWNER",
      happening: "Carrier is rerouting traffic.",
      customerImpact: "About 1 in 5 calls drop after the menu.",
      nextUpdateAt: "2026-12-06T10:15:00.000Z",
    },
    {
      by: "U0OWNER",
      happening: "Carrier is rerouting traffic.",
      customer_impact: "About 1 in 5 calls drop after the menu.",
      next_update_at: "2026-12-06T10:15:00.000Z",
    },
  ],
  [
    { milestone: "priority_changed", by: "U0DUTY", from: "P2", to: "P1", reason: "Two sites affected" },
    { by: "U0DUTY", from: "P2", to: "P1", reason: "Two sites affected" },
  ],
  [
    { milestone: "major_changed", by: "U0DUTY", to: true, reason: null },
    { by: "U0DUTY", to: true, reason: null },
  ],
  [
    { milestone: "on_hold", by: "U0OWNER", reason: "awaiting_third_party" },
    { by: "U0OWNER", hold_reason: "awaiting_third_party" },
  ],
  [{ milestone: "resumed", by: "U0OWNER" }, { by: "U0OWNER" }],
  [
    {
      milestone: "resolved",
      by: "U0OWNER",
      summary: "Carrier fixed the trunk.",
      closeCode: "fixed",
      tookMs: 9_000_000,
      targetMs: 14_400_000,
      metSla: true,
    },
    {
      by: "U0OWNER",
      summary: "Carrier fixed the trunk.",
      close_code: "fixed",
      took_ms: 9_000_000,
      target_ms: 14_400_000,
      met_sla: true,
    },
  ],
  [
    { milestone: "reopened", by: "U0LEAD", reason: "Drops again", wasClosed: false },
    { by: "U0LEAD", reason: "Drops again", was_closed: false },
  ],
  [{ milestone: "closed", by: "U0LEAD" }, { by: "U0LEAD" }],
];

describe("webhookBody", () => {
  it("covers every milestone", () => {
    expect(CHANGES.map(([e]) => e.milestone).sort()).toEqual([...MILESTONES].sort());
  });

  for (const [event, change] of CHANGES) {
    it(`${event.milestone}: the event is \`event\`, its fields in snake_case are \`change\``, () => {
      const parsed = JSON.parse(webhookBody(SNAPSHOT, event, "d-1"));
      expect(parsed.event).toBe(event.milestone);
      expect(parsed.change).toStrictEqual(change);
    });
  }

  it("has the documented shape, in a fixed key order", () => {
    const body = webhookBody(
      SNAPSHOT,
      { milestone: "logged", by: "U0AGENT" },
      "d-1",
      "2026-12-06T09:12:00.000Z",
    );
    expect(JSON.parse(body)).toStrictEqual({
      version: 1,
      id: "d-1",
      event: "logged",
      occurred_at: "2026-12-06T09:12:00.000Z",
      incident: {
        id: SNAPSHOT.id,
        reference: "INC-000123",
        priority: "P1",
        major: true,
        status: "acknowledged",
        type: "service_failure",
        type_label: "Service failure",
        title: "Inbound calls dropping after IVR menu",
        owner: "U0OWNER",
        logged_at: "2026-12-06T09:12:00.000Z",
        acknowledged_at: "2026-12-06T09:15:30.000Z",
        resolved_at: null,
        closed_at: null,
        next_update_by: "2026-12-06T09:45:30.000Z",
        slack_channel: "C0INC123",
        callers: 0,
      },
      change: { by: "U0AGENT" },
    });
    expect(Object.keys(JSON.parse(body))).toEqual([
      "version",
      "id",
      "event",
      "occurred_at",
      "incident",
      "change",
    ]);
  });

  it("gives the same string for the same input, so a retry sends the same bytes", () => {
    for (const [event] of CHANGES) {
      const a = webhookBody(SNAPSHOT, event, "d-1", "2026-12-06T09:12:00.000Z");
      const b = webhookBody(
        structuredClone(SNAPSHOT),
        structuredClone(event),
        "d-1",
        "2026-12-06T09:12:00.000Z",
      );
      expect(b).toBe(a);
    }
  });

  it("has the shape of the example in docs/webhooks.md", () => {
    const doc = readFileSync(new URL("../../../docs/webhooks.md", import.meta.url), "utf8");
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? "null");
    const update = CHANGES.find(([e]) => e.milestone === example.event)?.[0];
    const built = JSON.parse(
      webhookBody(SNAPSHOT, update ?? { milestone: "logged", by: "U0AGENT" }, "d-1", "x"),
    );
    const shape = (o: Record<string, unknown>): unknown[] =>
      Object.entries(o).map(([k, v]) => [k, v !== null && typeof v === "object" ? shape(v as never) : null]);
    expect(shape(example)).toEqual(shape(built));
  });

  it("leaves out occurred_at when it is not known", () => {
    expect(
      JSON.parse(webhookBody(SNAPSHOT, { milestone: "closed", by: "U0LEAD" }, "d-1")),
    ).not.toHaveProperty("occurred_at");
  });

  it("sends only the fields it names, whatever else the stored objects carry", () => {
    const snapshot = { ...SNAPSHOT, callerReference: "ACC-99812", callerPhone: "+44 7700 900123" };
    const event = { milestone: "resumed", by: "U0OWNER", callerName: "Jane Caller" } as CommunicationEvent;
    const body = webhookBody(snapshot, event, "d-1");
    // The one caller field is their count ("callers"); nothing else about a caller rides along.
    expect(body.replace('"callers":0', "")).not.toMatch(/ACC-99812|7700|Jane Caller|caller/i);
  });

  it("sends the number of callers so far, never who they are", () => {
    const body = webhookBody({ ...SNAPSHOT, callers: 37 }, { milestone: "closed", by: "U0LEAD" }, "d-1");
    expect(JSON.parse(body).incident.callers).toBe(37);
  });

  it("keeps null fields that a JSON column dropped", () => {
    const stored = JSON.parse(JSON.stringify({ milestone: "owner_changed", by: "U0LEAD", to: "U0NEW" }));
    const { resolvedAt: _r, closedAt: _c, ...partial } = SNAPSHOT;
    const parsed = JSON.parse(webhookBody(partial as IncidentSnapshot, stored, "d-1"));
    expect(parsed.change).toStrictEqual({ by: "U0LEAD", from: null, to: "U0NEW" });
    expect(parsed.incident.resolved_at).toBeNull();
    expect(parsed.incident.closed_at).toBeNull();
  });
});

describe("what an answer means", () => {
  const NOW = Date.parse("2026-12-06T10:00:00Z");

  it.each([
    [200, true, false],
    [202, true, false],
    [204, true, false],
    [500, false, false],
    [502, false, false],
    [503, false, false],
    [429, false, false],
    [400, false, true],
    [401, false, true],
    [404, false, true],
    [408, false, true],
    [410, false, true],
    [301, false, true],
    [302, false, true],
    [307, false, true],
  ])("HTTP %i: ok %s, permanent %s", (status, ok, permanent) => {
    const outcome = outcomeOf(status, "", null, NOW);
    expect(outcome.ok).toBe(ok);
    if (!outcome.ok) expect(outcome.permanent).toBe(permanent);
  });

  it("takes Retry-After from a 429 or a 503, not from other answers", () => {
    expect(outcomeOf(429, "Too Many Requests", "7", NOW)).toMatchObject({ retryAfterMs: 7_000 });
    expect(outcomeOf(503, "Service Unavailable", "120", NOW)).toMatchObject({ retryAfterMs: 120_000 });
    expect(outcomeOf(500, "", "7", NOW)).not.toHaveProperty("retryAfterMs");
    expect(outcomeOf(429, "", null, NOW)).not.toHaveProperty("retryAfterMs");
  });

  it("says what the receiver answered, in words", () => {
    expect(outcomeOf(404, "Not Found", null, NOW)).toMatchObject({
      error: "the receiver answered 404 Not Found",
    });
    expect(outcomeOf(302, "Found", null, NOW)).toMatchObject({
      error: "the receiver answered 302 Found, a redirect: redirects are not followed",
    });
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("7", NOW)).toBe(7_000);
    expect(retryAfterMs(" 0 ", NOW)).toBe(0);
    expect(retryAfterMs("Sun, 06 Dec 2026 10:00:30 GMT", NOW)).toBe(30_000);
    expect(retryAfterMs("Sun, 06 Dec 2026 09:00:00 GMT", NOW)).toBe(0);
    expect(retryAfterMs(null, NOW)).toBeNull();
    expect(retryAfterMs("", NOW)).toBeNull();
    expect(retryAfterMs("soon", NOW)).toBeNull();
    expect(retryAfterMs("-5", NOW)).toBeNull();
  });

  it("waits at most an hour, whatever the receiver asks", () => {
    expect(retryAfterMs("86400", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs("Mon, 07 Dec 2026 10:00:00 GMT", NOW)).toBe(MAX_RETRY_AFTER_MS);
  });
});
