import { ACTION, LOG_FIELDS } from "../../src/messages/ids.js";

export {
  appHomeOpened,
  buttonClick,
  messageAction,
  modalBlockAction,
  slashCommand,
  TEAM,
  viewSubmission,
} from "../../src/emulator/requests.js";

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
