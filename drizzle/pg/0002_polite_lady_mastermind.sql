CREATE TABLE "plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"price" double precision NOT NULL,
	"period_days" integer NOT NULL,
	"grant_every" text DEFAULT 'period' NOT NULL,
	"quota" bigint NOT NULL,
	"status" integer DEFAULT 1 NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"plan_id" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"start_time" bigint NOT NULL,
	"end_time" bigint NOT NULL,
	"grant_quota" bigint NOT NULL,
	"grant_seconds" integer NOT NULL,
	"next_grant_time" bigint NOT NULL,
	"current_grant" bigint DEFAULT 0 NOT NULL,
	"used_at_grant" bigint DEFAULT 0 NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "top_ups" ADD COLUMN "plan_id" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "subscriptions_user_id_index" ON "subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "subscriptions_due_index" ON "subscriptions" USING btree ("status","next_grant_time");