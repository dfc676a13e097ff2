CREATE TABLE "alias_history" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"alias" text NOT NULL,
	"from_version_id" integer,
	"to_version_id" integer NOT NULL,
	"actor" text NOT NULL,
	"moved_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "artifacts" (
	"sha256" text PRIMARY KEY NOT NULL,
	"uri" text NOT NULL,
	"kind" text NOT NULL,
	"bytes" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lineage_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"step_execution_id" integer NOT NULL,
	"artifact_sha256" text NOT NULL,
	"direction" text NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "lineage_events_step_direction_name_unique" UNIQUE("step_execution_id","direction","name"),
	CONSTRAINT "lineage_events_direction_check" CHECK ("lineage_events"."direction" in ('input', 'output'))
);
--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"alias" text NOT NULL,
	"version_id" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "model_aliases_model_id_alias_unique" UNIQUE("model_id","alias")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"version" integer NOT NULL,
	"run_id" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"gate" jsonb NOT NULL,
	"student_uri" text NOT NULL,
	"student_sha256" text NOT NULL,
	"teacher" jsonb NOT NULL,
	"features" jsonb NOT NULL,
	"config_hash" text NOT NULL,
	"dataset_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_model_id_version_unique" UNIQUE("model_id","version"),
	CONSTRAINT "model_versions_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"latest_version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"temporal_run_id" text NOT NULL,
	"model_name" text NOT NULL,
	"status" text NOT NULL,
	"config" jsonb,
	"config_hash" text,
	"dataset_uri" text,
	"dataset_sha256" text,
	"code_version" text,
	"triggered_by" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "runs_status_check" CHECK ("runs"."status" in ('running', 'succeeded', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "step_executions" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"step" text NOT NULL,
	"params" jsonb NOT NULL,
	"summary" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	CONSTRAINT "step_executions_run_id_step_unique" UNIQUE("run_id","step")
);
--> statement-breakpoint
ALTER TABLE "alias_history" ADD CONSTRAINT "alias_history_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alias_history" ADD CONSTRAINT "alias_history_from_version_id_model_versions_id_fk" FOREIGN KEY ("from_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alias_history" ADD CONSTRAINT "alias_history_to_version_id_model_versions_id_fk" FOREIGN KEY ("to_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lineage_events" ADD CONSTRAINT "lineage_events_step_execution_id_step_executions_id_fk" FOREIGN KEY ("step_execution_id") REFERENCES "public"."step_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lineage_events" ADD CONSTRAINT "lineage_events_artifact_sha256_artifacts_sha256_fk" FOREIGN KEY ("artifact_sha256") REFERENCES "public"."artifacts"("sha256") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_version_id_model_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_executions" ADD CONSTRAINT "step_executions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alias_history_model_alias_idx" ON "alias_history" USING btree ("model_id","alias");--> statement-breakpoint
CREATE INDEX "lineage_events_artifact_idx" ON "lineage_events" USING btree ("artifact_sha256");--> statement-breakpoint
CREATE INDEX "runs_model_name_idx" ON "runs" USING btree ("model_name");