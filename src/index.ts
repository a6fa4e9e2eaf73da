import { ensureRuntimeEnvironment } from './runtime-environment.ts'

// Before anything else is loaded: a start-time setting that is missing restarts the process with it (same pid).
ensureRuntimeEnvironment()
await import('./main.ts')
