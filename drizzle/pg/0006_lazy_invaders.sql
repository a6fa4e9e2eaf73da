CREATE TABLE "oauth_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"action" text NOT NULL,
	"user_id" integer DEFAULT 0 NOT NULL,
	"browser_hash" text NOT NULL,
	"code_verifier" text DEFAULT '' NOT NULL,
	"nonce" text DEFAULT '' NOT NULL,
	"invitation" text DEFAULT '' NOT NULL,
	"redirect_uri" text DEFAULT '' NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "github_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "oidc_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "linux_do_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "discord_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "telegram_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "users_github_id_unique" ON "users" USING btree ("github_id") WHERE "users"."github_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX "users_oidc_id_unique" ON "users" USING btree ("oidc_id") WHERE "users"."oidc_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX "users_linux_do_id_unique" ON "users" USING btree ("linux_do_id") WHERE "users"."linux_do_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX "users_discord_id_unique" ON "users" USING btree ("discord_id") WHERE "users"."discord_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX "users_telegram_id_unique" ON "users" USING btree ("telegram_id") WHERE "users"."telegram_id" <> '';