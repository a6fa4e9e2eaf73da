/**
 * Test and bench support: a real 16-bit mono PCM WAV of silence, whose header is what the gateway reads an upload's
 * duration from (music-metadata). No audio tool is needed on the machine.
 */
export function silentWav(dataBytes: number, sampleRate: number): Uint8Array<ArrayBuffer> {
  const even = Math.ceil(dataBytes / 2) * 2
  const wav = Buffer.alloc(44 + even)
  wav.write('RIFF', 0)
  wav.writeUInt32LE(36 + even, 4)
  wav.write('WAVEfmt ', 8)
  wav.writeUInt32LE(16, 16)
  wav.writeUInt16LE(1, 20)
  wav.writeUInt16LE(1, 22)
  wav.writeUInt32LE(sampleRate, 24)
  wav.writeUInt32LE(sampleRate * 2, 28)
  wav.writeUInt16LE(2, 32)
  wav.writeUInt16LE(16, 34)
  wav.write('data', 36)
  wav.writeUInt32LE(even, 40)
  return new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength) as Uint8Array<ArrayBuffer>
}
