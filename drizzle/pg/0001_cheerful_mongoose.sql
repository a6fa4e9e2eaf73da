ALTER TABLE "users" ADD COLUMN "aff_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "aff_quota" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "aff_history_quota" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "users_aff_code_index" ON "users" USING btree ("aff_code");