CREATE TABLE `channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` integer DEFAULT 1 NOT NULL,
	`key_ciphertext` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`base_url` text DEFAULT '' NOT NULL,
	`models` text DEFAULT '' NOT NULL,
	`group` text DEFAULT 'default' NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`weight` integer DEFAULT 0 NOT NULL,
	`model_mapping` text DEFAULT '' NOT NULL,
	`status_code_mapping` text DEFAULT '' NOT NULL,
	`other` text DEFAULT '' NOT NULL,
	`setting` text DEFAULT '' NOT NULL,
	`settings` text DEFAULT '' NOT NULL,
	`param_override` text DEFAULT '' NOT NULL,
	`header_override` text DEFAULT '' NOT NULL,
	`auto_ban` integer DEFAULT 1 NOT NULL,
	`test_model` text DEFAULT '' NOT NULL,
	`tag` text DEFAULT '' NOT NULL,
	`remark` text DEFAULT '' NOT NULL,
	`openai_organization` text DEFAULT '' NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL,
	`test_time` integer DEFAULT 0 NOT NULL,
	`response_time` integer DEFAULT 0 NOT NULL,
	`balance` real DEFAULT 0 NOT NULL,
	`balance_updated_time` integer DEFAULT 0 NOT NULL,
	`used_quota` integer DEFAULT 0 NOT NULL,
	`channel_info` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `channels_tag_index` ON `channels` (`tag`);--> statement-breakpoint
CREATE TABLE `logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer DEFAULT 0 NOT NULL,
	`username` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`type` integer NOT NULL,
	`content` text DEFAULT '' NOT NULL,
	`token_name` text DEFAULT '' NOT NULL,
	`token_id` integer DEFAULT 0 NOT NULL,
	`model_name` text DEFAULT '' NOT NULL,
	`quota` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`use_time` integer DEFAULT 0 NOT NULL,
	`is_stream` integer DEFAULT false NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`group` text DEFAULT '' NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`request_id` text DEFAULT '' NOT NULL,
	`upstream_request_id` text DEFAULT '' NOT NULL,
	`other` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `logs_created_at_index` ON `logs` (`created_at`);--> statement-breakpoint
CREATE INDEX `logs_user_id_created_at_index` ON `logs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `logs_token_id_index` ON `logs` (`token_id`);--> statement-breakpoint
CREATE INDEX `logs_model_name_index` ON `logs` (`model_name`);--> statement-breakpoint
CREATE INDEX `logs_request_id_index` ON `logs` (`request_id`);--> statement-breakpoint
CREATE TABLE `options` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `quota_data` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`username` text DEFAULT '' NOT NULL,
	`model_name` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`use_group` text DEFAULT '' NOT NULL,
	`token_id` integer DEFAULT 0 NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`node_name` text DEFAULT '' NOT NULL,
	`token_used` integer DEFAULT 0 NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`quota` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quota_data_bucket_unique` ON `quota_data` (`created_at`,`user_id`,`token_id`,`channel_id`,`model_name`,`use_group`);--> statement-breakpoint
CREATE INDEX `quota_data_user_id_index` ON `quota_data` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer DEFAULT 0 NOT NULL,
	`key` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`quota` integer DEFAULT 100 NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL,
	`redeemed_time` integer DEFAULT 0 NOT NULL,
	`used_user_id` integer DEFAULT 0 NOT NULL,
	`expired_time` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_key_unique` ON `redemptions` (`key`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` text NOT NULL,
	`platform` text NOT NULL,
	`user_id` integer DEFAULT 0 NOT NULL,
	`channel_id` integer DEFAULT 0 NOT NULL,
	`quota` integer DEFAULT 0 NOT NULL,
	`action` text DEFAULT '' NOT NULL,
	`status` text DEFAULT '' NOT NULL,
	`fail_reason` text DEFAULT '' NOT NULL,
	`submit_time` integer DEFAULT 0 NOT NULL,
	`start_time` integer DEFAULT 0 NOT NULL,
	`finish_time` integer DEFAULT 0 NOT NULL,
	`progress` text DEFAULT '' NOT NULL,
	`properties` text DEFAULT '' NOT NULL,
	`data` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_task_id_index` ON `tasks` (`task_id`);--> statement-breakpoint
CREATE INDEX `tasks_user_id_index` ON `tasks` (`user_id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`key_hash` text NOT NULL,
	`key_ciphertext` text NOT NULL,
	`key_mask` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL,
	`accessed_time` integer DEFAULT 0 NOT NULL,
	`expired_time` integer DEFAULT -1 NOT NULL,
	`remain_quota` integer DEFAULT 0 NOT NULL,
	`unlimited_quota` integer DEFAULT false NOT NULL,
	`used_quota` integer DEFAULT 0 NOT NULL,
	`model_limits_enabled` integer DEFAULT false NOT NULL,
	`model_limits` text DEFAULT '' NOT NULL,
	`allow_ips` text DEFAULT '' NOT NULL,
	`group` text DEFAULT '' NOT NULL,
	`cross_group_retry` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_key_hash_unique` ON `tokens` (`key_hash`);--> statement-breakpoint
CREATE INDEX `tokens_user_id_index` ON `tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `top_ups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`amount` integer DEFAULT 0 NOT NULL,
	`money` real DEFAULT 0 NOT NULL,
	`trade_no` text NOT NULL,
	`payment_method` text DEFAULT '' NOT NULL,
	`payment_provider` text DEFAULT '' NOT NULL,
	`create_time` integer DEFAULT 0 NOT NULL,
	`complete_time` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `top_ups_trade_no_unique` ON `top_ups` (`trade_no`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`role` integer DEFAULT 1 NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`access_token_hash` text,
	`quota` integer DEFAULT 0 NOT NULL,
	`used_quota` integer DEFAULT 0 NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`group` text DEFAULT 'default' NOT NULL,
	`aff_code` text DEFAULT '' NOT NULL,
	`inviter_id` integer DEFAULT 0 NOT NULL,
	`setting` text DEFAULT '' NOT NULL,
	`must_change_password` integer DEFAULT false NOT NULL,
	`created_time` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_access_token_unique` ON `users` (`access_token_hash`);