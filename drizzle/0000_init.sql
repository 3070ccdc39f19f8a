CREATE TYPE "public"."close_code" AS ENUM('fixed', 'workaround', 'duplicate', 'not_an_incident');--> statement-breakpoint
CREATE TYPE "public"."level" AS ENUM('high', 'medium', 'low');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'sent', 'failed');--> statement-breakpoint
CREATE TYPE "public"."priority" AS ENUM('P1', 'P2', 'P3', 'P4', 'P5');--> statement-breakpoint
CREATE TYPE "public"."report_channel" AS ENUM('phone', 'email', 'chat', 'social', 'in_person', 'internal_monitoring');--> statement-breakpoint
CREATE TYPE "public"."incident_status" AS ENUM('open', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'closed');--> statement-breakpoint
CREATE SEQUENCE "public"."incident_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "caller_references" (
	"incident_id" uuid PRIMARY KEY NOT NULL,
	"value" text,
	"set_by" text NOT NULL,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL,
	"erased_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "incident_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"kind" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint DEFAULT nextval('incident_number_seq') NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"type" text NOT NULL,
	"affected_service" text,
	"report_channel" "report_channel" NOT NULL,
	"impact" "level" NOT NULL,
	"urgency" "level" NOT NULL,
	"matrix_priority" "priority" NOT NULL,
	"priority" "priority" NOT NULL,
	"priority_override_reason" text,
	"major" boolean DEFAULT false NOT NULL,
	"status" "incident_status" DEFAULT 'open' NOT NULL,
	"close_code" "close_code",
	"reporter_id" text NOT NULL,
	"owner_id" text,
	"source_channel_id" text,
	"source_message_ts" text,
	"channel_id" text,
	"channel_name" text,
	"channel_name_attempt" integer DEFAULT 0 NOT NULL,
	"summary_ts" text,
	"setup_completed_at" timestamp with time zone,
	"submission_key" text,
	"reported_at" timestamp with time zone NOT NULL,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"respond_due_at" timestamp with time zone,
	"resolve_due_at" timestamp with time zone,
	"next_update_due_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid,
	"dedupe_key" text NOT NULL,
	"purpose" text NOT NULL,
	"channel" text NOT NULL,
	"message" jsonb NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"posted_channel" text,
	"ts" text,
	"permalink" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "caller_references" ADD CONSTRAINT "caller_references_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_log" ADD CONSTRAINT "incident_log_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_log_incident_idx" ON "incident_log" USING btree ("incident_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_number_key" ON "incidents" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_submission_key" ON "incidents" USING btree ("submission_key");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_channel_id_key" ON "incidents" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "incidents_owner_idx" ON "incidents" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "incidents_reporter_idx" ON "incidents" USING btree ("reporter_id");--> statement-breakpoint
CREATE INDEX "incidents_setup_pending_idx" ON "incidents" USING btree ("logged_at") WHERE setup_completed_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_key" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_incident_idx" ON "outbox" USING btree ("incident_id");