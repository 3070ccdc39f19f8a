import { createHmac } from "node:crypto";
import { APP_ID, BOT_USER_ID, TEAM_ID } from "./state";

/**
 * Requests as Slack sends them to an app: the signature and the bodies of slash commands,
 * interactions and events. The test suite and the demo both send these to the real receiver.
 */

export const TEAM = { id: TEAM_ID, domain: "switchboard-test" };

/** The signing secret the test suite configures; the demo makes one of its own. */
export const EMULATOR_SIGNING_SECRET = "test-signing-secret";

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<raw body>"). */
export function signature(body: string, timestamp: number, secret = EMULATOR_SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedPostOptions {
  secret?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Replace the signature header (forgery tests); null leaves it out. */
  signatureOverride?: string | null;
  headers?: Record<string, string>;
}

export async function signedPost(url: string, body: string, opts: SignedPostOptions = {}): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    ...opts.headers,
  };
  const sig =
    opts.signatureOverride === undefined ? signature(body, timestamp, opts.secret) : opts.signatureOverride;
  if (sig !== null) headers["x-slack-signature"] = sig;
  return fetch(url, { method: "POST", headers, body });
}

export const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const payloadBody = (payload: unknown) => formBody({ payload: JSON.stringify(payload) });

/** The `user` object of interactive payloads. */
const payloadUser = (id: string) => ({
  id,
  username: id.toLowerCase(),
  name: id.toLowerCase(),
  team_id: TEAM.id,
});

const actionTs = () => `${(Date.now() / 1000).toFixed(6)}`;

export function slashCommand(p: {
  text: string;
  user: string;
  channel: string;
  triggerId: string;
  responseUrl: string;
  command?: string;
  channelName?: string;
  userName?: string;
}) {
  return {
    token: "legacy-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: p.channel,
    channel_name: p.channelName ?? "floor",
    user_id: p.user,
    user_name: p.userName ?? p.user.toLowerCase(),
    command: p.command ?? "/incident",
    text: p.text,
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  };
}

interface OpenedView {
  id: string;
  hash?: string;
  view: Record<string, unknown>;
}

/** The `view` object of an interaction: the opened view with the user's current input. */
function payloadView(opened: OpenedView, state: Record<string, unknown>) {
  return {
    ...opened.view,
    id: opened.id,
    team_id: TEAM.id,
    hash: opened.hash ?? "h",
    state: { values: state },
    app_id: APP_ID,
    bot_id: "B0BOT",
  };
}

export function viewSubmission(p: {
  user: string;
  opened: OpenedView;
  state: Record<string, unknown>;
  triggerId?: string;
}) {
  return {
    type: "view_submission",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: APP_ID,
    token: "legacy-verification-token",
    trigger_id: p.triggerId ?? `${Date.now()}.trigger`,
    view: payloadView(p.opened, p.state),
    response_urls: [],
    is_enterprise_install: false,
  };
}

/** What Slack sends when a user closes a modal that asked for `notify_on_close`. */
export function viewClosed(p: { user: string; opened: OpenedView; state: Record<string, unknown> }) {
  return {
    type: "view_closed",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: APP_ID,
    token: "legacy-verification-token",
    view: payloadView(p.opened, p.state),
    is_cleared: false,
    is_enterprise_install: false,
  };
}

/** An element of an open view, with the view's current input and the element's value. */
interface ViewElementInput {
  user: string;
  opened: OpenedView;
  state: Record<string, unknown>;
  actionId: string;
  blockId: string;
  value: string;
}

/** An external select asking for its options. */
export function blockSuggestion(p: ViewElementInput) {
  return {
    type: "block_suggestion",
    user: payloadUser(p.user),
    container: { type: "view", view_id: p.opened.id },
    api_app_id: APP_ID,
    token: "legacy-verification-token",
    action_id: p.actionId,
    block_id: p.blockId,
    value: p.value,
    team: TEAM,
    view: payloadView(p.opened, p.state),
    is_enterprise_install: false,
  };
}

export function messageAction(p: {
  user: string;
  channel: string;
  triggerId: string;
  responseUrl: string;
  message: { ts: string; text: string; user: string };
  channelName?: string;
}) {
  return {
    type: "message_action",
    token: "legacy-verification-token",
    action_ts: `${Date.now() / 1000}`,
    team: TEAM,
    user: payloadUser(p.user),
    channel: { id: p.channel, name: p.channelName ?? "floor" },
    is_enterprise_install: false,
    callback_id: "log_as_incident",
    trigger_id: p.triggerId,
    response_url: p.responseUrl,
    message_ts: p.message.ts,
    message: { type: "message", user: p.message.user, ts: p.message.ts, text: p.message.text },
  };
}

interface ActionBase {
  user: string;
  actions: Record<string, unknown>[];
  triggerId: string;
}

/** Where a message's block action happened, and what Slack sends along for it. */
export interface MessageSource {
  type: "message";
  channel: string;
  channelName: string;
  message: Record<string, unknown>;
  responseUrl: string;
  ephemeral?: boolean;
}

export interface ViewSource {
  type: "view";
  opened: OpenedView;
  state: Record<string, unknown>;
}

function actionsHead(p: ActionBase) {
  return {
    type: "block_actions",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: APP_ID,
    token: "legacy-verification-token",
    trigger_id: p.triggerId,
  };
}

/** A `block_actions` payload from a message or an ephemeral. */
export function messageBlockActions(p: ActionBase & { source: MessageSource }) {
  const s = p.source;
  return {
    ...actionsHead(p),
    container: {
      type: "message",
      message_ts: String(s.message.ts),
      channel_id: s.channel,
      is_ephemeral: s.ephemeral ?? false,
    },
    channel: { id: s.channel, name: s.channelName },
    message: s.message,
    response_url: s.responseUrl,
    actions: p.actions,
    is_enterprise_install: false,
  };
}

/** A `block_actions` payload from a modal or the Home tab. */
export function viewBlockActions(p: ActionBase & { source: ViewSource }) {
  const s = p.source;
  return {
    ...actionsHead(p),
    container: { type: "view", view_id: s.opened.id },
    view: payloadView(s.opened, s.state),
    actions: p.actions,
    is_enterprise_install: false,
  };
}

/** A block_actions payload from inside an open modal (e.g. choosing impact). */
export function modalBlockAction(p: ViewElementInput) {
  const payload = viewBlockActions({
    user: p.user,
    source: { type: "view", opened: p.opened, state: p.state },
    triggerId: `${Date.now()}.trigger`,
    actions: [
      {
        type: "static_select",
        action_id: p.actionId,
        block_id: p.blockId,
        selected_option: { text: { type: "plain_text", text: p.value }, value: p.value },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
  // The view as opened, with the user's input and without the app's ids.
  const plain = { ...p.opened.view, id: p.opened.id, team_id: TEAM.id, hash: p.opened.hash ?? "h" };
  return { ...payload, view: { ...plain, state: { values: p.state } } };
}

/** A click on a button of a message (e.g. the pinned incident card). */
export function buttonClick(p: {
  user: string;
  channel: string;
  messageTs: string;
  actionId: string;
  value: string;
  triggerId: string;
  responseUrl: string;
  actionTs?: string;
}) {
  return messageBlockActions({
    user: p.user,
    triggerId: p.triggerId,
    source: {
      type: "message",
      channel: p.channel,
      channelName: "incident",
      message: { type: "message", ts: p.messageTs, user: BOT_USER_ID, text: "card" },
      responseUrl: p.responseUrl,
    },
    actions: [
      {
        type: "button",
        action_id: p.actionId,
        block_id: "incident_actions",
        value: p.value,
        text: { type: "plain_text", text: p.actionId },
        action_ts: p.actionTs ?? actionTs(),
      },
    ],
  });
}

/** An Events API envelope around `event`. */
export function eventCallback(event: Record<string, unknown>) {
  return {
    token: "legacy-verification-token",
    team_id: TEAM.id,
    api_app_id: APP_ID,
    type: "event_callback",
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
    authorizations: [{ team_id: TEAM.id, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
  };
}

export function appHomeOpened(p: { user: string; channel?: string }) {
  return eventCallback({
    type: "app_home_opened",
    user: p.user,
    channel: p.channel ?? "D0HOME",
    tab: "home",
    event_ts: `${Date.now() / 1000}`,
  });
}
