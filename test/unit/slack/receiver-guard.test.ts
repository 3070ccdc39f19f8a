import { describe, expect, it } from "vitest";
import { checkSlackRequest } from "../../../src/slack/receiver-guard.js";
import { signature } from "../../helpers/slack-sign.js";

const SECRET = "unit-signing-secret";
const NOW_MS = Date.UTC(2026, 5, 11, 9, 0, 0);
const NOW = NOW_MS / 1000;

function request(body: string, p: { timestamp?: number | string; form?: boolean; sig?: string } = {}) {
  const ts = p.timestamp ?? NOW;
  return {
    headers: {
      "content-type": p.form === false ? "application/json" : "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": p.sig ?? signature(body, Number(ts), SECRET),
    },
    rawBody: Buffer.from(body),
  };
}
const form = (payload: string) => new URLSearchParams({ payload }).toString();
const check = (r: ReturnType<typeof request>) => checkSlackRequest(r, SECRET, NOW_MS);

describe("checkSlackRequest", () => {
  const click = form(
    JSON.stringify({ type: "block_actions", actions: [{ action_id: "x" }], user: { id: "U1" } }),
  );

  it.each([
    ["now", 0, true],
    ["4 minutes 59 s ago", -299, true],
    ["4 minutes 59 s ahead", 299, true],
    ["exactly 5 minutes ahead", 300, true],
    ["5 minutes 1 s ago", -301, false],
    ["5 minutes 1 s ahead", 301, false],
    ["10 minutes ahead", 600, false],
  ])("a timestamp %s is %s", (_name, skew, accepted) => {
    const verdict = check(request(click, { timestamp: NOW + skew }));
    expect(verdict.ok).toBe(accepted);
    if (!verdict.ok) expect(verdict.status).toBe(401);
  });

  it.each([
    ["no digits", "soon"],
    ["a fraction", "1781168400.5"],
    ["a negative number", "-5"],
  ])("a timestamp with %s is 401", (_name, timestamp) => {
    expect(check(request(click, { timestamp }))).toMatchObject({ ok: false, status: 401 });
  });

  it("a forged signature is 401 before the body is looked at", () => {
    expect(check(request("null", { sig: `v0=${"0".repeat(64)}` }))).toMatchObject({ ok: false, status: 401 });
  });

  it.each([
    ["payload=null", form("null")],
    ["payload=42", form("42")],
    ["payload=[]", form("[]")],
    ["a payload that is not JSON", form("{nope")],
    ["a payload with no type", form("{}")],
    ["a form with neither payload nor command", "text=hi"],
  ])("%s is 400", (_name, body) => {
    expect(check(request(body))).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    ["null", "null"],
    ["a string", '"x"'],
    ["an unknown type", '{"type":"nope"}'],
    ["an event callback without an event", '{"type":"event_callback"}'],
  ])("a JSON body that is %s is 400", (_name, body) => {
    expect(check(request(body, { form: false }))).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    ["a click", click],
    ["a slash command", "command=%2Fincident&text=&user_id=U1&team_id=T1"],
    ["a view submission", form(JSON.stringify({ type: "view_submission", view: { id: "V1" } }))],
    ["a message shortcut", form(JSON.stringify({ type: "message_action", callback_id: "x" }))],
  ])("%s passes", (_name, body) => {
    expect(check(request(body)).ok).toBe(true);
  });

  it("an event callback passes", () => {
    const body = JSON.stringify({ type: "event_callback", event: { type: "app_home_opened" } });
    expect(check(request(body, { form: false })).ok).toBe(true);
  });
});
