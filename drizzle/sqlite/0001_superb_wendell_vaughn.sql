ALTER TABLE `users` ADD `aff_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `aff_quota` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `aff_history_quota` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `users_aff_code_index` ON `users` (`aff_code`);