import { ACTION, LOG_FIELDS } from "../../src/messages/ids.js";

export const TEAM = { id: "T0TEAM", domain: "switchboard-test" };

/** The `user` object of interactive payloads. */
const payloadUser = (id: string) => ({
  id,
  username: id.toLowerCase(),
  name: id.toLowerCase(),
  team_id: TEAM.id,
});

export function slashCommand(p: {
  text: string;
  user: string;
  channel: string;
  triggerId: string;
  responseUrl: string;
}) {
  return {
    token: "legacy-verification-token",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: p.channel,
    channel_name: "floor",
    user_id: p.user,
    user_name: p.user.toLowerCase(),
    command: "/incident",
    text: p.text,
    api_app_id: "A0APP",
    is_enterprise_install: "false",
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  };
}

export interface LogForm {
  title?: string;
  description?: string;
  type?: string;
  reportChannel?: string;
  impact?: string;
  urgency?: string;
  affectedService?: string;
  callerReference?: string;
  /** Unix seconds. */
  reportedAt?: number;
  priorityOverride?: string;
  overrideReason?: string;
}

const text = (value: string | undefined) => ({ type: "plain_text_input", value: value ?? null });
const select = (value: string | undefined) => ({
  type: "static_select",
  selected_option: value ? { value, text: { type: "plain_text", text: value } } : null,
});

/** `view.state.values` as Slack sends it for the log-incident modal. */
export function logFormState(f: LogForm) {
  const F = LOG_FIELDS;
  return {
    [F.title]: { value: text(f.title) },
    [F.description]: { value: text(f.description) },
    [F.type]: { value: select(f.type) },
    [F.reportChannel]: { value: select(f.reportChannel) },
    [F.impact]: { [ACTION.impact]: select(f.impact) },
    [F.urgency]: { [ACTION.urgency]: select(f.urgency) },
    [F.affectedService]: { value: text(f.affectedService) },
    [F.callerReference]: { value: text(f.callerReference) },
    [F.reportedAt]: { value: { type: "datetimepicker", selected_date_time: f.reportedAt ?? null } },
    [F.priorityOverride]: { value: select(f.priorityOverride) },
    [F.overrideReason]: { value: text(f.overrideReason) },
  };
}

export function validLogForm(overrides: LogForm = {}): LogForm {
  return {
    title: "Card payments failing",
    description: "Callers say card payments fail at checkout with error 502 since 09:10.",
    type: "service_failure",
    reportChannel: "phone",
    impact: "high",
    urgency: "medium",
    affectedService: "Payments",
    callerReference: "ACC-99812 / 07700 900123",
    reportedAt: Math.floor(Date.now() / 1000) - 300,
    ...overrides,
  };
}

interface OpenedView {
  id: string;
  hash?: string;
  view: Record<string, unknown>;
}

export function viewSubmission(p: { user: string; opened: OpenedView; state: Record<string, unknown> }) {
  return {
    type: "view_submission",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.trigger`,
    view: {
      ...p.opened.view,
      id: p.opened.id,
      team_id: TEAM.id,
      hash: p.opened.hash ?? "h",
      state: { values: p.state },
      app_id: "A0APP",
      bot_id: "B0BOT",
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}

export function messageAction(p: {
  user: string;
  channel: string;
  triggerId: string;
  responseUrl: string;
  message: { ts: string; text: string; user: string };
}) {
  return {
    type: "message_action",
    token: "legacy-verification-token",
    action_ts: `${Date.now() / 1000}`,
    team: TEAM,
    user: payloadUser(p.user),
    channel: { id: p.channel, name: "floor" },
    is_enterprise_install: false,
    callback_id: "log_as_incident",
    trigger_id: p.triggerId,
    response_url: p.responseUrl,
    message_ts: p.message.ts,
    message: { type: "message", user: p.message.user, ts: p.message.ts, text: p.message.text },
  };
}

/** A block_actions payload from inside an open modal (e.g. choosing impact). */
export function modalBlockAction(p: {
  user: string;
  opened: OpenedView;
  state: Record<string, unknown>;
  actionId: string;
  blockId: string;
  value: string;
}) {
  return {
    type: "block_actions",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    trigger_id: `${Date.now()}.trigger`,
    container: { type: "view", view_id: p.opened.id },
    view: {
      ...p.opened.view,
      id: p.opened.id,
      team_id: TEAM.id,
      hash: p.opened.hash ?? "h",
      state: { values: p.state },
    },
    actions: [
      {
        type: "static_select",
        action_id: p.actionId,
        block_id: p.blockId,
        selected_option: { text: { type: "plain_text", text: p.value }, value: p.value },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
    is_enterprise_install: false,
  };
}

export function appHomeOpened(p: { user: string }) {
  return {
    token: "legacy-verification-token",
    team_id: TEAM.id,
    api_app_id: "A0APP",
    type: "event_callback",
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: "app_home_opened",
      user: p.user,
      channel: "D0HOME",
      tab: "home",
      event_ts: `${Date.now() / 1000}`,
    },
    authorizations: [{ team_id: TEAM.id, user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
  };
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
  return {
    type: "block_actions",
    team: TEAM,
    user: payloadUser(p.user),
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    trigger_id: p.triggerId,
    container: { type: "message", message_ts: p.messageTs, channel_id: p.channel, is_ephemeral: false },
    channel: { id: p.channel, name: "incident" },
    message: { type: "message", ts: p.messageTs, user: "U0BOT", text: "card" },
    response_url: p.responseUrl,
    actions: [
      {
        type: "button",
        action_id: p.actionId,
        block_id: "incident_actions",
        value: p.value,
        text: { type: "plain_text", text: p.actionId },
        action_ts: p.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
    is_enterprise_install: false,
  };
}

/** Values of a submitted view's inputs, as Slack sends them in view.state.values. */
export const formValue = {
  text: (value: string) => ({ value: { type: "plain_text_input", value } }),
  choice: (value: string) => ({ value: { type: "static_select", selected_option: { value } } }),
  user: (id: string) => ({ value: { type: "users_select", selected_user: id } }),
  date: (value: string) => ({ value: { type: "datepicker", selected_date: value } }),
  when: (date: Date) => ({
    value: { type: "datetimepicker", selected_date_time: Math.floor(date.getTime() / 1000) },
  }),
};
