import { DEFAULT_DATABASE_URL } from "../config/env.js";
import { runMigrations } from "./migrate.js";

// Migrations need only DATABASE_URL, so this does not ask for the Slack tokens.
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
try {
  await runMigrations(url);
  console.log(`migrations applied to ${new URL(url).pathname.slice(1)}`);
} catch (error) {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
