CREATE TYPE "public"."external_via" AS ENUM('email', 'webhook');--> statement-breakpoint
CREATE TABLE "external_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "external_deliveries_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"incident_id" uuid NOT NULL,
	"dedupe_key" text NOT NULL,
	"via" "external_via" NOT NULL,
	"audience_key" text NOT NULL,
	"audience_label" text NOT NULL,
	"milestone" text NOT NULL,
	"target" jsonb NOT NULL,
	"content" jsonb NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_until" timestamp with time zone,
	"retry_at" timestamp with time zone,
	"last_error" text,
	"detail" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "external_deliveries" ADD CONSTRAINT "external_deliveries_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "external_deliveries_dedupe_key" ON "external_deliveries" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "external_deliveries_pending_idx" ON "external_deliveries" USING btree ("created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "external_deliveries_incident_idx" ON "external_deliveries" USING btree ("incident_id");