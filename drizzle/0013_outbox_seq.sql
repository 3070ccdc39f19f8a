DROP INDEX "outbox_pending_channel_idx";--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "seq" bigint;--> statement-breakpoint
UPDATE "outbox" SET "seq" = n."rn" FROM (SELECT "id", row_number() OVER (ORDER BY "created_at", "id") AS "rn" FROM "outbox") n WHERE "outbox"."id" = n."id";--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "seq" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ALTER COLUMN "seq" ADD GENERATED ALWAYS AS IDENTITY (sequence name "outbox_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
SELECT setval('outbox_seq_seq', coalesce((SELECT max("seq") FROM "outbox"), 0) + 1, false);--> statement-breakpoint
CREATE INDEX "outbox_pending_channel_idx" ON "outbox" USING btree ("channel","purpose","seq") WHERE status = 'pending';
