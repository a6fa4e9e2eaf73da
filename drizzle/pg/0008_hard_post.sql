ALTER TABLE "tokens" ADD COLUMN "rpm_limit" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "tpm_limit" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "concurrency_limit" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "rpm_limit" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "tpm_limit" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "concurrency_limit" integer;