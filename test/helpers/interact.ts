import type { FakeView } from "./fake-slack/types.js";
import { type Harness, USERS } from "./harness.js";
import { viewSubmission } from "./slack-payloads.js";

/** What Slack gets back for a view submission: nothing (close), or errors per block. */
export type ViewAnswer = { response_action?: string; errors?: Record<string, string> };

/** Submits an opened modal with `state` through the real receiver; returns Bolt's answer. */
export async function submitView(
  h: Harness,
  view: FakeView,
  state: Record<string, unknown>,
  user: string = USERS.agent,
): Promise<ViewAnswer> {
  const res = await h.action(viewSubmission({ user, opened: view, state }));
  if (res.status !== 200) throw new Error(`view submission answered HTTP ${res.status}`);
  const body = await res.text();
  return (body ? JSON.parse(body) : {}) as ViewAnswer;
}
