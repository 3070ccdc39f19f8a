CREATE TABLE "practice_injects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"posted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "practice_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scenario_key" text NOT NULL,
	"scenario" jsonb NOT NULL,
	"speed" integer NOT NULL,
	"lead_id" text NOT NULL,
	"trainee_ids" jsonb NOT NULL,
	"submission_key" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"score" real,
	"debrief" jsonb,
	"coaching_notes" text,
	"coaching_by" text,
	"coaching_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "practice_run_id" uuid;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "practice_speed" integer;--> statement-breakpoint
ALTER TABLE "practice_injects" ADD CONSTRAINT "practice_injects_run_id_practice_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."practice_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "practice_injects_run_position_key" ON "practice_injects" USING btree ("run_id","position");--> statement-breakpoint
CREATE INDEX "practice_injects_due_idx" ON "practice_injects" USING btree ("due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "practice_runs_submission_key" ON "practice_runs" USING btree ("submission_key");--> statement-breakpoint
CREATE INDEX "practice_runs_started_idx" ON "practice_runs" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "incidents_practice_idx" ON "incidents" USING btree ("practice_run_id") WHERE practice_run_id is not null;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_practice_run_id_practice_runs_id_fk" FOREIGN KEY ("practice_run_id") REFERENCES "public"."practice_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- A drill never becomes real, nor a real incident a drill: the practice columns are written once, at logging.
CREATE FUNCTION "incidents_practice_fixed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."practice_run_id" IS DISTINCT FROM OLD."practice_run_id" OR NEW."practice_speed" IS DISTINCT FROM OLD."practice_speed" THEN
    RAISE EXCEPTION 'an incident''s practice marking never changes (incident %)', OLD."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "incidents_practice_fixed" BEFORE UPDATE OF "practice_run_id", "practice_speed" ON "incidents"
FOR EACH ROW EXECUTE FUNCTION "incidents_practice_fixed"();
