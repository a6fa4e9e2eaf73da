/** The slice of autocannon's API the bench uses (the package ships no types). */
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string
    connections?: number
    duration?: number
    amount?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    timeout?: number
    pipelining?: number
  }
  interface AutocannonResult {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    requests: { average: number; total: number }
    throughput: { average: number; total: number }
    '2xx': number
  }
  interface AutocannonInstance extends PromiseLike<AutocannonResult> {
    on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): void
    on(event: 'done', listener: (result: AutocannonResult) => void): void
    stop(): void
  }
  function autocannon(options: AutocannonOptions): AutocannonInstance
  export default autocannon
}
