import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl; undefined when openssl is missing. */
export function selfSignedCertificate(): { cert: string; key: string } | undefined {
  const openssl = Bun.which('openssl')
  if (!openssl) return undefined
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-cert-'))
  try {
    const result = Bun.spawnSync([openssl, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: directory, stderr: 'pipe' })
    if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`)
    return { cert: readFileSync(join(directory, 'cert.pem'), 'utf8'), key: readFileSync(join(directory, 'key.pem'), 'utf8') }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}
