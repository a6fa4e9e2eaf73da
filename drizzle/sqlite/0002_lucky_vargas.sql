CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`price` real NOT NULL,
	`period_days` integer NOT NULL,
	`grant_every` text DEFAULT 'period' NOT NULL,
	`quota` integer NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`plan_id` integer NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer NOT NULL,
	`grant_quota` integer NOT NULL,
	`grant_seconds` integer NOT NULL,
	`next_grant_time` integer NOT NULL,
	`current_grant` integer DEFAULT 0 NOT NULL,
	`used_at_grant` integer DEFAULT 0 NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `subscriptions_user_id_index` ON `subscriptions` (`user_id`);--> statement-breakpoint
CREATE INDEX `subscriptions_due_index` ON `subscriptions` (`status`,`next_grant_time`);--> statement-breakpoint
ALTER TABLE `top_ups` ADD `plan_id` integer DEFAULT 0 NOT NULL;