/**
 * `npm run docs:screenshots`: the pictures in the README (docs/images/*.png, 1280×800), taken
 * from the demo's page in Chromium while a scripted visitor logs a P1 and the team lead is
 * escalated to. Uses a fresh demo on the test suite's PostgreSQL and Redis (TEST_DATABASE_URL,
 * TEST_REDIS_URL), and Chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
 */
import { mkdir } from "node:fs/promises";
import { PERSONAS } from "../src/demo/workspace.js";
import {
  ESCALATION_TIMEOUT_MS,
  launchChromium,
  SandboxPage,
  STEP_TIMEOUT_MS,
  startSandbox,
  watchErrors,
} from "./helpers/sandbox-browser.js";

const OUT = "docs/images";

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const [sandbox, browser] = await Promise.all([startSandbox(), launchChromium()]);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = watchErrors(page);
    const ui = new SandboxPage(page, sandbox.url);
    const shot = async (name: string) => {
      if (errors.length > 0)
        throw new Error(`the page reported errors before ${name}:\n${errors.join("\n")}`);
      await page.screenshot({ path: `${OUT}/${name}.png` });
      console.log(`${OUT}/${name}.png`);
    };

    await ui.open(PERSONAS.agent.id);
    await ui.openChannel("agent-floor");
    await ui.type("/incident");
    await ui.fillLogForm({
      title: "Card payments failing at checkout",
      description: "Callers say card payments fail with error 502 since 09:40; web and IVR payments both.",
      type: "Service failure",
      impact: "High",
      urgency: "High",
    });
    await ui.modal.getByText("Priority from the matrix: P1").waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot("log-form");
    await ui.modal.getByRole("button", { name: "Log incident" }).click();
    await ui.modal.getByRole("heading", { name: "Incident logged" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press("Escape");
    await ui.modal.waitFor({ state: "detached", timeout: STEP_TIMEOUT_MS });

    // A second agent takes another call about the same outage: the Log form knows it already.
    await ui.actAs(PERSONAS.secondAgent);
    await ui.openChannel("agent-floor");
    await ui.type("/incident");
    const known = ui.modal.locator(".bk-section", { hasText: "INC-000001" });
    await known.waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot("log-form-known");
    await known.getByRole("button", { name: "Add this caller" }).click();
    await ui.modal.getByRole("heading", { name: "Add a caller" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await ui.modal.getByLabel("Caller reference").fill("ACC-448120");
    await ui.modal
      .getByLabel("What they said")
      .fill("Card declined twice on the website, then on the phone line.");
    await ui.modal.getByLabel("Phone call").check();
    await ui.modal.getByLabel("Callback contact").fill("07700 900461");
    await shot("add-caller");
    await ui.modal.getByRole("button", { name: "Add caller" }).click();
    await ui.modal.getByRole("heading", { name: "Caller added" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press("Escape");
    await ui.modal.waitFor({ state: "detached", timeout: STEP_TIMEOUT_MS });
    await ui.actAs(PERSONAS.agent);

    await ui.openChannel(/^inc-000001-/);
    await page
      .locator("#messages .msg-pinned", { hasText: "Callers: 2" })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    const card = page.locator("#messages .msg-pinned").filter({ hasText: "INC-000001 · P1" });
    await card.waitFor({ timeout: STEP_TIMEOUT_MS });
    await ui.scrollToTop(card);
    await shot("incident-card");

    await ui.actAs(PERSONAS.stakeholder);
    await ui.openChannel("client-updates");
    await ui.messages.filter({ hasText: "New P1 incident logged" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot("stakeholder-channel");

    await ui.actAs(PERSONAS.teamLead);
    await ui.channelEntry("Switchboard").waitFor({ timeout: ESCALATION_TIMEOUT_MS });
    await ui.openChannel("Switchboard");
    const dm = ui.messages.filter({ hasText: "Escalation level 1" });
    await dm.waitFor({ timeout: ESCALATION_TIMEOUT_MS });
    await shot("escalation-dm");

    await dm.getByRole("button", { name: "Acknowledge" }).click();
    await dm.getByText("Acknowledged by").waitFor({ timeout: STEP_TIMEOUT_MS });
    await ui.openHome();
    await page
      .locator("#home .bk-section", { hasText: "INC-000001" })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot("home-tab");
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
