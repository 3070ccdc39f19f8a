import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from "@slack/bolt";
import { LIMITS } from "../../domain/incident.js";
import { describeError } from "../../lib/logger.js";
import { clip } from "../../messages/text.js";
import type { Deps } from "../../services/deps.js";
import { openLogIncidentModal } from "../open-modal.js";

type Args = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

/** "Log as incident" on a message: the modal, with the message as the description. */
export async function onLogAsIncident(deps: Deps, { ack, shortcut, client }: Args): Promise<void> {
  await ack();
  const text = (shortcut.message.text ?? "").trim();
  const firstLine = text.split("\n", 1)[0] ?? "";
  const problem = await openLogIncidentModal(deps, client, {
    triggerId: shortcut.trigger_id,
    title: firstLine ? clip(firstLine, LIMITS.title) : undefined,
    description: text ? clip(text, LIMITS.description) : undefined,
    metadata: {
      originChannel: shortcut.channel.id,
      source: { channel: shortcut.channel.id, ts: shortcut.message.ts },
    },
  });
  if (problem) {
    await client.chat
      .postEphemeral({ channel: shortcut.channel.id, user: shortcut.user.id, text: problem })
      .catch((err: unknown) =>
        deps.logger.warn({ err: describeError(err) }, "could not tell the user the modal failed"),
      );
  }
}
