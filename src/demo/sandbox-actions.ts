import { suggestionRefusal, validateOptionsAnswer } from "../emulator/block-kit.js";
import {
  appHomeOpened,
  blockSuggestion,
  formBody,
  messageAction,
  messageBlockActions,
  payloadBody,
  signedPost,
  slashCommand,
  viewBlockActions,
  viewClosed,
  viewSubmission,
} from "../emulator/requests.js";
import type { FakeEphemeral, FakeMessage, FakeSlack, FakeView, ViewAnswer } from "../emulator/types.js";

/**
 * What the Slack client does for a person: sends the app the requests Slack sends (signed, to
 * /slack/events) and shows the answers: command replies and response_url posts as ephemerals or
 * messages, view_submission answers on the person's modal stack.
 */

/** Slack's trigger_ids last 3 s; a demo on a busy laptop gets the tests' 30 s. */
const TRIGGER_TTL_MS = 30_000;

export type Result = { ok: true } | { ok: false; error: string };

/** Where a response_url's posts go. */
type ResponseTarget =
  | { kind: "reply"; user: string; channel: string }
  | { kind: "message"; user: string; channel: string; ts: string }
  | { kind: "ephemeral"; user: string; channel: string; index: number };

export type ActionSource =
  | { type: "message"; channel: string; ts: string }
  | { type: "ephemeral"; id: string }
  | { type: "view"; view_id: string }
  | { type: "home" };

export class SandboxActions {
  /** Ephemerals dismissed by `delete_original` (the emulator's list only grows). */
  readonly hiddenEphemerals = new Set<number>();
  /** Per person: the errors of the last view_submission answered with `response_action: errors`. */
  readonly modalErrors = new Map<string, Record<string, string>>();
  private readonly targets = new Map<string, ResponseTarget>();
  private responsesSeen: number;
  private routing = false;

  constructor(
    private readonly slack: FakeSlack,
    private readonly eventsUrl: string,
    private readonly signingSecret: string,
  ) {
    this.responsesSeen = slack.responses.length;
    slack.onChange(() => {
      if (!this.routing && slack.responses.length > this.responsesSeen) queueMicrotask(() => this.route());
    });
  }

  /** `/command text` typed in `channel`. */
  async command(user: string, channel: string, line: string): Promise<Result> {
    const match = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(line.trim());
    if (!match) return { ok: false, error: "not a slash command" };
    const command = match[1]!.toLowerCase();
    if (command !== "/incident") return { ok: false, error: `${command} is not a valid command` };
    const responseUrl = this.responseUrl({ kind: "reply", user, channel });
    const body = slashCommand({
      command,
      text: match[2] ?? "",
      user,
      userName: this.slack.users.get(user)?.name,
      channel,
      channelName: this.slack.channels.get(channel)?.name ?? "directmessage",
      triggerId: this.trigger(user),
      responseUrl,
    });
    const res = await signedPost(this.eventsUrl, formBody(body), { secret: this.signingSecret });
    if (res.status !== 200) return { ok: false, error: `the app answered HTTP ${res.status}` };
    const text = await res.text();
    if (text.trim() !== "") {
      this.show(this.targets.get(responseUrl)!, parseAnswer(text));
      this.slack.changed();
    }
    return { ok: true };
  }

  /** A button, select or picker used on a message, an ephemeral, a modal or the Home tab. */
  async action(
    user: string,
    source: ActionSource,
    action: Record<string, unknown>,
    state: Record<string, unknown> = {},
  ): Promise<Result> {
    const triggerId = this.trigger(user);
    const onMessage = (channel: string, message: Record<string, unknown>, target: ResponseTarget) =>
      messageBlockActions({
        user,
        triggerId,
        actions: [action],
        source: {
          type: "message",
          channel,
          channelName: this.slack.channels.get(channel)?.name ?? "",
          message,
          responseUrl: this.responseUrl(target),
          ephemeral: target.kind === "ephemeral",
        },
      });
    let payload: unknown;
    if (source.type === "message") {
      const message = this.slack.messagesIn(source.channel).find((m) => m.ts === source.ts);
      if (!message || !this.canSee(user, source.channel)) return { ok: false, error: "message_not_found" };
      const target: ResponseTarget = { kind: "message", user, channel: source.channel, ts: message.ts };
      payload = onMessage(source.channel, slackMessage(message), target);
    } else if (source.type === "ephemeral") {
      const index = ephemeralIndex(source.id);
      const ephemeral = this.slack.ephemerals[index];
      if (!ephemeral || ephemeral.user !== user || this.hiddenEphemerals.has(index))
        return { ok: false, error: "ephemeral_not_found" };
      const message = {
        type: "message",
        ts: ephemeralTs(ephemeral),
        text: ephemeral.text ?? "",
        blocks: ephemeral.blocks ?? [],
      };
      payload = onMessage(ephemeral.channel, message, {
        kind: "ephemeral",
        user,
        channel: ephemeral.channel,
        index,
      });
    } else {
      const view = source.type === "home" ? this.home(user) : this.openView(user, source.view_id);
      if (!view) return { ok: false, error: "view_not_found" };
      payload = viewBlockActions({
        user,
        triggerId,
        actions: [action],
        source: { type: "view", opened: view, state },
      });
    }
    const res = await this.post(payloadBody(payload));
    return res.status === 200 ? { ok: true } : { ok: false, error: `the app answered HTTP ${res.status}` };
  }

  /** The person submits the modal `viewId` with `values` (Slack's view.state.values). */
  async submit(
    user: string,
    viewId: string,
    values: Record<string, unknown>,
  ): Promise<
    { ok: true; response_action?: string; errors?: Record<string, string> } | { ok: false; error: string }
  > {
    const view = this.openView(user, viewId);
    if (view?.type !== "modal") return { ok: false, error: "view_not_found" };
    const hashBefore = view.hash;
    const res = await this.post(
      payloadBody(viewSubmission({ user, opened: view, state: values, triggerId: this.trigger(user) })),
    );
    if (res.status !== 200) return { ok: false, error: `the app answered HTTP ${res.status}` };
    const answer = parseAnswer(await res.text()) as ViewAnswer;
    // An app may answer "update" (e.g. "Saving…") and then call views.update with the result; if
    // that call landed first, the view it set is the newer one and the answer is already past.
    const overtaken = answer.response_action === "update" && this.openView(user, viewId)?.hash !== hashBefore;
    try {
      if (!overtaken) this.slack.answerSubmission(user, viewId, answer);
    } catch (err) {
      return {
        ok: false,
        error: `the app's answer was refused: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (answer.response_action === "errors" && answer.errors) this.modalErrors.set(user, answer.errors);
    else this.modalErrors.delete(user);
    this.slack.changed();
    return {
      ok: true,
      ...(answer.response_action ? { response_action: answer.response_action } : {}),
      ...(answer.errors ? { errors: answer.errors } : {}),
    };
  }

  /** The person closes the modal `viewId` (with whatever was pushed above it). */
  async close(user: string, viewId: string): Promise<Result> {
    const view = this.openView(user, viewId);
    if (!view) return { ok: false, error: "view_not_found" };
    if (view.view.notify_on_close === true) {
      await this.post(payloadBody(viewClosed({ user, opened: view, state: view.view.state?.values ?? {} })));
    }
    this.modalErrors.delete(user);
    this.slack.closeModal(user, viewId);
    return { ok: true };
  }

  /** An external select's options for what the person typed. */
  async options(
    user: string,
    p: { viewId: string; blockId: string; actionId: string; value: string },
  ): Promise<Record<string, unknown> | { ok: false; error: string }> {
    const view = this.openView(user, p.viewId);
    if (!view) return { ok: false, error: "view_not_found" };
    // The Slack client asks only an external select, and only once enough is typed.
    const refused = suggestionRefusal(view.view, {
      blockId: p.blockId,
      actionId: p.actionId,
      typed: p.value,
    });
    if (refused) return { options: [] };
    const res = await this.post(
      payloadBody(
        blockSuggestion({
          user,
          opened: view,
          state: view.view.state?.values ?? {},
          actionId: p.actionId,
          blockId: p.blockId,
          value: p.value,
        }),
      ),
    );
    if (res.status !== 200) return { ok: false, error: `the app answered HTTP ${res.status}` };
    const answer = parseAnswer(await res.text());
    if (!("options" in answer || "option_groups" in answer)) return { options: [] };
    // Slack shows nothing for an answer it cannot use; the sandbox says why.
    const problems = validateOptionsAnswer(answer);
    return problems.length > 0
      ? { ok: false, error: `invalid options answer: ${problems.join("; ")}` }
      : answer;
  }

  /** `user`'s published Home tab. */
  home(user: string): FakeView | undefined {
    return this.slack.views.find((v) => v.type === "home" && v.user === user);
  }

  /** The person opens the app's Home tab. */
  async openHome(user: string): Promise<Result> {
    const im = [...this.slack.channels.values()].find((c) => c.is_im && c.members.has(user));
    const res = await signedPost(this.eventsUrl, JSON.stringify(appHomeOpened({ user, channel: im?.id })), {
      secret: this.signingSecret,
      headers: { "content-type": "application/json" },
    });
    return res.status === 200 ? { ok: true } : { ok: false, error: `the app answered HTTP ${res.status}` };
  }

  /** The "Log as incident" message shortcut on a message. */
  async shortcut(user: string, channel: string, ts: string): Promise<Result> {
    const message = this.slack.messagesIn(channel).find((m) => m.ts === ts);
    if (!message || !this.canSee(user, channel)) return { ok: false, error: "message_not_found" };
    const payload = messageAction({
      user,
      channel,
      channelName: this.slack.channels.get(channel)?.name,
      triggerId: this.trigger(user),
      responseUrl: this.responseUrl({ kind: "reply", user, channel }),
      message: { ts: message.ts, text: message.text ?? "", user: message.user },
    });
    const res = await this.post(payloadBody(payload));
    return res.status === 200 ? { ok: true } : { ok: false, error: `the app answered HTTP ${res.status}` };
  }

  /** Whether `user` can see `channel` (public, or a member). */
  canSee(user: string, channel: string): boolean {
    return this.slack.channels.has(channel) && this.slack.visibleTo(channel, user);
  }

  private openView(user: string, viewId: string): FakeView | undefined {
    return this.slack.modalStack(user).find((v) => v.id === viewId) ?? this.homeIf(user, viewId);
  }

  private homeIf(user: string, viewId: string): FakeView | undefined {
    const home = this.home(user);
    return home?.id === viewId ? home : undefined;
  }

  private trigger(user: string): string {
    return this.slack.issueTrigger({ user, ttlMs: TRIGGER_TTL_MS });
  }

  private responseUrl(target: ResponseTarget): string {
    const url = this.slack.responseUrl();
    this.targets.set(url, target);
    return url;
  }

  private post(body: string): Promise<Response> {
    return signedPost(this.eventsUrl, body, { secret: this.signingSecret });
  }

  /** Shows the response_url posts that arrived since the last call. */
  private route(): void {
    if (this.responsesSeen >= this.slack.responses.length) return;
    this.routing = true;
    try {
      while (this.responsesSeen < this.slack.responses.length) {
        const response = this.slack.responses[this.responsesSeen++]!;
        const target = this.targets.get(response.url);
        if (target) this.show(target, response.body);
      }
    } finally {
      this.routing = false;
    }
    this.slack.changed();
  }

  /** A reply to a command or interaction: an ephemeral, a message, or an edit of the original. */
  private show(target: ResponseTarget, body: Record<string, unknown>): void {
    const text = typeof body.text === "string" ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (body.delete_original === true || body.delete_original === "true") {
      if (target.kind === "ephemeral") this.hiddenEphemerals.add(target.index);
      return;
    }
    if (body.replace_original === true || body.replace_original === "true") {
      if (target.kind === "ephemeral") {
        const ephemeral = this.slack.ephemerals[target.index];
        if (ephemeral) Object.assign(ephemeral, { text, blocks });
        return;
      }
      if (target.kind === "message") {
        const message = this.slack.messagesIn(target.channel).find((m) => m.ts === target.ts);
        if (message) Object.assign(message, { text, blocks, edited: true });
        return;
      }
    }
    if (body.response_type === "in_channel") {
      this.slack.addMessage({ channel: target.channel, user: this.slack.botUserId, text, blocks });
      return;
    }
    this.slack.ephemerals.push({ channel: target.channel, user: target.user, text, blocks, at: Date.now() });
  }
}

/** The id the page uses for an ephemeral: its place in the emulator's list. */
export function ephemeralId(index: number): string {
  return `E${index}`;
}

function ephemeralIndex(id: string): number {
  const match = /^E(\d+)$/.exec(id);
  return match ? Number(match[1]) : -1;
}

function ephemeralTs(ephemeral: FakeEphemeral): string {
  return (ephemeral.at / 1000).toFixed(6);
}

/** A message as Slack puts it in an interaction payload. */
function slackMessage(message: FakeMessage): Record<string, unknown> {
  return {
    type: "message",
    user: message.user,
    text: message.text ?? "",
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
  };
}

/** An app's HTTP answer: JSON, or plain text (Slack shows it as the reply's text). */
function parseAnswer(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { text: String(value) };
  } catch {
    return { text };
  }
}
