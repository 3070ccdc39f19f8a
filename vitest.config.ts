import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Two files at a time, whatever the machine: the integration files spend most of their
    // time waiting on timers and the fake Slack's pacing, so two share a 2-core machine well.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // The first Block Kit check compiles Slack's schema: seconds on a busy 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          // Each file has a database and a queue prefix of its own (drills that stop or flush a
          // server start a private one), so files can share the PostgreSQL and Redis servers.
          fileParallelism: true,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The demo's page in Chromium (`npm run test:browser`): one demo and one browser at a
        // time; a step may wait a minute for the bot's escalation clock.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Long fault drills (`npm run drill`), kept out of `npm test`.
        test: {
          name: "drill",
          include: ["test/drills/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
