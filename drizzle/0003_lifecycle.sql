CREATE TABLE "processed_requests" (
	"key" text PRIMARY KEY NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stakeholder_updates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"author" text NOT NULL,
	"happening" text NOT NULL,
	"customer_impact" text NOT NULL,
	"next_update_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "hold_reason" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "hold_note" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "resolution_summary" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "root_cause" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "last_update_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stakeholder_updates" ADD CONSTRAINT "stakeholder_updates_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stakeholder_updates_incident_idx" ON "stakeholder_updates" USING btree ("incident_id","posted_at");