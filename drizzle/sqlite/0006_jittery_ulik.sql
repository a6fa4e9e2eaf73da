CREATE TABLE `oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`action` text NOT NULL,
	`user_id` integer DEFAULT 0 NOT NULL,
	`browser_hash` text NOT NULL,
	`code_verifier` text DEFAULT '' NOT NULL,
	`nonce` text DEFAULT '' NOT NULL,
	`invitation` text DEFAULT '' NOT NULL,
	`redirect_uri` text DEFAULT '' NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `users` ADD `github_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `oidc_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `linux_do_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `discord_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `telegram_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `users_github_id_unique` ON `users` (`github_id`) WHERE "users"."github_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX `users_oidc_id_unique` ON `users` (`oidc_id`) WHERE "users"."oidc_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX `users_linux_do_id_unique` ON `users` (`linux_do_id`) WHERE "users"."linux_do_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX `users_discord_id_unique` ON `users` (`discord_id`) WHERE "users"."discord_id" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX `users_telegram_id_unique` ON `users` (`telegram_id`) WHERE "users"."telegram_id" <> '';