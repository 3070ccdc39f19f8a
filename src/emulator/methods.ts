import { chatHandlers } from "./methods-chat";
import { conversationHandlers } from "./methods-conversations";
import { miscHandlers } from "./methods-misc";
import { viewHandlers } from "./methods-views";
import type { Handler } from "./protocol";

/** Every Web API method the fake implements. Other documented methods answer HTTP 501. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  ...chatHandlers,
  ...conversationHandlers,
  ...viewHandlers,
  ...miscHandlers,
};
