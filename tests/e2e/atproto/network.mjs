// Starts Bluesky's own services (PLC, PDS, AppView, bsync, ozone) in this process
// and prints one JSON line when they are ready. Ports come from the environment so
// that parallel runs do not collide. Stop with SIGTERM.
import { TestNetwork } from '@atproto/dev-env'

const port = (name, fallback) => Number(process.env[name] || fallback)
const t0 = Date.now()
const plc = port('ATP_PLC_PORT', 2582)
const pds = port('ATP_PDS_PORT', 2583)
const bsky = port('ATP_BSKY_PORT', 2584)
const ozone = port('ATP_OZONE_PORT', 2587)
const network = await TestNetwork.create({
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'dev',
  plc: { port: plc },
  pds: { port: pds, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: bsky, publicUrl: `http://localhost:${bsky}` },
  ozone: { port: ozone, chatUrl: 'http://localhost:2590', chatDid: 'did:example:chat' },
})
console.log(JSON.stringify({ ready_ms: Date.now() - t0, pds: network.pds.url, bsky: network.bsky.url }))
let closing = false
const shutdown = async () => {
  if (closing) return
  closing = true
  try { await network.close() } finally { process.exit(0) }
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
