import { action, query } from '@solidjs/router'
import { passkeys, twoFactor } from '../../lib/second-factor.ts'

/** The account page's 2FA and passkey data; every action revalidates these queries. */
export const getTwoFactorStatus = query(() => twoFactor.status(), 'two-factor-status')
export const getPasskeys = query(() => passkeys.list(), 'passkeys')

export const beginTwoFactorSetup = action(() => twoFactor.setup(), 'two-factor-setup')
export const enableTwoFactor = action((code: string) => twoFactor.enable(code), 'two-factor-enable')
export const disableTwoFactor = action((code: string) => twoFactor.disable(code), 'two-factor-disable')
export const regenerateBackupCodes = action((code: string) => twoFactor.regenerateBackupCodes(code), 'two-factor-backup-codes')
export const registerPasskey = action((name: string) => passkeys.register(name), 'passkey-register')
export const removePasskey = action((id: number) => passkeys.remove(id), 'passkey-remove')
