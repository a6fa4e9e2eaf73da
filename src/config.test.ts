import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { ConfigError, configVariables, loadConfig } from './config.ts'

describe('configuration', () => {
  test('defaults need no environment at all', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 3000, dataDir: './data', streamingTimeoutSeconds: 300, forceStreamOption: true, streamConversion: 'inline' })
    expect(config.databaseUrl).toBeUndefined()
    expect(config.workerPoolSize).toBeGreaterThan(0)
  })

  test('the relay uses its own HTTP/1.1 client unless an egress proxy is configured, which only fetch honours', () => {
    expect(loadConfig({}).upstreamClient).toBe('http1')
    expect(loadConfig({ HTTPS_PROXY: 'http://proxy:3128' }).upstreamClient).toBe('fetch')
    expect(loadConfig({ http_proxy: 'http://proxy:3128' }).upstreamClient).toBe('fetch')
    expect(loadConfig({ HTTPS_PROXY: 'http://proxy:3128', UPSTREAM_CLIENT: 'http1' }).upstreamClient).toBe('http1')
    expect(() => loadConfig({ UPSTREAM_CLIENT: 'curl' })).toThrow('Invalid UPSTREAM_CLIENT="curl": expected http1 or fetch')
  })

  test('connections per upstream origin: 16384 unless set, an integer of at least 1', () => {
    expect(loadConfig({}).upstreamMaxConnectionsPerOrigin).toBe(16_384)
    expect(loadConfig({ UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: ' 64 ' }).upstreamMaxConnectionsPerOrigin).toBe(64)
    for (const bad of ['0', '-3', '1.5', 'many']) {
      expect(() => loadConfig({ UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN: bad })).toThrow(`Invalid UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN=${JSON.stringify(bad)}: expected an integer of at least 1`)
    }
  })

  test('new-api names are aliases', () => {
    const config = loadConfig({ SQL_DSN: 'postgres://u@h/db', REDIS_CONN_STRING: 'redis://h:6379' })
    expect([config.databaseUrl, config.redisUrl]).toEqual(['postgres://u@h/db', 'redis://h:6379'])
  })

  test('a bad value stops start-up naming the variable and the expected form', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'eighty' }, 'Invalid PORT="eighty": expected an integer port 0-65535'],
      [{ PORT: '70000' }, 'Invalid PORT="70000"'],
      [{ SQL_DSN: 'mysql://x' }, 'Invalid SQL_DSN="mysql://x": expected a postgres:// URL'],
      [{ FORCE_STREAM_OPTION: 'maybe' }, 'Invalid FORCE_STREAM_OPTION="maybe": expected true or false'],
      [{ GEMINI_MODEL_MAP: 'gemini-1.0-pro' }, 'Invalid GEMINI_MODEL_MAP'],
      [{ CRYPTO_SECRET: 'short' }, 'Invalid CRYPTO_SECRET'],
      [{ STREAM_CONVERSION: 'gpu' }, 'Invalid STREAM_CONVERSION="gpu": expected inline or worker'],
    ]
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    }
  })

  test('a bad secret is never printed, a bad URL only without its password', () => {
    const message = (env: Record<string, string>) => { try { loadConfig(env) } catch (error) { return (error as Error).message } return '' }
    expect(message({ SESSION_SECRET: 'hunter2' })).toBe('Invalid SESSION_SECRET=<hidden, 7 characters>: expected a string of at least 16 characters')
    expect(message({ INITIAL_ROOT_PASSWORD: 'pw' })).not.toContain('pw"')
    const dsn = message({ SQL_DSN: 'mysql://admin:s3cret-pass@db.internal:3306/newapi' })
    expect(dsn).toContain('mysql://admin:***@db.internal:3306/newapi')
    expect(dsn).not.toContain('s3cret-pass')
  })

  test('parsed forms: model maps, CLUSTER=auto, booleans', () => {
    const config = loadConfig({ GEMINI_MODEL_MAP: 'gemini-1.0-pro:v1, gemini-2.5-flash:v1beta', CLUSTER: 'auto', GET_MEDIA_TOKEN: 'off' })
    expect(config.geminiModelMap).toEqual({ 'gemini-1.0-pro': 'v1', 'gemini-2.5-flash': 'v1beta' })
    expect(config.cluster).toBeGreaterThan(0)
    expect(config.getMediaToken).toBe(false)
  })

  test('the README documents every variable', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const variable of configVariables) expect(readme).toContain(`\`${variable.names[0]}\``)
  })
})
