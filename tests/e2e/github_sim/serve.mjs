// GitHub API simulator on 127.0.0.1 only (its own CLI listens on every interface).
// Prints one JSON line when it listens; stop with SIGTERM.
import { simulation } from '@simulacrum/github-api-simulator'

const port = Number(process.env.GITHUB_SIM_PORT || 3300)
const server = simulation().listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}` }))
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
