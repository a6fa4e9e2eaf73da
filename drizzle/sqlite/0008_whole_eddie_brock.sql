ALTER TABLE `tokens` ADD `rpm_limit` integer;--> statement-breakpoint
ALTER TABLE `tokens` ADD `tpm_limit` integer;--> statement-breakpoint
ALTER TABLE `tokens` ADD `concurrency_limit` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `rpm_limit` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `tpm_limit` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `concurrency_limit` integer;