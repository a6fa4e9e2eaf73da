/** Suites sign in and call /api far more often than new-api's per-address limits allow; a suite about them turns them on. */
export const addressLimitsOff = { GLOBAL_API_RATE_LIMIT_ENABLE: 'false', GLOBAL_WEB_RATE_LIMIT_ENABLE: 'false', CRITICAL_RATE_LIMIT_ENABLE: 'false' }
