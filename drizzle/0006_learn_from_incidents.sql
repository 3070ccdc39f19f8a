CREATE SEQUENCE "public"."action_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "briefing_confirmations" (
	"briefing_id" uuid NOT NULL,
	"lead_id" text NOT NULL,
	"team" text NOT NULL,
	"confirmed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "briefing_confirmations_briefing_id_team_pk" PRIMARY KEY("briefing_id","team")
);
--> statement-breakpoint
CREATE TABLE "briefings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"author" text NOT NULL,
	"affected" text NOT NULL,
	"script" text NOT NULL,
	"workaround" text,
	"next_update_at" timestamp with time zone,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "playbook_ticks" (
	"incident_id" uuid NOT NULL,
	"step" integer NOT NULL,
	"ticked_by" text NOT NULL,
	"ticked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "playbook_ticks_incident_id_step_pk" PRIMARY KEY("incident_id","step")
);
--> statement-breakpoint
CREATE TABLE "action_events" (
	"action_id" uuid NOT NULL,
	"generation" integer NOT NULL,
	"step" text NOT NULL,
	"planned_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "action_events_action_id_generation_step_pk" PRIMARY KEY("action_id","generation","step")
);
--> statement-breakpoint
CREATE TABLE "improvement_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" bigint DEFAULT nextval('action_number_seq') NOT NULL,
	"incident_id" uuid NOT NULL,
	"review_id" uuid,
	"description" text NOT NULL,
	"owner_id" text NOT NULL,
	"due_on" date NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_by" text NOT NULL,
	"done_by" text,
	"done_at" timestamp with time zone,
	"generation" integer DEFAULT 1 NOT NULL,
	"next_step" text,
	"next_step_at" timestamp with time zone,
	"reminded_at" timestamp with time zone,
	"overdue_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"status" text DEFAULT 'requested' NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"root_cause_category" text,
	"root_cause" text,
	"contributing_factors" text,
	"went_well" text,
	"went_badly" text,
	"completed_by" text,
	"completed_at" timestamp with time zone,
	"file_id" text,
	"published_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "calls_queued" integer;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "abandonment_rate" real;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "affected_queue" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "impact_recorded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "reopen_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "briefing_confirmations" ADD CONSTRAINT "briefing_confirmations_briefing_id_briefings_id_fk" FOREIGN KEY ("briefing_id") REFERENCES "public"."briefings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "briefings" ADD CONSTRAINT "briefings_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "playbook_ticks" ADD CONSTRAINT "playbook_ticks_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_events" ADD CONSTRAINT "action_events_action_id_improvement_actions_id_fk" FOREIGN KEY ("action_id") REFERENCES "public"."improvement_actions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "improvement_actions" ADD CONSTRAINT "improvement_actions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "improvement_actions" ADD CONSTRAINT "improvement_actions_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "briefings_incident_idx" ON "briefings" USING btree ("incident_id","posted_at");--> statement-breakpoint
CREATE UNIQUE INDEX "improvement_actions_number_key" ON "improvement_actions" USING btree ("number");--> statement-breakpoint
CREATE INDEX "improvement_actions_incident_idx" ON "improvement_actions" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "improvement_actions_owner_idx" ON "improvement_actions" USING btree ("owner_id","status");--> statement-breakpoint
CREATE INDEX "improvement_actions_due_idx" ON "improvement_actions" USING btree ("next_step_at") WHERE status = 'open' and next_step is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_incident_key" ON "reviews" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "reviews_completed_idx" ON "reviews" USING btree ("completed_at") WHERE status = 'completed';--> statement-breakpoint
CREATE INDEX "incidents_logged_at_idx" ON "incidents" USING btree ("logged_at");--> statement-breakpoint
CREATE INDEX "incidents_closed_at_idx" ON "incidents" USING btree ("closed_at") WHERE closed_at is not null;