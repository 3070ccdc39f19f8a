import {
  App,
  type ReceiverProcessEventErrorHandlerArgs,
  type SocketModeReceiver,
  type ViewSubmitAction,
} from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import { type Config, DEFAULT_SLACK_TIMEOUT_MS } from "../config/env.js";
import type { Route } from "../http/routes.js";
import { slackLogger } from "../lib/slack-logger.js";
import {
  ACTION,
  CARD_ACTION,
  COMMAND,
  ESCALATION_ACTION,
  FLOOR_ACTION,
  IMPROVEMENT_ACTION,
  PLAYBOOK_ACTION,
  REVIEW_ACTION,
  SHORTCUT,
  VIEW,
} from "../messages/ids.js";
import type { Deps } from "../services/deps.js";
import { onCardButton } from "./actions/card-buttons.js";
import { onEscalationAcknowledge, onLinkButton } from "./actions/escalation.js";
import { onFloorCardButton, onTeamBriefed } from "./actions/floor-buttons.js";
import {
  onActionDone,
  onActionProposeDate,
  onActionRescheduleSubmit,
} from "./actions/improvement-actions.js";
import { onPlaybookTick } from "./actions/playbook-tick.js";
import { onPriorityInputChanged } from "./actions/priority-preview.js";
import { onWriteReview } from "./actions/review-prompt.js";
import { onTimelinePage } from "./actions/timeline-page.js";
import { anyExcept, onUnknownAction, onUnknownView } from "./actions/unknown.js";
import { onIncidentCommand } from "./commands/incident.js";
import { onAppHomeOpened } from "./events/app-home-opened.js";
import { withHomeRespond } from "./home-clicks.js";
import { GuardedHTTPReceiver } from "./receiver-guard.js";
import { onLogAsIncident } from "./shortcuts/log-as-incident.js";
import { socketModeReceiver } from "./socket-mode.js";
import { answerUnansweredClicks } from "./unanswered-clicks.js";
import { FLOOR_VIEWS, onFloorModalSubmit } from "./views/floor-modals.js";
import { onLogIncidentSubmit } from "./views/log-incident.js";
import { onReviewSubmit } from "./views/review.js";
import { onWorkModalSubmit, WORK_VIEWS } from "./views/work-modals.js";

/**
 * Interactive calls (views.open within a trigger's 3 s) must not sit in a retry loop, and
 * durable posts go through the outbox, which owns retrying; so the client itself never retries.
 */
export function slackClientOptions(config: Config): WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: config.slackTimeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS,
  };
}

export function createSlackApp(
  config: Config,
  deps: Deps,
  routes: Route[],
  /**
   * clickLateMs: see answerUnansweredClicks (CLICK_LATE_MS when unset). socketReceiver: the
   * Socket Mode receiver to use (built by socketModeReceiver when unset).
   */
  opts: { clickLateMs?: number | undefined; socketReceiver?: SocketModeReceiver } = {},
): App {
  const log = deps.logger.child({ component: "slack" });
  const common = {
    token: config.slack.botToken,
    botUserId: deps.botUserId,
    botId: deps.botId,
    clientOptions: slackClientOptions(config),
    logger: slackLogger(deps.logger, "slack.bolt"),
    // auth.test already ran at start-up; Bolt need not repeat it.
    tokenVerificationEnabled: false,
    customRoutes: routes,
  };
  // In Socket Mode the process serves /healthz and /readyz itself (see system.ts).
  const app = config.slack.appToken
    ? new App({
        ...common,
        customRoutes: [],
        socketMode: true,
        receiver: opts.socketReceiver ?? socketModeReceiver(config, deps.logger),
      })
    : new App({
        ...common,
        // Unsigned, stale, future-dated or malformed requests are answered before Bolt sees them.
        receiver: new GuardedHTTPReceiver({
          signingSecret: config.slack.signingSecret!,
          port: config.port,
          customRoutes: routes,
          logger: common.logger,
          log: deps.logger.child({ component: "slack.receiver" }),
          processEventErrorHandler: refuseMalformed,
        }),
      });

  // Time each request spends in our handlers (ack included): the ack-latency signal in /metrics.
  app.use(async ({ body, next }) => {
    const end = deps.metrics.requestDuration.startTimer({ kind: requestKind(body) });
    try {
      await next();
    } finally {
      end();
    }
  });

  app.use(answerUnansweredClicks(opts.clickLateMs));

  app.command(COMMAND, (args) => onIncidentCommand(deps, args));
  app.view<ViewSubmitAction>({ callback_id: VIEW.logIncident, type: "view_submission" }, (args) =>
    onLogIncidentSubmit(deps, args),
  );
  app.action({ type: "block_actions", action_id: ACTION.impact }, (args) =>
    onPriorityInputChanged(deps, args),
  );
  app.action({ type: "block_actions", action_id: ACTION.urgency }, (args) =>
    onPriorityInputChanged(deps, args),
  );
  app.shortcut({ type: "message_action", callback_id: SHORTCUT.logAsIncident }, (args) =>
    onLogAsIncident(deps, args),
  );
  app.event("app_home_opened", (args) => onAppHomeOpened(deps, args));

  const cardButtons = Object.values(CARD_ACTION).filter((id) => id !== CARD_ACTION.timelineNext);
  app.action({ type: "block_actions", action_id: new RegExp(`^(${cardButtons.join("|")})$`) }, (args) =>
    onCardButton(deps, withHomeRespond(args, log)),
  );
  app.action({ type: "block_actions", action_id: CARD_ACTION.timelineNext }, (args) =>
    onTimelinePage(deps, args),
  );
  app.action({ type: "block_actions", action_id: ESCALATION_ACTION.acknowledge }, (args) =>
    onEscalationAcknowledge(deps, args),
  );
  app.action({ type: "block_actions", action_id: ESCALATION_ACTION.openChannel }, onLinkButton);
  app.action({ type: "block_actions", action_id: PLAYBOOK_ACTION.tick }, (args) =>
    onPlaybookTick(deps, args),
  );
  app.view<ViewSubmitAction>(
    { callback_id: new RegExp(`^(${WORK_VIEWS.join("|")})$`), type: "view_submission" },
    (args) => onWorkModalSubmit(deps, args),
  );
  const floorCardButtons = [FLOOR_ACTION.briefAgents, FLOOR_ACTION.recordImpact, FLOOR_ACTION.askForHelp];
  app.action({ type: "block_actions", action_id: new RegExp(`^(${floorCardButtons.join("|")})$`) }, (args) =>
    onFloorCardButton(deps, args),
  );
  app.action({ type: "block_actions", action_id: FLOOR_ACTION.teamBriefed }, (args) =>
    onTeamBriefed(deps, args),
  );
  app.view<ViewSubmitAction>(
    { callback_id: new RegExp(`^(${FLOOR_VIEWS.join("|")})$`), type: "view_submission" },
    (args) => onFloorModalSubmit(deps, args),
  );
  app.action({ type: "block_actions", action_id: REVIEW_ACTION.open }, (args) => onWriteReview(deps, args));
  app.view<ViewSubmitAction>({ callback_id: VIEW.review, type: "view_submission" }, (args) =>
    onReviewSubmit(deps, args),
  );
  app.action({ type: "block_actions", action_id: IMPROVEMENT_ACTION.markDone }, (args) =>
    onActionDone(deps, args),
  );
  app.action({ type: "block_actions", action_id: IMPROVEMENT_ACTION.proposeDate }, (args) =>
    onActionProposeDate(deps, args),
  );
  app.view<ViewSubmitAction>({ callback_id: VIEW.actionReschedule, type: "view_submission" }, (args) =>
    onActionRescheduleSubmit(deps, args),
  );
  // Everything else (an old card's button, a retired form) is answered rather than left to time out.
  const knownActions = [
    ...Object.values(REVIEW_ACTION),
    ACTION.impact,
    ACTION.urgency,
    ...Object.values(CARD_ACTION),
    ...Object.values(ESCALATION_ACTION),
    ...Object.values(PLAYBOOK_ACTION),
    ...Object.values(FLOOR_ACTION),
    ...Object.values(IMPROVEMENT_ACTION),
  ];
  app.action({ type: "block_actions", action_id: anyExcept(knownActions) }, onUnknownAction);
  app.view<ViewSubmitAction>(
    {
      callback_id: anyExcept([
        VIEW.logIncident,
        ...WORK_VIEWS,
        ...FLOOR_VIEWS,
        VIEW.review,
        VIEW.actionReschedule,
      ]),
      type: "view_submission",
    },
    onUnknownView,
  );

  app.error(async (error) => {
    log.error(
      { err: error.message, code: (error as { code?: string }).code },
      "unhandled error in a Slack listener",
    );
  });
  return app;
}

/**
 * Our listeners never throw out of Bolt (app.error catches them), and the receiver guard has
 * already refused bodies that are not Slack payloads at all, so an error here means Bolt could
 * not read a field of a well-shaped envelope (no user, ...): 400, where Bolt's default says 500.
 */
async function refuseMalformed({ error, logger, response }: ReceiverProcessEventErrorHandlerArgs) {
  if (response.headersSent) return false;
  logger.warn(`malformed Slack request refused: ${error.message}`);
  response.writeHead(400);
  response.end();
  return false;
}

function requestKind(body: unknown): string {
  const b = body as { type?: string; command?: string; event?: { type?: string } };
  if (b.command) return "command";
  if (b.type === "event_callback") return `event.${b.event?.type ?? "unknown"}`;
  return b.type ?? "unknown";
}
