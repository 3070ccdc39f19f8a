import { checkMessage } from "./block-kit";
import { ApiError, type Args, type Handler, int, isRecord, str } from "./protocol";
import { apiUser } from "./serialize";
import { BOT_ID, BOT_USER_ID, TEAM_ID, type Workspace } from "./state";
import type { FakeChannel, FakeFileRef } from "./types";

/** auth.test, users.info and the external file-upload pair. */

const authTest: Handler = (_args, { ws }) => ({
  url: "https://fake.slack.com/",
  team: "Fake Workspace",
  user: ws.users.get(BOT_USER_ID)?.name ?? "switchboard",
  team_id: TEAM_ID,
  user_id: BOT_USER_ID,
  bot_id: BOT_ID,
  is_enterprise_install: false,
});

const usersInfo: Handler = (args, { ws }) => {
  const user = ws.users.get(str(args, "user") ?? "");
  if (!user) throw new ApiError("user_not_found");
  return { user: apiUser(user) };
};

const getUploadUrl: Handler = (args, { ws, baseUrl }) => {
  const filename = str(args, "filename") ?? "";
  const length = int(args, "length", Number.NaN);
  if (filename === "" || !(length > 0)) {
    throw new ApiError("invalid_arguments", { response_metadata: { messages: ["[ERROR] invalid length"] } });
  }
  const id = ws.nextId("F");
  ws.uploads.set(id, { id, filename, length });
  return { upload_url: `${baseUrl}/upload/${id}`, file_id: id };
};

interface FileSpec {
  id: string;
  title?: string;
}

function fileSpecs(args: Args): FileSpec[] {
  const files = args.files;
  if (!Array.isArray(files) || files.length === 0) {
    throw new ApiError("invalid_arguments", { response_metadata: { messages: ["[ERROR] invalid files"] } });
  }
  return files.map((f: unknown) => {
    if (!isRecord(f) || typeof f.id !== "string") throw new ApiError("file_not_found");
    return { id: f.id, title: typeof f.title === "string" ? f.title : undefined };
  });
}

function shareTarget(ws: Workspace, args: Args): FakeChannel | undefined {
  const raw = str(args, "channel_id") || str(args, "channels")?.split(",")[0];
  if (!raw) return undefined;
  const channel = ws.visibleChannel(raw);
  if (!channel.members.has(BOT_USER_ID)) throw new ApiError("not_in_channel");
  return channel;
}

const completeUpload: Handler = (args, { ws }) => {
  const specs = fileSpecs(args);
  const uploads = specs.map((spec) => {
    const upload = ws.uploads.get(spec.id);
    if (!upload?.content) throw new ApiError("file_not_found");
    return { spec, upload };
  });
  const channel = shareTarget(ws, args);
  const initialComment = str(args, "initial_comment");
  const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
  const problem = checkMessage({ text: initialComment, blocks });
  if (problem) {
    const messages = problem.messages.map((m) => `[ERROR] ${m}`);
    throw new ApiError("invalid_blocks", { errors: problem.messages, response_metadata: { messages } });
  }
  const refs: FakeFileRef[] = [];
  for (const { spec, upload } of uploads) {
    const title = spec.title ?? upload.filename;
    ws.files.push({
      id: upload.id,
      filename: upload.filename,
      title,
      content: upload.content!,
      ...(channel ? { channel: channel.id } : {}),
      ...(initialComment ? { initial_comment: initialComment } : {}),
    });
    ws.uploads.delete(upload.id);
    refs.push({ id: upload.id, name: upload.filename, title });
  }
  if (channel) {
    ws.storeMessage({
      channel: channel.id,
      user: BOT_USER_ID,
      text: initialComment ?? "",
      blocks,
      files: refs,
      thread_ts: str(args, "thread_ts") || undefined,
    });
  }
  return { files: refs.map((r) => ({ id: r.id, title: r.title })) };
};

/** Socket Mode: a fresh WebSocket URL from the fake Socket Mode server registered with the workspace. */
const appsConnectionsOpen: Handler = (_args, { ws }) => {
  if (!ws.socketModeUrl) {
    throw new Error(
      "apps.connections.open needs a fake Socket Mode server (test/helpers/fake-socket-mode.ts)",
    );
  }
  return { url: ws.socketModeUrl() };
};

export const miscHandlers: Record<string, Handler> = {
  "apps.connections.open": appsConnectionsOpen,
  "auth.test": authTest,
  "users.info": usersInfo,
  "files.getUploadURLExternal": getUploadUrl,
  "files.completeUploadExternal": completeUpload,
};
