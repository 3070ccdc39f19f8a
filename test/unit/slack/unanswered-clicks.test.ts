import type { AllMiddlewareArgs, AnyMiddlewareArgs } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { answerUnansweredClicks, CLICK_MESSAGES } from "../../../src/slack/unanswered-clicks.js";

/** Runs the middleware around `next` for a payload of `type`; returns what it told the clicker. */
async function run(
  type: string,
  next: () => Promise<void>,
  opts: { respond?: boolean; lateMs?: number } = {},
) {
  const told: string[] = [];
  const args = {
    body: { type },
    next,
    ...(opts.respond === false ? {} : { respond: async (m: { text: string }) => void told.push(m.text) }),
  } as unknown as AnyMiddlewareArgs & AllMiddlewareArgs;
  const outcome = await answerUnansweredClicks(opts.lateMs ?? 1_000)(args).then(
    () => "done",
    (err: unknown) => err,
  );
  return { told, outcome };
}

const failing = (code: string) => () => Promise.reject(Object.assign(new Error(code), { code }));

describe("answerUnansweredClicks", () => {
  it("tells the clicker the database is not answering, and passes the error on", async () => {
    const { told, outcome } = await run("block_actions", failing("ECONNREFUSED"));
    expect(told).toEqual([CLICK_MESSAGES.databaseDown]);
    expect((outcome as Error).message).toBe("ECONNREFUSED");
  });

  it("tells the clicker something went wrong for any other failure", async () => {
    const { told } = await run("block_actions", failing("23514"));
    expect(told).toEqual([CLICK_MESSAGES.failed]);
  });

  it("says nothing for a click handled in time, and its late word never comes after", async () => {
    const { told, outcome } = await run("block_actions", async () => {}, { lateMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    expect(outcome).toBe("done");
    expect(told).toEqual([]);
  });

  it("says it is still working once, then nothing more when the handling succeeds", async () => {
    const { told } = await run("block_actions", () => new Promise((r) => setTimeout(r, 80)), { lateMs: 20 });
    expect(told).toEqual([CLICK_MESSAGES.late]);
  });

  it("leaves commands, form submissions and clicks without a response_url alone", async () => {
    expect((await run("view_submission", failing("ECONNREFUSED"))).told).toEqual([]);
    expect((await run("block_actions", failing("ECONNREFUSED"), { respond: false })).told).toEqual([]);
  });
});
