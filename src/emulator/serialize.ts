import type { Body } from "./protocol";
import { APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, type Workspace } from "./state";
import type { FakeChannel, FakeMessage, FakeUser } from "./types";

/** Objects shaped like the examples in Slack's method reference. */

function topicObject(value: string): Body {
  return { value, creator: value ? BOT_USER_ID : "", last_set: 0 };
}

export function apiChannel(channel: FakeChannel, opts: { numMembers?: boolean } = {}): Body {
  const im = channel.is_im ?? false;
  const mpim = channel.is_mpim ?? false;
  const body: Body = {
    id: channel.id,
    created: channel.created,
    is_archived: channel.is_archived,
    is_im: im,
    is_mpim: mpim,
    is_private: channel.is_private,
    is_member: channel.members.has(BOT_USER_ID),
  };
  if (im) return { ...body, user: [...channel.members].find((m) => m !== BOT_USER_ID), is_open: true };
  Object.assign(body, {
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !mpim,
    is_group: false,
    is_general: false,
    is_shared: false,
    is_ext_shared: false,
    is_org_shared: false,
    creator: channel.creator,
    context_team_id: TEAM_ID,
    topic: topicObject(channel.topic),
    purpose: topicObject(channel.purpose),
    previous_names: [],
  });
  if (opts.numMembers) body.num_members = channel.members.size;
  return body;
}

export function apiMessage(ws: Workspace, message: FakeMessage, opts: { metadata?: boolean } = {}): Body {
  const body: Body = {
    type: "message",
    user: message.user,
    text: message.text ?? "",
    ts: message.ts,
    team: TEAM_ID,
  };
  if (message.user === BOT_USER_ID) Object.assign(body, { bot_id: BOT_ID, app_id: APP_ID });
  if (message.blocks) body.blocks = message.blocks;
  if (message.attachments) body.attachments = message.attachments;
  if (message.files) body.files = message.files;
  if (message.edited) body.edited = { user: message.user, ts: message.ts };
  if (message.reply_broadcast) body.subtype = "thread_broadcast";
  if (opts.metadata && message.metadata !== undefined) body.metadata = message.metadata;
  if (message.thread_ts && message.thread_ts !== message.ts) {
    body.thread_ts = message.thread_ts;
    const parent = ws.findMessage(message.channel, message.thread_ts);
    if (parent) body.parent_user_id = parent.user;
    return body;
  }
  const replies = ws.repliesTo(message.channel, message.ts);
  if (replies.length > 0) {
    Object.assign(body, {
      thread_ts: message.ts,
      reply_count: replies.length,
      reply_users: [...new Set(replies.map((r) => r.user))],
      latest_reply: replies[replies.length - 1]?.ts,
    });
  }
  return body;
}

function tzOffsetSeconds(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(
    at,
  );
  const label = parts.find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(label);
  if (!match) return 0;
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

function tzLabel(tz: string, at: Date): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "long" }).formatToParts(at);
  return parts.find((p) => p.type === "timeZoneName")?.value ?? tz;
}

export function apiUser(user: FakeUser): Body {
  const now = new Date();
  return {
    id: user.id,
    team_id: TEAM_ID,
    name: user.name,
    deleted: user.deleted,
    real_name: user.real_name,
    tz: user.tz,
    tz_label: tzLabel(user.tz, now),
    tz_offset: tzOffsetSeconds(user.tz, now),
    profile: {
      real_name: user.real_name,
      display_name: user.name,
      real_name_normalized: user.real_name,
      display_name_normalized: user.name,
      team: TEAM_ID,
      ...(user.is_bot ? { bot_id: BOT_ID } : {}),
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.is_bot,
    is_app_user: false,
    updated: 0,
  };
}
