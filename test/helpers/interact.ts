import { suggestionRefusal, validateOptionsAnswer } from "../../src/emulator/block-kit.js";
import { blockSuggestion, viewBlockActions } from "../../src/emulator/requests.js";
import type { FakeView } from "../../src/emulator/types.js";
import { type Harness, USERS } from "./harness.js";
import { appHomeOpened, buttonClick, viewSubmission } from "./slack-payloads.js";

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

/** Runs a slash command through the receiver and returns its ephemeral reply, as JSON text. */
export async function commandReply(
  h: Harness,
  text: string,
  p: { user?: string; channel?: string } = {},
): Promise<string> {
  const before = h.slack.responses.length;
  const res = await h.command(text, p);
  if (res.status !== 200) throw new Error(`slash command answered HTTP ${res.status}`);
  const r = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
  if (r.body.response_type !== "ephemeral") throw new Error("the reply to a command was not ephemeral");
  return JSON.stringify(r.body);
}

/** Clicks a button on a message; returns the ephemeral answer, or the modal the click opened. */
export async function clickButton(
  h: Harness,
  p: { channel: string; ts: string; actionId: string; value: string },
  user: string = USERS.agent,
): Promise<{ text: string; view: FakeView | undefined }> {
  const triggerId = h.slack.issueTrigger({ user });
  const responseUrl = h.slack.responseUrl();
  const res = await h.action(
    buttonClick({
      user,
      channel: p.channel,
      messageTs: p.ts,
      actionId: p.actionId,
      value: p.value,
      triggerId,
      responseUrl,
    }),
  );
  if (res.status !== 200) throw new Error(`button click answered HTTP ${res.status}`);
  return h.slack.waitFor(() => {
    const reply = h.slack.responses.find((r) => r.url === responseUrl);
    if (reply) return { text: String(reply.body.text), view: undefined };
    const view = h.slack.views.find((v) => v.triggerId === triggerId);
    return view ? { text: "", view } : undefined;
  });
}

/**
 * `user` opens the App Home: a signed `app_home_opened` through the receiver, then the Home as
 * the bot next publishes it for them.
 */
export async function openHome(h: Pick<Harness, "slack" | "post">, user: string): Promise<FakeView> {
  const published = () => h.slack.callsTo("views.publish").filter((c) => c.ok && c.args.user_id === user);
  const before = published().length;
  const res = await h.post(JSON.stringify(appHomeOpened({ user })), {
    headers: { "content-type": "application/json" },
  });
  if (res.status !== 200) throw new Error(`app_home_opened answered HTTP ${res.status}`);
  await h.slack.waitFor(() => published()[before]);
  const home = h.slack.views.find((v) => v.type === "home" && v.user === user);
  if (!home) throw new Error(`no Home was published for ${user}`);
  return home;
}

/** Every message in the direct-message conversations `user` is part of. */
export function directMessagesTo(h: Pick<Harness, "slack">, user: string) {
  return [...h.slack.channels.values()]
    .filter((c) => c.is_im && c.members.has(user))
    .flatMap((c) => h.slack.messagesIn(c.id));
}

/** An external select's options answer, as Slack's client reads it: `{ options }` or `{ option_groups }`. */
export type OptionsAnswer = {
  options?: Array<{ text: { text: string }; value: string }>;
  option_groups?: unknown[];
};

/**
 * What the Slack client does as someone types `typed` into an external select of an open
 * modal: asks only once `min_query_length` characters are typed (else null, no request), sends a
 * signed block_suggestion through the receiver, and checks the answer as Slack would (throws when
 * it could not be shown).
 */
export async function requestOptions(
  h: Harness,
  view: FakeView,
  p: { blockId: string; actionId: string; typed: string; user?: string; state?: Record<string, unknown> },
): Promise<OptionsAnswer | null> {
  if (suggestionRefusal(view.view, { blockId: p.blockId, actionId: p.actionId, typed: p.typed })) return null;
  const payload = blockSuggestion({
    user: p.user ?? view.user,
    opened: view,
    state: p.state ?? {},
    actionId: p.actionId,
    blockId: p.blockId,
    value: p.typed,
  });
  const res = await h.action(payload);
  if (res.status !== 200) throw new Error(`options request answered HTTP ${res.status}`);
  const body = await res.text();
  const answer = (body ? JSON.parse(body) : {}) as OptionsAnswer;
  const problems = validateOptionsAnswer(answer);
  if (problems.length > 0) throw new Error(`Slack would not show these options: ${problems.join("; ")}`);
  return answer;
}

/** Someone uses an element inside an open modal (a button, a select): a signed block_actions. */
export async function actInView(
  h: Harness,
  view: FakeView,
  action: Record<string, unknown>,
  user: string = view.user,
): Promise<void> {
  const payload = viewBlockActions({
    user,
    triggerId: h.slack.issueTrigger({ user }),
    source: { type: "view", opened: view, state: {} },
    actions: [{ action_ts: `${Date.now() / 1000}`, ...action }],
  });
  const res = await h.action(payload);
  if (res.status !== 200) throw new Error(`block action answered HTTP ${res.status}`);
}
