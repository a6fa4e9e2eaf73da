/** Shapes of the management API objects, as new-api names them (see new-api-compat.md §2-§7). */

export const roles = { user: 1, admin: 10, root: 100 } as const

export interface SelfUser {
  id: number
  username: string
  display_name: string
  role: number
  status: number
  email?: string
  group: string
  quota: number
  used_quota: number
  request_count: number
  /** Tollgate: set for a root created with a printed password until it picks its own. */
  must_change_password?: boolean
  /** Invitations: own code, people invited, rewards waiting to be moved into quota, rewards ever earned. */
  aff_code?: string
  aff_count?: number
  aff_quota?: number
  aff_history_quota?: number
  /** JSON text of the user's settings (notice threshold, webhook URL; never the webhook secret). */
  setting?: string
  /** Bound sign-in identities ('' when none). */
  github_id?: string
  oidc_id?: string
  linux_do_id?: string
  discord_id?: string
  telegram_id?: string
  /** Tollgate's rate limits (null = none; 0 = nothing allowed). */
  rpm_limit?: number | null
  tpm_limit?: number | null
  concurrency_limit?: number | null
}

export interface User extends SelfUser {
  remark?: string
}

export interface SystemStatus {
  system_name?: string
  version?: string
  quota_per_unit?: number
  display_in_currency?: boolean
  quota_display_type?: string
  custom_currency_symbol?: string
  custom_currency_exchange_rate?: number
  usd_exchange_rate?: number
  register_enabled?: boolean
  password_login_enabled?: boolean
  footer_html?: string
  self_use_mode_enabled?: boolean
  [field: string]: unknown
}

export interface Token {
  id: number
  user_id: number
  key: string
  status: number
  name: string
  created_time: number
  accessed_time: number
  expired_time: number
  remain_quota: number
  unlimited_quota: boolean
  used_quota: number
  model_limits_enabled: boolean
  model_limits: string
  allow_ips: string | null
  group: string
  cross_group_retry?: boolean
  rpm_limit?: number | null
  tpm_limit?: number | null
  concurrency_limit?: number | null
}

export interface ChannelInfo {
  is_multi_key?: boolean
  multi_key_size?: number
  /** Key index → status (1 enabled, 2 manually disabled, 3 auto-disabled). Absent index = enabled. */
  multi_key_status_list?: Record<string, number> | null
  multi_key_polling_index?: number
  multi_key_mode?: string
}

export interface Channel {
  id: number
  type: number
  key?: string
  name: string
  status: number
  base_url: string | null
  models: string
  group: string
  priority: number | null
  weight: number | null
  model_mapping: string | null
  status_code_mapping: string | null
  other: string | null
  setting: string | null
  settings?: string | null
  param_override: string | null
  header_override: string | null
  auto_ban: number | null
  test_model: string | null
  tag: string | null
  remark: string | null
  openai_organization: string | null
  created_time: number
  test_time: number
  response_time: number
  balance: number
  balance_updated_time: number
  used_quota: number
  channel_info?: ChannelInfo | null
}

export interface LogEntry {
  id: number
  user_id: number
  username: string
  created_at: number
  type: number
  content: string
  token_name: string
  token_id: number
  model_name: string
  quota: number
  prompt_tokens: number
  completion_tokens: number
  use_time: number
  is_stream: boolean
  channel: number
  channel_name?: string
  group: string
  ip?: string
  request_id?: string
  upstream_request_id?: string
  other: string
}

export interface LogStat {
  quota: number
  rpm: number
  tpm: number
}

/** One hourly aggregate row from /api/data (`created_at` is the hour bucket, unix seconds). */
export interface QuotaDataRow {
  id?: number
  user_id?: number
  username?: string
  model_name: string
  created_at: number
  token_used: number
  count: number
  quota: number
  channel_id?: number
  token_id?: number
  use_group?: string
}

export interface Option {
  key: string
  value: string
}

export interface PricingItem {
  model_name: string
  quota_type: number
  model_ratio: number
  model_price: number
  completion_ratio: number
  cache_ratio?: number
  owner_by?: string
  enable_groups?: string[]
  supported_endpoint_types?: string[]
  description?: string
  /** False when neither ModelRatio nor ModelPrice prices the model: requests for it are refused. */
  priced?: boolean
}

export interface PricingAnswer {
  success: boolean
  data: PricingItem[]
  group_ratio?: Record<string, number>
  usable_group?: Record<string, string>
}
