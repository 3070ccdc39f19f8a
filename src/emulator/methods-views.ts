import { checkView } from "./block-kit";
import { ApiError, type Args, type Body, type Handler, isRecord, str } from "./protocol";
import { APP_ID, BOT_ID, TEAM_ID, type Workspace } from "./state";
import type { FakeView, ViewAnswer } from "./types";

/** views.open / push / update / publish. */

/** Slack's limit on a modal stack (views.open plus two views.push). */
const MAX_STACK = 3;

function invalidArguments(message: string): ApiError {
  return new ApiError("invalid_arguments", { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

function viewArg(args: Args, expected: "modal" | "home"): Record<string, unknown> {
  const view = args.view;
  if (!isRecord(view)) throw invalidArguments("failed to parse view [json-pointer:/view]");
  const problem = checkView(view);
  if (problem) {
    const messages = problem.messages.map((m) => `[ERROR] ${m}`);
    throw new ApiError(problem.error, { response_metadata: { messages } });
  }
  if (view.type !== expected) throw invalidArguments(`must be "${expected}" [json-pointer:/view/type]`);
  return view;
}

function consumeTrigger(ws: Workspace, args: Args, receivedAt: number): { id: string; user: string } {
  const id = str(args, "trigger_id") || str(args, "interactivity_pointer");
  if (!id) throw invalidArguments("missing required field: trigger_id");
  const trigger = ws.triggers.get(id);
  if (!trigger) throw new ApiError("invalid_trigger_id");
  if (trigger.used) throw new ApiError("exchanged_trigger_id");
  if (receivedAt > trigger.expiresAt) throw new ApiError("expired_trigger_id");
  trigger.used = true;
  return { id, user: trigger.user };
}

function checkExternalId(ws: Workspace, view: Record<string, unknown>, self?: string): void {
  const external = view.external_id;
  if (typeof external !== "string" || external === "") return;
  if (ws.views.some((v) => v.id !== self && v.view.external_id === external)) {
    throw new ApiError("duplicate_external_id");
  }
}

interface Placement {
  id: string;
  rootId?: string;
  previousId?: string | null;
}

function buildView(ws: Workspace, input: Record<string, unknown>, at: Placement): Record<string, unknown> {
  return {
    type: input.type,
    close: null,
    submit: null,
    private_metadata: "",
    callback_id: "",
    external_id: "",
    clear_on_close: false,
    notify_on_close: false,
    ...input,
    id: at.id,
    team_id: TEAM_ID,
    state: { values: {} },
    hash: `${ws.nowSeconds()}.${ws.nextId("").toLowerCase()}`,
    previous_view_id: at.previousId ?? null,
    root_view_id: at.rootId ?? at.id,
    app_id: APP_ID,
    app_installed_team_id: TEAM_ID,
    bot_id: BOT_ID,
  };
}

function store(ws: Workspace, view: Record<string, unknown>, user: string, triggerId?: string): FakeView {
  const stored: FakeView = {
    id: String(view.id),
    view,
    user,
    type: view.type === "home" ? "home" : "modal",
    hash: String(view.hash),
    ...(triggerId ? { triggerId } : {}),
  };
  ws.views.push(stored);
  return stored;
}

const open: Handler = (args, { ws, receivedAt }) => {
  const input = viewArg(args, "modal");
  checkExternalId(ws, input);
  const trigger = consumeTrigger(ws, args, receivedAt);
  const view = buildView(ws, input, { id: ws.nextId("V") });
  store(ws, view, trigger.user, trigger.id);
  ws.modalStacks.set(trigger.user, [String(view.id)]);
  return { view };
};

const push: Handler = (args, { ws, receivedAt }) => {
  const input = viewArg(args, "modal");
  checkExternalId(ws, input);
  const trigger = consumeTrigger(ws, args, receivedAt);
  const parent = ws.views.findLast((v) => v.type === "modal" && v.user === trigger.user);
  if (!parent) throw new ApiError("not_found");
  const rootId = String(parent.view.root_view_id ?? parent.id);
  if (ws.views.filter((v) => v.view.root_view_id === rootId).length >= MAX_STACK) {
    throw new ApiError("push_limit_reached");
  }
  const view = buildView(ws, input, { id: ws.nextId("V"), rootId, previousId: parent.id });
  store(ws, view, trigger.user, trigger.id);
  stackOf(ws, trigger.user).push(String(view.id));
  return { view };
};

function findForUpdate(ws: Workspace, args: Args): FakeView {
  const viewId = str(args, "view_id");
  const externalId = str(args, "external_id");
  if (!viewId && !externalId) throw invalidArguments("missing required field: view_id or external_id");
  const found = ws.views.find((v) => (viewId ? v.id === viewId : v.view.external_id === externalId));
  if (!found) throw new ApiError("not_found");
  return found;
}

function replace(ws: Workspace, target: FakeView, input: Record<string, unknown>): Body {
  const view = buildView(ws, input, {
    id: target.id,
    rootId: String(target.view.root_view_id ?? target.id),
    previousId: (target.view.previous_view_id as string | null | undefined) ?? null,
  });
  target.view = view;
  target.hash = String(view.hash);
  return { view };
}

const update: Handler = (args, { ws }) => {
  const target = findForUpdate(ws, args);
  const hash = str(args, "hash");
  if (hash && hash !== target.hash) throw new ApiError("hash_conflict");
  const input = viewArg(args, target.type);
  checkExternalId(ws, input, target.id);
  return replace(ws, target, input);
};

const publish: Handler = (args, { ws }) => {
  const user = str(args, "user_id") ?? "";
  const input = viewArg(args, "home");
  const existing = ws.views.find((v) => v.type === "home" && v.user === user);
  const hash = str(args, "hash");
  if (hash && existing && hash !== existing.hash) throw new ApiError("hash_conflict");
  checkExternalId(ws, input, existing?.id);
  if (existing) return replace(ws, existing, input);
  const view = buildView(ws, input, { id: ws.nextId("V") });
  store(ws, view, user);
  return { view };
};

export const viewHandlers: Record<string, Handler> = {
  "views.open": open,
  "views.push": push,
  "views.update": update,
  "views.publish": publish,
};

function stackOf(ws: Workspace, user: string): string[] {
  let stack = ws.modalStacks.get(user);
  if (!stack) {
    stack = [];
    ws.modalStacks.set(user, stack);
  }
  return stack;
}

/** `user`'s open modals, bottom first. */
export function modalStack(ws: Workspace, user: string): FakeView[] {
  const ids = ws.modalStacks.get(user) ?? [];
  return ids.map((id) => ws.views.find((v) => v.id === id)).filter((v): v is FakeView => v !== undefined);
}

/** The user closes `viewId` and whatever was pushed above it. */
export function closeModal(ws: Workspace, user: string, viewId: string): void {
  const stack = stackOf(ws, user);
  const at = stack.indexOf(viewId);
  if (at >= 0) stack.splice(at);
}

/** What the Slack client does with the app's answer to a submission of `viewId`. */
export function answerSubmission(ws: Workspace, user: string, viewId: string, answer: ViewAnswer): void {
  const stack = stackOf(ws, user);
  const target = ws.views.find((v) => v.id === viewId);
  if (!target) throw new ApiError("not_found");
  switch (answer.response_action) {
    case "errors":
      return;
    case "update":
      replace(ws, target, viewArg({ view: answer.view }, "modal"));
      return;
    case "push": {
      if (stack.length >= MAX_STACK) throw new ApiError("push_limit_reached");
      const input = viewArg({ view: answer.view }, "modal");
      const rootId = String(target.view.root_view_id ?? target.id);
      const view = buildView(ws, input, { id: ws.nextId("V"), rootId, previousId: target.id });
      store(ws, view, user);
      stack.push(String(view.id));
      return;
    }
    case "clear":
      stack.length = 0;
      return;
    default:
      closeModal(ws, user, viewId);
  }
}
