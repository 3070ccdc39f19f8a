ALTER TABLE "incidents" ADD COLUMN "card_version" integer;--> statement-breakpoint
-- Cards posted before this column existed are taken to show their incident as it is now.
UPDATE "incidents" SET "card_version" = "version" WHERE "summary_ts" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "incidents_card_behind_idx" ON "incidents" USING btree ("updated_at") WHERE summary_ts is not null and coalesce(card_version, 1) < version;
