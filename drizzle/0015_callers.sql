CREATE TYPE "public"."callback_outcome" AS ENUM('reached', 'no_answer', 'left_message', 'email_sent', 'sms_sent', 'declined');--> statement-breakpoint
CREATE TYPE "public"."callback_wanted" AS ENUM('no', 'phone', 'email', 'sms');--> statement-breakpoint
CREATE TABLE "caller_report_contacts" (
	"report_id" uuid PRIMARY KEY NOT NULL,
	"caller_reference" text,
	"callback_contact" text,
	"erased_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "caller_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"moved_from_incident_id" uuid,
	"report_channel" "report_channel" NOT NULL,
	"contacted_at" timestamp with time zone NOT NULL,
	"said" text,
	"callback" "callback_wanted" DEFAULT 'no' NOT NULL,
	"reported_by" text NOT NULL,
	"submission_key" text,
	"callback_claimed_by" text,
	"callback_claimed_at" timestamp with time zone,
	"callback_outcome" "callback_outcome",
	"callback_outcome_by" text,
	"callback_outcome_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "working_channel_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "thread_ts" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "promoted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "caller_report_contacts" ADD CONSTRAINT "caller_report_contacts_report_id_caller_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."caller_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "caller_reports" ADD CONSTRAINT "caller_reports_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "caller_reports" ADD CONSTRAINT "caller_reports_moved_from_incident_id_incidents_id_fk" FOREIGN KEY ("moved_from_incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "caller_reports_submission_key" ON "caller_reports" USING btree ("submission_key");--> statement-breakpoint
CREATE INDEX "caller_reports_incident_idx" ON "caller_reports" USING btree ("incident_id","contacted_at");--> statement-breakpoint
CREATE INDEX "caller_reports_callback_open_idx" ON "caller_reports" USING btree ("incident_id") WHERE callback <> 'no' and callback_outcome is null;--> statement-breakpoint
-- Every incident logged before caller reports existed gets its first caller (unless it came from internal monitoring).
INSERT INTO "caller_reports" ("incident_id", "report_channel", "contacted_at", "reported_by", "created_at", "updated_at")
SELECT "id", "report_channel", "reported_at", "reporter_id", "logged_at", "logged_at" FROM "incidents"
WHERE "report_channel" <> 'internal_monitoring';--> statement-breakpoint
INSERT INTO "caller_report_contacts" ("report_id", "caller_reference", "erased_at")
SELECT r."id", cr."value", cr."erased_at" FROM "caller_reports" r
JOIN "caller_references" cr ON cr."incident_id" = r."incident_id";
