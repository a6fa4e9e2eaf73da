import { epaySign } from '../payments/easypay.ts'

/**
 * A local EasyPay merchant gateway, following the protocol of §9 (go-epay v0.0.4): the browser POSTs the signed
 * form to `/submit.php`; the gateway checks the signature with the merchant key and shows a pay page; paying
 * sends the signed notify callback to `notify_url` (form POST, as EasyPay gateways do) and sends the browser to
 * `return_url`. Tests may also replay or tamper with callbacks through `callback()`.
 */
export interface MockEasyPayOrder {
  fields: Record<string, string>
  tradeNo: string
  /** The notify callback's answers, in order. */
  replies: string[]
}

export interface MockEasyPay {
  url: string
  orders: MockEasyPayOrder[]
  /** Send a signed callback for `order` (with changes, signed after them unless `sign` is among them). */
  callback(order: MockEasyPayOrder, changes?: Record<string, string>, options?: { method?: 'GET' | 'POST'; key?: string }): Promise<string>
  stop(): Promise<void>
}

const page = (body: string, status = 200) => new Response(`<!doctype html><html><body>${body}</body></html>`, { status, headers: { 'content-type': 'text/html; charset=utf-8' } })
const escape = (text: string) => text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`)

export function startMockEasyPay(merchant: { pid: string; key: string }): MockEasyPay {
  const orders: MockEasyPayOrder[] = []
  let serial = 0

  async function callback(order: MockEasyPayOrder, changes: Record<string, string> = {}, options: { method?: 'GET' | 'POST'; key?: string } = {}) {
    const parameters: Record<string, string> = {
      pid: order.fields.pid!, trade_no: order.tradeNo, out_trade_no: order.fields.out_trade_no!, type: order.fields.type!,
      name: order.fields.name!, money: order.fields.money!, trade_status: 'TRADE_SUCCESS', ...changes,
    }
    if (!('sign' in changes)) parameters.sign = epaySign(parameters, options.key ?? merchant.key)
    parameters.sign_type = 'MD5'
    const body = new URLSearchParams(parameters)
    const response = options.method === 'GET'
      ? await fetch(`${order.fields.notify_url}?${body}`)
      : await fetch(order.fields.notify_url!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    const reply = await response.text()
    order.replies.push(reply)
    return reply
  }

  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      if (url.pathname === '/submit.php' && request.method === 'POST') {
        const fields = Object.fromEntries(new URLSearchParams(await request.text()))
        if (fields.pid !== merchant.pid) return page('<h1>Unknown merchant</h1>', 400)
        if (fields.sign !== epaySign(fields, merchant.key)) return page('<h1>Bad signature</h1>', 400)
        const order: MockEasyPayOrder = { fields, tradeNo: `MOCK${Date.now()}${++serial}`, replies: [] }
        orders.push(order)
        return page(`<h1>Mock EasyPay</h1><p id="order">${escape(fields.name!)} — ¥<span id="money">${escape(fields.money!)}</span> via ${escape(fields.type!)}</p>
<form method="post" action="/pay/${orders.length - 1}"><button id="pay" type="submit">Pay</button></form>`)
      }
      const paying = /^\/pay\/(\d+)$/.exec(url.pathname)
      if (paying && request.method === 'POST') {
        const order = orders[Number(paying[1])]
        if (!order) return page('<h1>No such order</h1>', 404)
        const reply = await callback(order)
        if (reply !== 'success') return page(`<h1>The merchant answered ${escape(reply)}</h1>`, 502)
        return Response.redirect(order.fields.return_url!, 302)
      }
      return page('<h1>Not found</h1>', 404)
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, orders, callback, stop: async () => { await server.stop(true) } }
}
