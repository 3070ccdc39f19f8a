import { mrkdwn, plain } from "./text.js";

/**
 * A button's answer shown over the App Home: a click there has no response_url, so no
 * ephemeral reply, and the Home itself is redrawn from the change alone.
 */
export function homeNotice(text: string) {
  return {
    type: "modal" as const,
    title: plain("Switchboard", 24),
    close: plain("OK", 24),
    blocks: [{ type: "section", text: mrkdwn(text) }],
  };
}
