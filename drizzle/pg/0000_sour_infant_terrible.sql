CREATE TABLE "channels" (
	"id" serial PRIMARY KEY NOT NULL,
	"type" integer DEFAULT 1 NOT NULL,
	"key_ciphertext" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"status" integer DEFAULT 1 NOT NULL,
	"base_url" text DEFAULT '' NOT NULL,
	"models" text DEFAULT '' NOT NULL,
	"group" text DEFAULT 'default' NOT NULL,
	"priority" bigint DEFAULT 0 NOT NULL,
	"weight" integer DEFAULT 0 NOT NULL,
	"model_mapping" text DEFAULT '' NOT NULL,
	"status_code_mapping" text DEFAULT '' NOT NULL,
	"other" text DEFAULT '' NOT NULL,
	"setting" text DEFAULT '' NOT NULL,
	"settings" text DEFAULT '' NOT NULL,
	"param_override" text DEFAULT '' NOT NULL,
	"header_override" text DEFAULT '' NOT NULL,
	"auto_ban" integer DEFAULT 1 NOT NULL,
	"test_model" text DEFAULT '' NOT NULL,
	"tag" text DEFAULT '' NOT NULL,
	"remark" text DEFAULT '' NOT NULL,
	"openai_organization" text DEFAULT '' NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL,
	"test_time" bigint DEFAULT 0 NOT NULL,
	"response_time" integer DEFAULT 0 NOT NULL,
	"balance" double precision DEFAULT 0 NOT NULL,
	"balance_updated_time" bigint DEFAULT 0 NOT NULL,
	"used_quota" bigint DEFAULT 0 NOT NULL,
	"channel_info" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "logs" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer DEFAULT 0 NOT NULL,
	"username" text DEFAULT '' NOT NULL,
	"created_at" bigint NOT NULL,
	"type" integer NOT NULL,
	"content" text DEFAULT '' NOT NULL,
	"token_name" text DEFAULT '' NOT NULL,
	"token_id" integer DEFAULT 0 NOT NULL,
	"model_name" text DEFAULT '' NOT NULL,
	"quota" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"use_time" integer DEFAULT 0 NOT NULL,
	"is_stream" boolean DEFAULT false NOT NULL,
	"channel_id" integer DEFAULT 0 NOT NULL,
	"group" text DEFAULT '' NOT NULL,
	"ip" text DEFAULT '' NOT NULL,
	"request_id" text DEFAULT '' NOT NULL,
	"upstream_request_id" text DEFAULT '' NOT NULL,
	"other" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "options" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quota_data" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"username" text DEFAULT '' NOT NULL,
	"model_name" text DEFAULT '' NOT NULL,
	"created_at" bigint NOT NULL,
	"use_group" text DEFAULT '' NOT NULL,
	"token_id" integer DEFAULT 0 NOT NULL,
	"channel_id" integer DEFAULT 0 NOT NULL,
	"node_name" text DEFAULT '' NOT NULL,
	"token_used" bigint DEFAULT 0 NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"quota" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "redemptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer DEFAULT 0 NOT NULL,
	"key" text NOT NULL,
	"status" integer DEFAULT 1 NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"quota" bigint DEFAULT 100 NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL,
	"redeemed_time" bigint DEFAULT 0 NOT NULL,
	"used_user_id" integer DEFAULT 0 NOT NULL,
	"expired_time" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" serial PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"platform" text NOT NULL,
	"user_id" integer DEFAULT 0 NOT NULL,
	"channel_id" integer DEFAULT 0 NOT NULL,
	"quota" bigint DEFAULT 0 NOT NULL,
	"action" text DEFAULT '' NOT NULL,
	"status" text DEFAULT '' NOT NULL,
	"fail_reason" text DEFAULT '' NOT NULL,
	"submit_time" bigint DEFAULT 0 NOT NULL,
	"start_time" bigint DEFAULT 0 NOT NULL,
	"finish_time" bigint DEFAULT 0 NOT NULL,
	"progress" text DEFAULT '' NOT NULL,
	"properties" text DEFAULT '' NOT NULL,
	"data" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"key_hash" text NOT NULL,
	"key_ciphertext" text NOT NULL,
	"key_mask" text NOT NULL,
	"status" integer DEFAULT 1 NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL,
	"accessed_time" bigint DEFAULT 0 NOT NULL,
	"expired_time" bigint DEFAULT -1 NOT NULL,
	"remain_quota" bigint DEFAULT 0 NOT NULL,
	"unlimited_quota" boolean DEFAULT false NOT NULL,
	"used_quota" bigint DEFAULT 0 NOT NULL,
	"model_limits_enabled" boolean DEFAULT false NOT NULL,
	"model_limits" text DEFAULT '' NOT NULL,
	"allow_ips" text DEFAULT '' NOT NULL,
	"group" text DEFAULT '' NOT NULL,
	"cross_group_retry" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "top_ups" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"amount" integer DEFAULT 0 NOT NULL,
	"money" double precision DEFAULT 0 NOT NULL,
	"trade_no" text NOT NULL,
	"payment_method" text DEFAULT '' NOT NULL,
	"payment_provider" text DEFAULT '' NOT NULL,
	"create_time" bigint DEFAULT 0 NOT NULL,
	"complete_time" bigint DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"role" integer DEFAULT 1 NOT NULL,
	"status" integer DEFAULT 1 NOT NULL,
	"email" text DEFAULT '' NOT NULL,
	"access_token_hash" text,
	"quota" bigint DEFAULT 0 NOT NULL,
	"used_quota" bigint DEFAULT 0 NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"group" text DEFAULT 'default' NOT NULL,
	"aff_code" text DEFAULT '' NOT NULL,
	"inviter_id" integer DEFAULT 0 NOT NULL,
	"setting" text DEFAULT '' NOT NULL,
	"must_change_password" boolean DEFAULT false NOT NULL,
	"created_time" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "channels_tag_index" ON "channels" USING btree ("tag");--> statement-breakpoint
CREATE INDEX "logs_created_at_index" ON "logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "logs_user_id_created_at_index" ON "logs" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "logs_token_id_index" ON "logs" USING btree ("token_id");--> statement-breakpoint
CREATE INDEX "logs_model_name_index" ON "logs" USING btree ("model_name");--> statement-breakpoint
CREATE INDEX "logs_request_id_index" ON "logs" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "quota_data_bucket_unique" ON "quota_data" USING btree ("created_at","user_id","token_id","channel_id","model_name","use_group");--> statement-breakpoint
CREATE INDEX "quota_data_user_id_index" ON "quota_data" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "redemptions_key_unique" ON "redemptions" USING btree ("key");--> statement-breakpoint
CREATE INDEX "tasks_task_id_index" ON "tasks" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "tasks_user_id_index" ON "tasks" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_key_hash_unique" ON "tokens" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "tokens_user_id_index" ON "tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "top_ups_trade_no_unique" ON "top_ups" USING btree ("trade_no");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_unique" ON "users" USING btree ("username");--> statement-breakpoint
CREATE UNIQUE INDEX "users_access_token_unique" ON "users" USING btree ("access_token_hash");