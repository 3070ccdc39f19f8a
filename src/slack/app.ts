import { App, type ReceiverProcessEventErrorHandlerArgs, type SocketModeReceiver } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import { type Config, DEFAULT_SLACK_TIMEOUT_MS } from "../config/env.js";
import type { Route } from "../http/routes.js";
import { slackLogger } from "../lib/slack-logger.js";
import { COMMAND, SHORTCUT } from "../messages/ids.js";
import type { Deps } from "../services/deps.js";
import { register as registerActions } from "./actions/register.js";
import { onIncidentCommand } from "./commands/incident.js";
import { answerByDeadlineNet, arrivalProperties } from "./deadline.js";
import { onAppHomeOpened } from "./events/app-home-opened.js";
import { Listeners } from "./listeners.js";
import { GuardedHTTPReceiver } from "./receiver-guard.js";
import { onLogAsIncident } from "./shortcuts/log-as-incident.js";
import { socketModeReceiver } from "./socket-mode.js";
import { answerUnansweredClicks } from "./unanswered-clicks.js";
import { register as registerViews } from "./views/register.js";

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
          customPropertiesExtractor: (req) => arrivalProperties(req),
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

  app.use(answerByDeadlineNet(log));
  app.use(answerUnansweredClicks(opts.clickLateMs));

  app.command(COMMAND, (args) => onIncidentCommand(deps, args));
  app.shortcut({ type: "message_action", callback_id: SHORTCUT.logAsIncident }, (args) =>
    onLogAsIncident(deps, args),
  );
  app.event("app_home_opened", (args) => onAppHomeOpened(deps, args));
  // Buttons and forms register by kind; whatever none of them routes is answered as out of date.
  const on = new Listeners(app);
  registerActions({ on, deps, log });
  registerViews({ on, deps, log });
  on.answerTheRest();

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
