import { checkMessage, MAX_MESSAGE_TEXT } from "./block-kit";
import { methodDoc } from "./method-docs";
import { ApiError, type Args, bool, type Handler, isRecord, need, str } from "./protocol";
import { apiMessage } from "./serialize";
import { BOT_USER_ID, tsToMicros, type Workspace } from "./state";
import type { FakeChannel } from "./types";

/** chat.* and pins.add. */

interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function blocksArg(args: Args): unknown[] | undefined {
  if (!present(args.blocks)) return undefined;
  // A string here is a `blocks` value that was not valid JSON.
  if (!Array.isArray(args.blocks)) throw new ApiError("invalid_blocks_format");
  return args.blocks;
}

function attachmentsArg(args: Args, method: string): unknown[] | undefined {
  if (!present(args.attachments)) return undefined;
  if (!Array.isArray(args.attachments)) {
    throw new ApiError(
      methodDoc(method).errors.has("invalid_attachments") ? "invalid_attachments" : "invalid_arguments",
    );
  }
  if (args.attachments.length > 100) throw new ApiError("too_many_attachments");
  return args.attachments;
}

/** Text, blocks and attachments of a message, checked as Slack checks them. */
export function messageContent(args: Args, method: string): Content {
  const blocks = blocksArg(args);
  const attachments = attachmentsArg(args, method);
  const markdown = str(args, "markdown_text");
  let text = str(args, "text");
  if (markdown !== undefined) {
    if (text !== undefined || blocks !== undefined) throw new ApiError("markdown_text_conflict");
    text = markdown;
  }
  const problem = checkMessage({ text, blocks });
  if (problem) {
    const messages = problem.messages.map((m) => `[ERROR] ${m}`);
    throw new ApiError(problem.error, { errors: problem.messages, response_metadata: { messages } });
  }
  if (!text && !blocks?.length && !attachments?.length) throw new ApiError("no_text");
  // Slack truncates (rather than rejects) over-long plain text.
  if (text && text.length > MAX_MESSAGE_TEXT && !blocks?.length) text = text.slice(0, MAX_MESSAGE_TEXT);
  return { text, blocks, attachments };
}

export function metadataArg(args: Args): unknown {
  if (!present(args.metadata)) return undefined;
  const metadata = args.metadata;
  if (!isRecord(metadata) || typeof metadata.event_type !== "string" || !isRecord(metadata.event_payload)) {
    throw new ApiError("invalid_metadata_format");
  }
  return metadata;
}

/** A channel id, `#name`/name, or a user id (the bot's DM with that user). */
function postTarget(ws: Workspace, raw: string): FakeChannel {
  if (/^[UW]/.test(raw)) {
    const user = ws.users.get(raw);
    if (!user || user.deleted || user.is_bot) throw new ApiError("channel_not_found");
    return ws.openIm(raw);
  }
  const name = raw.startsWith("#") ? raw.slice(1) : raw;
  const channel = ws.channels.get(raw) ?? ws.channelByName(name);
  return ws.visibleChannel(channel?.id);
}

function writable(ws: Workspace, id: string | undefined): FakeChannel {
  const channel = ws.visibleChannel(id);
  if (channel.is_archived) throw new ApiError("is_archived");
  return channel;
}

const postMessage: Handler = (args, { ws, method }) => {
  const channel = postTarget(ws, need(args, "channel", "channel_not_found"));
  if (channel.is_archived) throw new ApiError("is_archived");
  // A public channel the bot is not in accepts posts only with chat:write.public (the default).
  if (!channel.members.has(BOT_USER_ID) && !ws.chatWritePublic) throw new ApiError("not_in_channel");
  const content = messageContent(args, method);
  const message = ws.storeMessage({
    channel: channel.id,
    user: BOT_USER_ID,
    ...content,
    thread_ts: str(args, "thread_ts") || undefined,
    reply_broadcast: bool(args, "reply_broadcast") || undefined,
    metadata: metadataArg(args),
  });
  return { channel: channel.id, ts: message.ts, message: apiMessage(ws, message, { metadata: true }) };
};

const postEphemeral: Handler = (args, { ws, method }) => {
  const channel = writable(ws, str(args, "channel"));
  const user = str(args, "user") ?? "";
  if (!ws.users.has(user) || !ws.isMember(channel, user)) throw new ApiError("user_not_in_channel");
  const { text, blocks } = messageContent(args, method);
  ws.ephemerals.push({ channel: channel.id, user, text, blocks, at: Date.now() });
  return { message_ts: ws.nextTs() };
};

const update: Handler = (args, { ws, method }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  const message = ws.findMessage(channel.id, str(args, "ts"));
  if (!message) throw new ApiError("message_not_found");
  if (message.user !== BOT_USER_ID) throw new ApiError("cant_update_message");
  const content = messageContent(args, method);
  if (content.text !== undefined) message.text = content.text;
  if (content.blocks !== undefined) message.blocks = content.blocks.length > 0 ? content.blocks : undefined;
  if (content.attachments !== undefined) message.attachments = content.attachments;
  const metadata = metadataArg(args);
  if (metadata !== undefined) message.metadata = metadata;
  message.edited = true;
  const body = apiMessage(ws, message, { metadata: true });
  return { channel: channel.id, ts: message.ts, text: message.text ?? "", message: body };
};

const getPermalink: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  const message = ws.findMessage(channel.id, str(args, "message_ts"));
  if (!message) throw new ApiError("message_not_found");
  const base = `https://fake.slack.com/archives/${channel.id}/p${message.ts.replace(".", "")}`;
  const inThread = message.thread_ts && message.thread_ts !== message.ts;
  const permalink = inThread ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}` : base;
  return { channel: channel.id, permalink };
};

const pinsAdd: Handler = (args, { ws }) => {
  const channel = ws.visibleChannel(str(args, "channel"));
  const ts = str(args, "timestamp");
  if (!ts) throw new ApiError("no_item_specified");
  if (tsToMicros(ts) === undefined) throw new ApiError("bad_timestamp");
  if (!channel.members.has(BOT_USER_ID)) throw new ApiError("not_in_channel");
  if (!ws.findMessage(channel.id, ts)) throw new ApiError("message_not_found");
  if (channel.pins.has(ts)) throw new ApiError("already_pinned");
  channel.pins.add(ts);
  return {};
};

export const chatHandlers: Record<string, Handler> = {
  "chat.postMessage": postMessage,
  "chat.postEphemeral": postEphemeral,
  "chat.update": update,
  "chat.getPermalink": getPermalink,
  "pins.add": pinsAdd,
};
