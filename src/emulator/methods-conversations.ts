import {
  ApiError,
  type Args,
  bool,
  decodeCursor,
  encodeCursor,
  type Handler,
  int,
  list,
  need,
  str,
} from "./protocol";
import { apiChannel, apiMessage } from "./serialize";
import { BOT_USER_ID, channelNameError, tsToMicros, type Workspace } from "./state";
import type { FakeChannel } from "./types";

/** conversations.* */

const MAX_TOPIC = 250;

function notDm(channel: FakeChannel): void {
  if (channel.is_im || channel.is_mpim) throw new ApiError("method_not_supported_for_channel_type");
}

function active(channel: FakeChannel): void {
  if (channel.is_archived) throw new ApiError("is_archived");
}

function botIn(channel: FakeChannel): void {
  if (!channel.members.has(BOT_USER_ID)) throw new ApiError("not_in_channel");
}

const create: Handler = (args, { ws }) => {
  const name = str(args, "name") ?? "";
  const invalid = channelNameError(name);
  if (invalid) throw new ApiError(invalid);
  if (ws.channelByName(name)) throw new ApiError("name_taken");
  const channel = ws.addChannel(
    name,
    { is_private: bool(args, "is_private"), members: [], creator: BOT_USER_ID },
    true,
  );
  return { channel: apiChannel(channel) };
};

/** The users of a `users` list: all must exist; the bot may not invite itself. */
function invitees(ws: Workspace, ids: string[]): string[] {
  if (ids.length === 0) throw new ApiError("no_user");
  if (ids.includes(BOT_USER_ID)) throw new ApiError("cant_invite_self");
  for (const id of ids) {
    const user = ws.users.get(id);
    if (!user) throw new ApiError("user_not_found");
    if (user.deleted) throw new ApiError("cant_invite");
  }
  return ids;
}

const invite: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  notDm(channel);
  active(channel);
  botIn(channel);
  const ids = invitees(ws, [...new Set(list(args, "users"))]);
  const fresh = ids.filter((id) => !channel.members.has(id));
  // Slack reports already_in_channel only when every invitee (in practice: the single one) is in.
  if (fresh.length === 0) throw new ApiError("already_in_channel");
  for (const id of fresh) channel.members.add(id);
  return { channel: apiChannel(channel) };
};

const info: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  return { channel: apiChannel(channel, { numMembers: bool(args, "include_num_members") }) };
};

const join: Handler = (args, { ws }) => {
  const channel = ws.channels.get(str(args, "channel") ?? "");
  if (!channel) throw new ApiError("channel_not_found");
  if (channel.is_private) throw new ApiError("method_not_supported_for_channel_type");
  active(channel);
  const already = channel.members.has(BOT_USER_ID);
  channel.members.add(BOT_USER_ID);
  const warning = already
    ? { warning: "already_in_channel", response_metadata: { warnings: ["already_in_channel"] } }
    : {};
  return { channel: apiChannel(channel), ...warning };
};

function setter(field: "topic" | "purpose"): Handler {
  return (args, { ws }) => {
    const channel = ws.visibleChannel(str(args, "channel"));
    notDm(channel);
    active(channel);
    botIn(channel);
    const value = str(args, field) ?? "";
    if (value.length > MAX_TOPIC) throw new ApiError("too_long");
    channel[field] = value;
    return { channel: apiChannel(channel) };
  };
}

const members: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  const limit = int(args, "limit", 100);
  if (!(limit >= 1 && limit <= 1000)) throw new ApiError("invalid_limit");
  const offset = decodeCursor(str(args, "cursor"));
  const all = [...channel.members];
  const page = all.slice(offset, offset + limit);
  const next = offset + limit < all.length ? encodeCursor(offset + limit) : "";
  return { members: page, response_metadata: { next_cursor: next } };
};

function openWith(ws: Workspace, ids: string[]): { channel: FakeChannel; existed: boolean } {
  if (ids.length > 8) throw new ApiError("too_many_users");
  for (const id of ids) {
    const user = ws.users.get(id);
    if (!user) throw new ApiError("user_not_found");
    if (user.deleted) throw new ApiError("user_disabled");
  }
  const humans = ids.filter((id) => id !== BOT_USER_ID);
  if (humans.length === 0) throw new ApiError("not_enough_users");
  if (humans.length === 1) {
    const user = humans[0]!;
    const existed = ws.hasIm(user);
    return { channel: ws.openIm(user), existed };
  }
  const key = [...humans].sort().join(",");
  const found = [...ws.channels.values()].find((c) => c.is_mpim && [...c.members].sort().join(",") === key);
  if (found) return { channel: found, existed: true };
  const channel = ws.conversation("G", `mpdm-${humans.join("--")}-1`, humans);
  channel.is_mpim = true;
  return { channel, existed: false };
}

const open: Handler = (args, { ws }) => {
  const given = str(args, "channel");
  let result: { channel: FakeChannel; existed: boolean };
  if (given) {
    const channel = ws.visibleChannel(given);
    if (!channel.is_im && !channel.is_mpim) throw new ApiError("method_not_supported_for_channel_type");
    result = { channel, existed: true };
  } else {
    const ids = list(args, "users");
    if (ids.length === 0) throw new ApiError("users_list_not_supplied");
    result = openWith(ws, [...new Set(ids)]);
  }
  const channel = bool(args, "return_im") ? apiChannel(result.channel) : { id: result.channel.id };
  return { channel, ...(result.existed ? { already_open: true } : {}) };
};

function bound(args: Args, key: "oldest" | "latest", fallback: number): number {
  const raw = str(args, key);
  if (raw === undefined || raw === "") return fallback;
  const micros = tsToMicros(raw);
  if (micros === undefined) throw new ApiError(key === "oldest" ? "invalid_ts_oldest" : "invalid_ts_latest");
  return micros;
}

const history: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(need(args, "channel", "channel_not_found"));
  botIn(channel);
  const oldest = bound(args, "oldest", 0);
  const latest = bound(args, "latest", Number.MAX_SAFE_INTEGER);
  const inclusive = bool(args, "inclusive");
  const requested = int(args, "limit", 100);
  if (Number.isNaN(requested)) throw new ApiError("invalid_arguments");
  const limit = Math.min(Math.max(requested, 1), 999);
  const inRange = (micros: number) =>
    inclusive ? micros >= oldest && micros <= latest : micros > oldest && micros < latest;
  const candidates = ws
    .messagesIn(channel.id)
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast)
    .filter((m) => inRange(tsToMicros(m.ts) ?? 0))
    .reverse();
  const offset = decodeCursor(str(args, "cursor"));
  const page = candidates.slice(offset, offset + limit);
  const hasMore = offset + limit < candidates.length;
  const metadata = bool(args, "include_all_metadata");
  return {
    messages: page.map((m) => apiMessage(ws, m, { metadata })),
    has_more: hasMore,
    pin_count: channel.pins.size,
    response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : "" },
  };
};

/**
 * conversations.replies: the thread's parent and its replies, oldest first, paged by cursor.
 * A ts that is no message of the channel is `thread_not_found`, as Slack answers.
 */
const replies: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(need(args, "channel", "channel_not_found"));
  botIn(channel);
  const ts = str(args, "ts");
  if (!ts) throw new ApiError("invalid_arguments");
  const messages = ws.messagesIn(channel.id);
  const target = messages.find((m) => m.ts === ts);
  if (!target) throw new ApiError("thread_not_found");
  const root = target.thread_ts ?? target.ts;
  const thread = messages.filter((m) => m.ts === root || m.thread_ts === root);
  const requested = int(args, "limit", 1000);
  if (Number.isNaN(requested)) throw new ApiError("invalid_arguments");
  const limit = Math.min(Math.max(requested, 1), 1000);
  const offset = decodeCursor(str(args, "cursor"));
  const page = thread.slice(offset, offset + limit);
  const hasMore = offset + limit < thread.length;
  const metadata = bool(args, "include_all_metadata");
  return {
    messages: page.map((m) => apiMessage(ws, m, { metadata })),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : "" },
  };
};

const LIST_TYPES = ["public_channel", "private_channel", "mpim", "im"] as const;

/** conversations.list: channels the bot can see, of the asked types, paged by cursor. */
const listChannels: Handler = (args, { ws }) => {
  const types = list(args, "types");
  const wanted = types.length > 0 ? types : ["public_channel"];
  if (!wanted.every((t) => (LIST_TYPES as readonly string[]).includes(t)))
    throw new ApiError("invalid_types");
  const limit = int(args, "limit", 100);
  if (!(limit >= 1 && limit <= 1000)) throw new ApiError("invalid_limit");
  const kind = (c: FakeChannel) =>
    c.is_im ? "im" : c.is_mpim ? "mpim" : c.is_private ? "private_channel" : "public_channel";
  const visible = [...ws.channels.values()].filter(
    (c) =>
      wanted.includes(kind(c)) &&
      (!bool(args, "exclude_archived") || !c.is_archived) &&
      (kind(c) === "public_channel" || c.members.has(BOT_USER_ID)),
  );
  const offset = decodeCursor(str(args, "cursor"));
  const page = visible.slice(offset, offset + limit);
  const next = offset + limit < visible.length ? encodeCursor(offset + limit) : "";
  return { channels: page.map((c) => apiChannel(c)), response_metadata: { next_cursor: next } };
};

export const conversationHandlers: Record<string, Handler> = {
  "conversations.list": listChannels,
  "conversations.create": create,
  "conversations.invite": invite,
  "conversations.info": info,
  "conversations.join": join,
  "conversations.setTopic": setter("topic"),
  "conversations.setPurpose": setter("purpose"),
  "conversations.members": members,
  "conversations.open": open,
  "conversations.history": history,
  "conversations.replies": replies,
};
