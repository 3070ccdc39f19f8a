import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import postgres from "postgres";
import { type RunningDemo, startDemo } from "../../src/demo/demo.js";
import { adminUrl, TEST_DATABASE_URL, TEST_REDIS_URL } from "./services.js";

/**
 * The demo's page in a real browser: Chromium from the operating system's packages (Playwright's
 * own browser download is not used), a demo of the test's own (a fresh database, a queue prefix
 * and a data folder), and the steps a visitor takes, waiting on what the page shows.
 */

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** How long a step may wait for the page: generous, as the machine may be busy. */
export const STEP_TIMEOUT_MS = 60_000;
/** An unacknowledged P1 reaches the team lead 45 s after it is logged (src/demo/policy.yaml). */
export const ESCALATION_TIMEOUT_MS = 150_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface Sandbox {
  demo: RunningDemo;
  url: string;
  stop(): Promise<void>;
}

/**
 * A demo of its own: an empty database that the bot migrates on start, a queue prefix nobody
 * else uses, and a temporary data folder. `stop()` removes all three.
 */
export async function startSandbox(): Promise<Sandbox> {
  const suffix = randomUUID().replaceAll("-", "").slice(0, 12);
  const name = `switchboard_test_browser_${suffix}`;
  const admin = () =>
    postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 5, onnotice: () => {} });
  const create = admin();
  try {
    await create.unsafe(`create database ${name}`);
  } finally {
    await create.end({ timeout: 5 });
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), "switchboard-sandbox-"));
  const queuePrefix = `sandbox-browser-${suffix}`;
  const cleanup = async () => {
    await dropKeys(queuePrefix);
    const drop = admin();
    try {
      await drop.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await drop.end({ timeout: 5 });
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  let demo: RunningDemo;
  try {
    demo = await startDemo({
      port: 0,
      dataDir,
      databaseUrl: url.toString(),
      redisUrl: TEST_REDIS_URL,
      queuePrefix,
      logLevel: "error",
      env: {},
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    demo,
    url: demo.url,
    async stop() {
      await demo.stop();
      await cleanup();
    },
  };
}

/** Removes the demo's queues from the shared Redis. */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

/** Console errors and uncaught page errors, as they happen. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));
  return errors;
}

/** What a visitor does on the sandbox page, each step waiting until the page shows its result. */
export class SandboxPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  /** Opens the page as a persona (by Slack user id) and waits for the workspace. */
  async open(as: string, at = ""): Promise<void> {
    await this.page.goto(`${this.baseUrl}?as=${encodeURIComponent(as)}${at ? `#${at}` : ""}`);
    await this.page.locator(`body[data-as="${as}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
  }

  /** Switches the persona with the switcher, waiting until the page shows their workspace. */
  async actAs(person: { id: string }): Promise<void> {
    await this.page.locator("#persona").selectOption(person.id);
    await this.page.locator(`body[data-as="${person.id}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
  }

  /** The sidebar entry of a channel whose name matches. */
  channelEntry(name: string | RegExp): Locator {
    const exact =
      typeof name === "string" ? new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : name;
    return this.page
      .locator(".side-item[data-channel]")
      .filter({ has: this.page.locator(".side-name", { hasText: exact }) });
  }

  /** Opens a channel (or the DM, "Switchboard") from the sidebar, waiting for it to appear. */
  async openChannel(name: string | RegExp, timeout = STEP_TIMEOUT_MS): Promise<void> {
    const entry = this.channelEntry(name).first();
    const id = await entry.getAttribute("data-channel", { timeout });
    await entry.click({ timeout });
    await this.page.locator(`#messages[data-key="channel:${id}"]`).waitFor({ timeout });
  }

  async openHome(): Promise<void> {
    await this.page.locator(".side-item[data-home]").click();
    await this.page.locator("#home .bk-view").waitFor({ timeout: STEP_TIMEOUT_MS });
  }

  /** Types in the message box and presses Enter. */
  async type(text: string): Promise<void> {
    const box = this.page.locator("#composer-text");
    await box.fill(text);
    await box.press("Enter");
    // Sent: the box empties (it keeps the text when the sandbox refuses it).
    await this.page.waitForFunction('document.querySelector("#composer-text").value === ""', null, {
      timeout: STEP_TIMEOUT_MS,
    });
  }

  /** The open modal (the top of the persona's stack). */
  get modal(): Locator {
    return this.page.locator("form.modal");
  }

  /** The top-level messages and ephemerals of the open channel. */
  get messages(): Locator {
    return this.page.locator("#messages .msg");
  }

  /** Fills the Log form: title, description, type, and impact × urgency for the priority. */
  async fillLogForm(p: {
    title: string;
    description: string;
    type: string;
    impact: string;
    urgency: string;
  }) {
    const m = this.modal;
    await m.getByRole("heading", { name: "Log an incident" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await m.getByLabel("Title").fill(p.title);
    await m.getByLabel("What is happening").fill(p.description);
    await m.getByLabel("Incident type").selectOption({ label: p.type });
    await m.getByLabel("Impact").selectOption({ label: p.impact });
    await m.getByLabel("Urgency").selectOption({ label: p.urgency });
  }

  /** Scrolls a message to the top of the channel's list (for a picture of it). */
  async scrollToTop(message: Locator): Promise<void> {
    await message.evaluate((el) => el.scrollIntoView({ block: "start" }));
  }
}
