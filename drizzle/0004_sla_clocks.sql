CREATE TYPE "public"."clock_state" AS ENUM('running', 'paused', 'stopped');--> statement-breakpoint
CREATE TABLE "sla_clocks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"name" text NOT NULL,
	"state" "clock_state" DEFAULT 'running' NOT NULL,
	"hours" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" bigint NOT NULL,
	"paused_ms" bigint DEFAULT 0 NOT NULL,
	"paused_at" timestamp with time zone,
	"warn_offsets_ms" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"notify_roles" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"next_step" text,
	"next_step_at" timestamp with time zone,
	"breached_at" timestamp with time zone,
	"ladder_acknowledged_by" text,
	"ladder_acknowledged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sla_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clock_id" uuid NOT NULL,
	"generation" integer NOT NULL,
	"step" text NOT NULL,
	"planned_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"late_ms" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "escalation_level" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sla_clocks" ADD CONSTRAINT "sla_clocks_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_events" ADD CONSTRAINT "sla_events_clock_id_sla_clocks_id_fk" FOREIGN KEY ("clock_id") REFERENCES "public"."sla_clocks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_clocks_incident_name_key" ON "sla_clocks" USING btree ("incident_id","name");--> statement-breakpoint
CREATE INDEX "sla_clocks_running_idx" ON "sla_clocks" USING btree ("next_step_at") WHERE state = 'running' and next_step is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_events_step_key" ON "sla_events" USING btree ("clock_id","generation","step");